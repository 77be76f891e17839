"""A chart before it is written (Drawing: the matplotlib figure with its words and numbers) and after
(Chart: its files, ready for the paper)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from .. import model

@dataclass(frozen=True)
class Chart:
    """One chart, ready for the paper."""
    slug: str  # file stem, e.g. "spend-by-priority"
    title: str  # short title used as the figure caption
    alt: str  # 1-2 sentences generated from the data stating the main finding in words
    data: model.Table  # the numbers behind the chart
    svg: Path
    png: Path

    def figure(self) -> model.Figure:
        """The document-model block for this chart."""
        return model.Figure(anchor=f"figure-{self.slug}", caption=self.title, alt=self.alt,
                            svg=self.svg, png=self.png, data=self.data)


@dataclass(frozen=True)
class Drawing:
    """A chart before it is written: the matplotlib figure with its words and numbers."""
    slug: str
    title: str
    alt: str
    data: model.Table
    figure: Figure
    bars: int = 0  # bars drawn (the timeline: one per agreement, or one per group)
    grouped: bool = False
    # The chart cut into pages for print when the whole is taller than PRINT_MAX_HEIGHT_IN
    # (written as <slug>.print-<n>.png, see chart_files); empty when the whole chart prints as it is.
    print_parts: tuple[Figure, ...] = ()

