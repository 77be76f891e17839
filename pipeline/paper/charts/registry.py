"""Every chart of the paper, declared once: its slug, its drawer, its relative cost and whether it
applies to the edition. The parallel build is sized from this list (chart_count, chart_parts), and
compose knows the names a template or prose file may pass to figure() from it (slugs), so a chart
added here is drawn, shared out and placeable without another list to keep in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ...analysis.classify import Classified
from ...analysis.outlook import Outlook
from ...analysis.schedule import ReviewItem
from ...config import Config
from ...edition import Edition
from ...input.register import Register
from . import category, csp, outlook, priority, scenarios, timeline
from .drawing import Chart, Drawing
from .files import write_drawing


@dataclass(frozen=True)
class ChartInputs:
    """What any chart may be drawn from."""
    register: Register
    items: Sequence[Classified]
    review: Sequence[ReviewItem]
    outlook: Outlook
    edition: Edition
    config: Config
    scenarios: Any = None  # analysis.scenarios.Scenarios, when the edition has scenarios.toml
    csp: Any = None  # analysis.csp.CspAllocation, when the edition has a csp-allocation.csv


def _always(_: ChartInputs) -> bool:
    return True


@dataclass(frozen=True)
class ChartSpec:
    slug: str  # the file stem and the name figure() takes
    draw: Callable[[ChartInputs], Drawing]
    cost: float = 1.0  # rough drawing time against the others, to share the charts out between processes
    applies: Callable[[ChartInputs], bool] = _always  # False: the edition has no such chart this year


#: The charts in the paper's order. The timeline (with its print pages) takes about as long as the
#: three before it together, whatever the register's size.
CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(priority.SLUG, lambda i: priority.draw_spend_by_priority(i.register, i.edition, i.config)),
    ChartSpec(category.SLUG, lambda i: category.draw_spend_by_category(i.items, i.edition, i.config)),
    ChartSpec(outlook.SLUG, lambda i: outlook.draw_funding_outlook(i.outlook, i.edition, i.config)),
    ChartSpec(timeline.SLUG, lambda i: timeline.draw_timeline(i.review, i.edition, i.config), cost=3.0),
    ChartSpec(scenarios.SLUG, lambda i: scenarios.draw_scenarios(i.scenarios, i.edition),
              applies=lambda i: scenarios.applies(i.scenarios)),
    ChartSpec(csp.SLUG, lambda i: csp.draw_csp_allocation(i.csp, i.edition), applies=lambda i: csp.applies(i.csp)),
)


def _charts() -> tuple[ChartSpec, ...]:
    """The registry as it stands (read at each call, so a chart added to CHARTS is counted and drawn)."""
    slugs = [c.slug for c in CHARTS]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise ValueError(f"charts declared twice in the registry: {', '.join(twice)}")
    return CHARTS


def slugs() -> tuple[str, ...]:
    """Every chart's name, in the paper's order, whether or not it applies to a given edition."""
    return tuple(c.slug for c in _charts())


def chart_count() -> int:
    """How many charts draw_charts may draw (those that do not apply to an edition are left out)."""
    return len(_charts())


def chart_parts(n: int) -> tuple[tuple[int, ...], ...]:
    """The charts (indices into the registry's order) each of n processes draws: the costliest first, each
    to the part with the least work so far, so the parts finish at about the same time."""
    costs = [c.cost for c in _charts()]
    loads = [0.0] * n
    parts: list[list[int]] = [[] for _ in range(n)]
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        k = loads.index(min(loads))
        parts[k].append(i)
        loads[k] += costs[i]
    return tuple(tuple(sorted(p)) for p in parts)


def draw_indexed(inputs: ChartInputs, part: tuple[int, int] = (0, 1)) -> tuple[tuple[int, Drawing], ...]:
    """(place in the paper's order, Drawing) for the charts of `part` that apply to this edition."""
    charts = _charts()
    k, n = part
    drawn = []
    for i in chart_parts(n)[k]:
        spec = charts[i]
        if not spec.applies(inputs):
            continue  # a chart that does not apply is left out
        drawing = spec.draw(inputs)
        if not isinstance(drawing, Drawing) or drawing.slug != spec.slug:
            raise TypeError(f"the drawer of chart {spec.slug!r} returned {type(drawing).__name__}"
                            + (f" {drawing.slug!r}" if isinstance(drawing, Drawing) else "")
                            + f", not the Drawing {spec.slug!r}")
        drawn.append((i, drawing))
    return tuple(drawn)


def render_charts(register: Register, items: Sequence[Classified], sched: Sequence[ReviewItem],
                  look: Outlook, edition: Edition, config: Config, out_dir: Path,
                  part: tuple[int, int] = (0, 1), scenarios=None, csp=None, indexed: bool = False) -> tuple:
    """Draw every chart and write <slug>.svg and <slug>.png into out_dir. With part=(k, n), only the
    charts chart_parts(n)[k]: n processes given parts 0..n-1 share the work (see pipeline/parallel.py).
    `indexed`: (place in the paper's order, Chart) pairs, so parts can be put back in order even when a
    chart that does not apply (no scenarios, no CSP inputs) is left out."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = ChartInputs(register, items, sched, look, edition, config, scenarios, csp)
    charts = []
    for i, drawing in draw_indexed(inputs, part):
        svg, png = write_drawing(drawing, out_dir)
        chart = Chart(drawing.slug, drawing.title, drawing.alt, drawing.data, svg, png)
        charts.append((i, chart) if indexed else chart)
    return tuple(charts)


def draw_charts(register: Register, items: Sequence[Classified], sched: Sequence[ReviewItem],
                look: Outlook, edition: Edition, config: Config, part: tuple[int, int] = (0, 1),
                scenarios=None, csp=None) -> tuple[Drawing, ...]:
    """The charts of `part` that apply to this edition, in the paper's order."""
    inputs = ChartInputs(register, items, sched, look, edition, config, scenarios, csp)
    return tuple(d for _, d in draw_indexed(inputs, part))
