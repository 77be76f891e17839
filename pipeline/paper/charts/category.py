"""Spend by commissioning category: one bar for each of a-d, the annual budget round and any other group."""

from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from matplotlib.figure import Figure

from .. import model
from ...analysis.classify import ANNUAL, Classified
from ...analysis.outlook import shares
from ...analysis.spend import spend_by_category
from ...config import Config
from ...edition import Edition
from ...formatting import money
from .drawing import Drawing
from .labels import category_labels, money_col, plural_count
from .layout import bar_chart_height, fit_end_labels, label_box, money_axis, new_figure, nudge
from .style import BLUE, FONT_PT, INK, WHITE, chart_style

SLUG = "spend-by-category"

_Data = tuple[tuple[str, int, Decimal], ...]


def draw_spend_by_category(items: Sequence[Classified], edition: Edition, config: Config) -> Drawing:
    title = f"Spend by commissioning category, {edition.label}"
    labels = category_labels(config)
    data = spend_by_category(items)
    name = [labels.get(k, k) for k, _, _ in data]
    pct = [f"{v}%" for v in shares([s for _, _, s in data])]  # largest remainder: the column adds to 100%
    return Drawing(SLUG, title, _words(data, labels, pct), _numbers(title, data, name, pct),
                   _picture(data, name, pct, edition), bars=len(data))


def _words(data: _Data, labels: dict[str, str], pct: list[str]) -> str:
    grand = sum((s for _, _, s in data), Decimal(0))
    if not grand:
        return "No spend is recorded in any category."
    best = max(range(len(data)), key=lambda i: (data[i][2], -i))
    k, n, s = data[best]
    label = labels.get(k, k)
    if label.startswith(f"{k}: "):
        label = f"{k} ({label[len(k) + 2:]})"
    where = "the annual budget round" if k == ANNUAL else f"category {label}"
    alt = (f"The largest share, {money(s)} ({pct[best]} of the {money(grand)} total), "
           f"is in {where}.")
    b = next((d for d in data if d[0] == "b"), None)
    if b is not None and b[1] and k != "b":
        alt += (f" {plural_count(b[1], 'agreement')} worth {money(b[2])} "
                f"{'is' if b[1] == 1 else 'are'} in category b, needing a decision now.")
    return alt


def _numbers(title: str, data: _Data, name: list[str], pct: list[str]) -> model.Table:
    grand = sum((s for _, _, s in data), Decimal(0))
    return model.Table(
        anchor=f"data-{SLUG}",
        caption=f"Data for: {title}",
        columns=(model.Column("Category", width=2.0),
                 model.Column("Lines", align="right", kind="number", width=0.6),
                 money_col("Spend"),
                 model.Column("Share of total", align="right", kind="number", width=0.8)),
        rows=tuple((nm, f"{n:,}", money(s), share) for nm, (_, n, s), share in zip(name, data, pct)),
        totals=(("Total", f"{sum(n for _, n, _ in data):,}", money(grand), "100%" if grand else "0%"),),
        row_header=True,
    )


def _picture(data: _Data, name: list[str], pct: list[str], edition: Edition) -> Figure:
    n = len(data)
    with chart_style():
        fig = new_figure(bar_chart_height(1.0, n))
        ax = fig.add_subplot()
        y = list(range(n))
        values = [float(s) for _, _, s in data]
        ax.barh(y, values, height=0.62, color=BLUE, edgecolor=WHITE, linewidth=1.0, label="_spend")
        ends = [ax.text(v, i, f"{money(s)} ({pct[i]}), {plural_count(c, 'line')}", ha="left",
                        va="center", fontsize=FONT_PT, color=INK, bbox=label_box(), zorder=4,
                        transform=nudge(ax, 5))
                for i, (v, (_, c, s)) in enumerate(zip(values, data))]
        ax.set_yticks(y, name)
        ax.set_ylim(n - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        top = max(values) if values and max(values) > 0 else 1.0
        ax.set_xlim(0, top)
        money_axis(ax.xaxis, top)
        ax.grid(axis="x")
        ax.set_xlabel(f"Spend in {edition.label} (£)")
        fit_end_labels(fig, ax, values, ends)
    return fig
