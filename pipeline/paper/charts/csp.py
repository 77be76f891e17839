"""The Community Safety Partnership chart: each area's actual allocation beside the formula's.

When the formula cannot be computed (a weighted figure is blank), the comparison is the split the best
weighting of the recorded factors gives, and the chart says so. Drawn with the charts' look and helpers
(style, layout: Okabe-Ito colours with a pattern each, labels at the bar ends, 9 pt text at print size).
"""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ...analysis.csp import CspAllocation
from ...edition import Edition
from ...formatting import money
from .. import model
from .drawing import Drawing
from .labels import money_col, short_money
from .layout import add_legend, bar_chart_height, fit_end_labels, label_box, money_axis, new_figure, nudge
from .style import BLUE, FONT_PT, INK, VERMILLION, WHITE, chart_style

SLUG = "csp-allocation"


def comparison(result: CspAllocation) -> tuple[str, dict[str, int]] | None:
    """What the actual split is set against, and its name: the stated formula; else the split the best
    weighting of the recorded factors gives ("Population alone" when that is one factor)."""
    formula = {a.area: a.formula for a in result.areas if a.formula is not None}
    if formula:
        return "Formula allocation", formula
    fit = result.fit
    if fit and fit.factors:
        used = [f for f, w in zip(fit.factors, fit.weights) if w > 0]
        name = f"{used[0].label} alone" if len(used) == 1 else "Best fit of the recorded factors"
        return name, dict(zip(fit.areas, fit.fitted))
    return None


def applies(result: CspAllocation | None) -> bool:
    """Drawn for an edition with a csp-allocation.csv only."""
    return result is not None


def draw_csp_allocation(result: CspAllocation, edition: Edition) -> Drawing:
    compared = comparison(result)
    label, other = compared if compared else ("", {})
    areas = [a for a in result.areas if a.actual is not None]
    title = f"Partnership grants, {edition.label}: actual against {_phrase(label)}"
    actual = [a.actual for a in areas]
    versus = [other.get(a.area) for a in areas]
    return Drawing(SLUG, title, _words(compared, label, other, areas, actual, versus),
                   _numbers(title, result, label, areas, actual, versus), _picture(label, areas, actual, versus, edition),
                   bars=len(areas))


def _words(compared: tuple | None, label: str, other: dict[str, int], areas: list, actual: list, versus: list) -> str:
    if compared and any(v is not None for v in versus):
        gaps = [(abs(x - v), a.area, x - v) for a, x, v in zip(areas, actual, versus) if v is not None]
        _, where, gap = max(gaps, key=lambda g: g[0])
        return (f"{where} receives {money(actual[[a.area for a in areas].index(where)])}, "
                f"{money(abs(gap))} {'more' if gap > 0 else 'less'} than the {money(other[where])} "
                f"{_phrase(label)} would give it: the largest difference of the {len(areas)} areas.")
    return f"The {len(areas)} areas' actual grants; no formula allocation could be computed."


def _numbers(title: str, result: CspAllocation, label: str, areas: list, actual: list, versus: list) -> model.Table:
    # The same numbers as the printed table (csp_section), which the HTML edition leaves out for this one.
    factors = [(k, f) for k, f in enumerate(result.factors) if any(a.figures[k] is not None for a in result.areas)]
    return model.Table(
        anchor=f"data-{SLUG}", caption=f"Data for: {title}",
        columns=(model.Column("Area", width=2.0),
                 *(model.Column(f.label, align="right", kind="number", width=0.9) for _, f in factors),
                 money_col("Actual (register)"), money_col(label or "Formula allocation"),
                 money_col("Difference", width=1.0)),
        rows=tuple((a.area, *(_figure(a.figures[k]) for k, _ in factors), money(x),
                    money(v) if v is not None else "not computed", _signed(x - v) if v is not None else "")
                   for a, x, v in zip(areas, actual, versus)),
        totals=(("Total", *("" for _ in factors), money(sum(actual, Decimal(0))),
                 money(sum(v for v in versus if v is not None)) if any(v is not None for v in versus) else "", ""),),
        row_header=True)


def _picture(label: str, areas: list, actual: list, versus: list, edition: Edition) -> Figure:
    n = len(areas)
    with chart_style():
        fig = new_figure(bar_chart_height(1.3, 2 * n) if n else 2.0)
        ax = fig.add_subplot()
        h = 0.38
        ys = list(range(n))
        ax.barh([y - h / 2 for y in ys], [float(x) for x in actual], height=h, color=BLUE, edgecolor=WHITE,
                linewidth=0.6, label="_actual")
        shown = [(y, float(v)) for y, v in zip(ys, versus) if v is not None]
        ax.barh([y + h / 2 for y, _ in shown], [v for _, v in shown], height=h, color=WHITE,
                edgecolor=VERMILLION, linewidth=1.0, hatch="\\\\\\\\", hatchcolor=VERMILLION, label="_compared")
        ends, values = [], []
        for y, x in zip(ys, actual):
            ends.append(ax.text(float(x), y - h / 2, short_money(x), ha="left", va="center", fontsize=FONT_PT,
                                color=INK, bbox=label_box(), transform=nudge(ax, 4)))
            values.append(float(x))
        for y, v in shown:
            ends.append(ax.text(v, y + h / 2, short_money(v), ha="left", va="center", fontsize=FONT_PT,
                                color=INK, bbox=label_box(), transform=nudge(ax, 4)))
            values.append(v)
        ax.set_yticks(ys, [a.area for a in areas])
        ax.set_ylim(n - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        top = max(values) if values else 1.0
        ax.set_xlim(0, top)
        money_axis(ax.xaxis, top)
        ax.grid(axis="x")
        ax.set_xlabel(f"Grant in {edition.label} (£)")
        handles = [Patch(facecolor=BLUE, edgecolor=WHITE, label="Actual (register)")]
        if shown:
            handles.append(Patch(facecolor=WHITE, edgecolor=VERMILLION, hatch="\\\\\\\\", hatchcolor=VERMILLION,
                                 label=label))
        add_legend(fig, handles, ncols=2)
        fit_end_labels(fig, ax, values, ends)
    return fig


def _phrase(label: str) -> str:
    """The comparison's name inside a sentence: 'the formula allocation', 'a split by population alone'."""
    if not label:
        return "the formula allocation"
    if label.endswith(" alone"):
        return f"a split by {label[:1].lower() + label[1:]}"
    return "the " + label[:1].lower() + label[1:]


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "") + money(abs(value))


def _figure(value: Decimal | None) -> str:
    if value is None:
        return "not recorded"
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"
