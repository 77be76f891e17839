"""The scenarios chart: all funding month by month over the three years from the paper date, under each
scenario against the base case. Registered in charts.draw_charts; drawn in charts' style (colours that
reach 3:1, a line style as well as a colour per series, no text under 9 pt)."""

from __future__ import annotations

from decimal import Decimal

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter

from ..analysis.scenarios import Scenarios
from ..edition import Edition
from ..formatting import money, uk_date
from . import model
from .charts import (
    BLUE,
    GREY,
    INK,
    PURPLE,
    VERMILLION,
    GREEN,
    Drawing,
    _chart_style,
    _legend,
    _money_axis,
    _new_figure,
)

SLUG = "scenarios"
_STYLES = ((BLUE, (0, (5, 2))), (VERMILLION, (0, (1.5, 1.5))), (GREEN, (0, (6, 2, 1.5, 2))), (PURPLE, (0, (2, 3))))


def _plain(text: str) -> str:
    """Text matplotlib draws as it is: a $ would otherwise start mathematical notation."""
    return text.replace("$", r"\$")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def draw_scenarios(result: Scenarios | None, edition: Edition) -> Drawing | None:
    if not result:
        return None
    base, outcomes = result.base, result.outcomes
    first, last = result.context.months[0], result.context.months[-1]
    title = f"Funding each month under each scenario against the base case, {first:%B %Y} to {last:%B %Y}"
    years = [y for y, _ in base.year_totals(edition)]
    cols = (model.Column("Case", width=2.6), *(model.Column(y.label, "right", "money") for y in years),
            model.Column("Against the base case over the three years", "right", "money", 1.2))
    base_total = sum(base.funding, Decimal(0))
    rows = [(base.name, *(money(v.quantize(Decimal(1))) for _, v in base.year_totals(edition)), "")]
    for n, o in enumerate(outcomes, 1):
        diff = (sum(o.funding, Decimal(0)) - base_total).quantize(Decimal(1))
        rows.append((f"{n}. {o.name}", *(money(v.quantize(Decimal(1))) for _, v in o.year_totals(edition)),
                     ("+" if diff > 0 else "-" if diff < 0 else "") + money(abs(diff))))
    table = model.Table(f"data-{SLUG}", f"Data for: {title}", cols, tuple(rows), row_header=True)

    parts = []
    for n, o in enumerate(outcomes, 1):
        diff = (sum(o.funding, Decimal(0)) - base_total).quantize(Decimal(1))
        if diff == 0:
            parts.append(f"scenario {n} follows the base case")
        else:
            parts.append(f"scenario {n} has {money(abs(diff))} {'more' if diff > 0 else 'less'} over the three years")
    drop = max(range(1, len(base.funding)), key=lambda k: base.funding[k - 1] - base.funding[k], default=0)
    alt = (f"Base case funding is {money(base.funding[0].quantize(Decimal(1)))} in {first:%B %Y} and "
           f"{money(base.funding[-1].quantize(Decimal(1)))} in {last:%B %Y}, falling most in "
           f"{result.context.months[drop]:%B %Y}; " + "; ".join(parts) + ".")

    with _chart_style():
        fig = _new_figure(2.9)
        ax = fig.add_subplot()
        xs = list(range(len(base.months) + 1))
        steps = lambda values: [float(v) for v in values] + [float(values[-1])]  # noqa: E731
        handles = [Line2D([], [], color=GREY, linewidth=3.2, label=base.name)]
        ax.step(xs, steps(base.funding), where="post", color=GREY, linewidth=3.2, label="_base")
        for n, o in enumerate(outcomes, 1):
            colour, dash = _STYLES[(n - 1) % len(_STYLES)]
            ax.step(xs, steps(o.funding), where="post", color=colour, linewidth=1.6, linestyle=dash, label=f"_s{n}")
            handles.append(Line2D([], [], color=colour, linewidth=1.6, linestyle=dash,
                                  label=_plain(f"{n}. {_short(o.name)}")))
        top = max(float(v) for o in (base, *outcomes) for v in o.funding)
        ax.set_ylim(0, top * 1.08 if top else 1)
        _money_axis(ax.yaxis, top)
        ax.set_ylabel("Funding a month")
        ax.grid(axis="y")
        # One tick at each financial year's start, labelled mid-year.
        starts = [k for k, m in enumerate(base.months) if m.month == 4] or [0]
        ax.xaxis.set_major_locator(FixedLocator(starts + [len(base.months)]))
        ax.xaxis.set_major_formatter(NullFormatter())
        mids = [(k + min(k + 12, len(base.months))) / 2 for k in starts]
        labels = [Edition(base.months[k].year).short_label for k in starts]
        ax.set_xticks(mids, labels, minor=True)
        ax.tick_params(axis="x", which="minor", length=0)
        ax.grid(axis="x", which="major")
        ax.set_xlim(0, len(base.months))
        ax.set_xlabel(f"Financial year, from {uk_date(first)}")
        _legend(fig, handles, ncols=1)
    return Drawing(SLUG, title, alt, table, fig)
