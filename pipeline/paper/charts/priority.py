"""Spend by priority: one bar a priority, commissioning and grants stacked, each with its total and share."""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .. import model
from ...analysis.outlook import shares
from ...analysis.spend import spend_by_priority
from ...config import Config
from ...edition import Edition
from ...formatting import money
from ...input.register import Register
from .drawing import Drawing
from .labels import money_col, section_label, short_money
from .layout import add_legend, bar_chart_height, drop_unfitting, fit_end_labels, label_box, money_axis, new_figure, nudge
from .style import FONT_PT, HATCHES, INK, PALETTE, WHITE, chart_style

SLUG = "spend-by-priority"

_Data = tuple[tuple[str, dict[str, Decimal]], ...]


def draw_spend_by_priority(register: Register, edition: Edition, config: Config) -> Drawing:
    title = f"Spend by priority, commissioning and grants, {edition.label}"
    data = spend_by_priority(register, config)
    sections = list(data[0][1]) if data else list(config.vocabulary.sections)
    totals = [sum(by.values(), Decimal(0)) for _, by in data]
    # Shares by largest remainder, so the printed column adds up to its printed 100%.
    pct = [f"{v}%" for v in shares(totals)]
    return Drawing(SLUG, title, _words(data, sections, totals, pct), _numbers(title, data, sections, totals, pct),
                   _picture(data, sections, totals, pct, edition), bars=len(data))


def _section_totals(data: _Data, sections: list[str]) -> dict[str, Decimal]:
    return {s: sum((by[s] for _, by in data), Decimal(0)) for s in sections}


def _words(data: _Data, sections: list[str], totals: list[Decimal], pct: list[str]) -> str:
    grand = sum(totals, Decimal(0))
    if not (grand and data):
        return "No spend is recorded against any priority."
    best = max(range(len(data)), key=lambda i: (totals[i], -i))
    alt = (f"{data[best][0]} receives {money(totals[best])}, the largest share at "
           f"{pct[best]} of the {money(grand)} total.")
    parts = [(s, v) for s, v in _section_totals(data, sections).items() if v]
    if len(parts) > 1:
        words = [f"{section_label(s) if i == 0 else s} {'accounts for ' if i == 0 else ''}{money(v)}"
                 for i, (s, v) in enumerate(parts)]
        alt += " " + ", ".join(words[:-1]) + f" and {words[-1]} of it."
    return alt


def _numbers(title: str, data: _Data, sections: list[str], totals: list[Decimal], pct: list[str]) -> model.Table:
    grand = sum(totals, Decimal(0))
    section_totals = _section_totals(data, sections)
    return model.Table(
        anchor=f"data-{SLUG}",
        caption=f"Data for: {title}",
        columns=(model.Column("Priority", width=2.0),
                 *(money_col(section_label(s)) for s in sections),
                 money_col("Total"),
                 model.Column("Share of total", align="right", kind="number", width=0.8)),
        rows=tuple((p, *(money(by[s]) for s in sections), money(t), share)
                   for (p, by), t, share in zip(data, totals, pct)),
        totals=(("Total", *(money(section_totals[s]) for s in sections), money(grand),
                 "100%" if grand else "0%"),),
        row_header=True,
    )


def _picture(data: _Data, sections: list[str], totals: list[Decimal], pct: list[str], edition: Edition) -> Figure:
    n = len(data)
    with chart_style():
        fig = new_figure(bar_chart_height(1.3, n))
        ax = fig.add_subplot()
        y = list(range(n))
        left = [0.0] * n
        inside = []
        handles = []
        for k, s in enumerate(sections):
            widths = [float(by[s]) for _, by in data]
            colour, hatch = PALETTE[k % len(PALETTE)], HATCHES[k % len(HATCHES)]
            ax.barh(y, widths, left=left, height=0.62, color=colour, edgecolor=WHITE, linewidth=1.0,
                    hatch=hatch or None, hatchcolor=WHITE, label=f"_{s}")
            handles.append(Patch(facecolor=colour, edgecolor=WHITE, hatch=hatch or None, hatchcolor=WHITE,
                                 label=section_label(s)))
            for i, (w, x0) in enumerate(zip(widths, left)):
                if w > 0:
                    t = ax.text(x0 + w / 2, i, short_money(w), ha="center", va="center", fontsize=FONT_PT,
                                color=INK, bbox=label_box())
                    inside.append((t, x0, x0 + w, i - 0.31, i + 0.31))
            left = [a + b for a, b in zip(left, widths)]
        ends = []
        for i, t in enumerate(totals):
            ends.append(ax.text(float(t), i, f"{money(t)} ({pct[i]})", ha="left", va="center",
                                fontsize=FONT_PT, color=INK, bbox=label_box(), zorder=4,
                                transform=nudge(ax, 5)))
        ax.set_yticks(y, [p for p, _ in data])
        ax.set_ylim(n - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        top = float(max(totals)) if totals and max(totals) > 0 else 1.0
        ax.set_xlim(0, top)
        money_axis(ax.xaxis, top)
        ax.grid(axis="x")
        ax.set_xlabel(f"Spend in {edition.label} (£)")
        add_legend(fig, handles, ncols=len(handles))
        fit_end_labels(fig, ax, [float(t) for t in totals], ends)
        drop_unfitting(fig, ax, inside)
    return fig
