"""The scenarios chart: all funding month by month over the three years from the paper date, under each
scenario against the base case. Declared in charts/registry.py; drawn in the charts' style (colours that
reach 3:1, a line style as well as a colour per series, no text under 9 pt)."""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter

from ...analysis.scenarios import Scenarios
from ...edition import Edition
from ...formatting import money
from .. import model
from .drawing import Drawing
from .layout import add_legend, money_axis, new_figure
from .style import BLUE, GREY, INK, chart_style

SLUG = "scenarios"


def _plain(text: str) -> str:
    """Text matplotlib draws as it is: a $ would otherwise start mathematical notation."""
    return text.replace("$", r"\$")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def applies(result: Scenarios | None) -> bool:
    """Drawn for an edition with scenarios (data/<year>/scenarios.toml) only."""
    return bool(result)


def draw_scenarios(result: Scenarios, edition: Edition) -> Drawing:
    """One panel per scenario: the monthly funding of the services that scenario changes, under the base
    case (solid) and under the scenario (dashed), on a scale starting at zero."""
    months = result.context.months
    first, last = months[0], months[-1]
    title = (f"Funding each month of the services each scenario changes, against the base case, "
             f"{first:%B %Y} to {last:%B %Y}")
    panels = _panels(result)
    return Drawing(SLUG, title, _words(panels), _numbers(title, result, panels, edition),
                   _picture(result, panels))


def _panels(result: Scenarios) -> list[tuple]:
    """(number, outcome, the ids of the services it changes, their monthly funding under the base case,
    under the scenario), one per scenario."""
    panels = []
    for n, o in enumerate(result.outcomes, 1):
        ids = o.changed or tuple(e.line.id for e in o.effects)
        panels.append((n, o, ids, result.base.funding_of(ids), o.funding_of(ids)))
    return panels


def _words(panels: list[tuple]) -> str:
    alts = []
    for n, o, ids, b, s in panels:
        diff = (sum(s, Decimal(0)) - sum(b, Decimal(0))).quantize(Decimal(1))
        what = (f"follows the base case for its {len(ids):,} services" if diff == 0 else
                f"gives its {len(ids):,} services {money(abs(diff))} {'more' if diff > 0 else 'less'} over the "
                f"three years than the base case")
        alts.append(f"Scenario {n} {what}")
    return "; ".join(alts) + "."


def _numbers(title: str, result: Scenarios, panels: list[tuple], edition: Edition) -> model.Table:
    base, months = result.base, result.context.months
    years = [y for y, _ in base.year_totals(edition)]
    cols = (model.Column("Scenario", width=2.4), model.Column("Case", width=1.0),
            *(model.Column(y.label, "right", "money") for y in years))
    rows = []
    for n, o, ids, b, s in panels:
        for case, series in ((base.name, b), ("Scenario", s)):
            rows.append((f"{n}. {o.name}", case, *(money(v.quantize(Decimal(1))) for v in _years(months, series, years))))
    return model.Table(f"data-{SLUG}", f"Data for: {title}", cols, tuple(rows), row_header=True)


def _picture(result: Scenarios, panels: list[tuple]) -> Figure:
    base, months = result.base, result.context.months
    with chart_style():
        fig = new_figure(0.9 + 0.8 * len(panels))
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        xs = list(range(len(months) + 1))
        steps = lambda values: [float(v) for v in values] + [float(values[-1])]  # noqa: E731
        colour, dash = BLUE, (0, (5, 2))
        for ax, (n, o, ids, b, s) in zip(axes, panels):
            ax.step(xs, steps(b), where="post", color=GREY, linewidth=3.0, label="_base")
            ax.step(xs, steps(s), where="post", color=colour, linewidth=1.6, linestyle=dash, label="_scenario")
            top = max([float(v) for v in (*b, *s)] or [1.0])
            ax.set_ylim(0, top * 1.3 if top else 1)
            money_axis(ax.yaxis, top)
            ax.grid(axis="y")
            ax.set_title(_plain(f"{n}. {_short(o.name, 70)} ({len(ids):,} services)"), loc="left", fontsize=9,
                         color=INK)
            starts = [k for k, m in enumerate(months) if m.month == 4] or [0]
            ax.xaxis.set_major_locator(FixedLocator(starts + [len(months)]))
            ax.xaxis.set_major_formatter(NullFormatter())
            ax.grid(axis="x", which="major")
            ax.set_xlim(0, len(months))
            if sum(s, Decimal(0)) == sum(b, Decimal(0)):
                ax.text(0.99, 0.93, "the same as the base case: the register already records this", transform=ax.transAxes, ha="right", va="top",
                        fontsize=9, color=INK)
        starts = [k for k, m in enumerate(months) if m.month == 4] or [0]
        mids = [(k + min(k + 12, len(months))) / 2 for k in starts]
        axes[-1].set_xticks(mids, [Edition(months[k].year).short_label for k in starts], minor=True)
        axes[-1].tick_params(axis="x", which="minor", length=0)
        axes[-1].set_xlabel("Financial year (1 April to 31 March)")
        fig.supylabel("Funding a month", fontsize=10, color=INK)
        add_legend(fig, [Line2D([], [], color=GREY, linewidth=3.0, label=base.name),
                         Line2D([], [], color=colour, linewidth=1.6, linestyle=dash, label="Under the scenario")],
                   ncols=2)
    return fig


def _years(months, series, years: list[Edition]) -> list[Decimal]:
    totals = {y.first_year: Decimal(0) for y in years}
    for m, v in zip(months, series):
        totals[m.year if m.month >= 4 else m.year - 1] += v
    return [totals[y.first_year] for y in years]
