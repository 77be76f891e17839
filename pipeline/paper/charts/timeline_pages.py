"""The timeline's rows and how they are cut into print pages: a timeline taller than PRINT_MAX_HEIGHT_IN
is also drawn as parts of at most that height, as even as the rows allow, that line up down the pages
(written as <slug>.print-<n>.png, see chart_files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from matplotlib.figure import Figure

from .style import PRINT_MAX_HEIGHT_IN


@dataclass(frozen=True)
class Bar:
    label: str  # as printed: the project's name, wrapped onto at most two lines (no internal id)
    start: date
    start_known: bool
    end: date
    latest_end: date
    review_start: date
    decision_due: date
    inferred: bool = False  # its dates are inferred, not recorded: drawn apart, never as a solid bar


@dataclass(frozen=True)
class Row:
    """One row of the timeline, top to bottom: a category header, or a bar."""
    header: str | None = None
    bar: Bar | None = None

    @property
    def units(self) -> float:
        """Height in row units: a label wrapped onto two lines needs half a row more."""
        return 1.5 if self.bar is not None and "\n" in self.bar.label else 1.0


#: Timeline geometry, in inches at print size: a row unit, and the room for everything else
#: (the legend, the year labels above and the axis below; a continued part has no legend).
ROW_IN = 0.21
CHROME_IN = 1.65
CHROME_CONTINUED_IN = 1.05


def timeline_height(rows: Sequence[Row], legend: bool = True) -> float:
    return (CHROME_IN if legend else CHROME_CONTINUED_IN) + ROW_IN * max(sum(r.units for r in rows), 1)


def print_pages(rows: Sequence[Row]) -> list[list[Row]]:
    """The rows cut into as few parts as print at most PRINT_MAX_HEIGHT_IN tall each (the first with
    the legend), as even in height as the rows allow, so no part is a stub of one bar."""
    if timeline_height(rows) <= PRINT_MAX_HEIGHT_IN:
        return [list(rows)]
    fewest = _pack(rows, PRINT_MAX_HEIGHT_IN)
    # The lowest cap that still needs no more parts than the tallest cap evens the parts out.
    cap = min(timeline_height(rows), PRINT_MAX_HEIGHT_IN)
    best = fewest
    while cap > CHROME_IN + 2 * ROW_IN:
        cap -= ROW_IN / 2
        trial = _pack(rows, cap)
        if len(trial) > len(fewest):
            break
        best = trial
    return best


def _pack(rows: Sequence[Row], cap: float) -> list[list[Row]]:
    """Rows into parts of at most `cap` inches, in order. A part never ends on a category header;
    a category that runs on into the next part has its header repeated there, marked continued."""
    pages: list[list[Row]] = [[]]
    header: str | None = None
    for row in rows:
        page = pages[-1]
        if row.header is not None:
            header = row.header
        # A header only goes where one bar at least fits under it.
        need = [*page, row] if row.header is None else [*page, row, Row()]
        if timeline_height(need, legend=len(pages) == 1) > cap and any(r.bar for r in page):
            page = []
            pages.append(page)
            if row.header is None and header is not None:
                page.append(Row(header=f"{header} (continued)"))
        page.append(row)
    return pages


def align(figures: Sequence[Figure]) -> None:
    """Give every figure's axes the same left and right edges (those of the widest labels), so the
    print parts of a chart line up down the pages. Run after each figure's own layout."""
    boxes = []
    for fig in figures:
        fig.draw_without_rendering()
        boxes.append(fig.axes[0].get_position())
    left, right = max(b.x0 for b in boxes), min(b.x1 for b in boxes)
    for fig, box in zip(figures, boxes):
        fig.set_layout_engine("none")
        fig.axes[0].set_position([left, box.y0, right - left, box.height])

