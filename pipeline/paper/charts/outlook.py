"""Funding outlook: committed, optional and annual funding each year, the edition year's cliff edge
(external funding that ends) bracketed and named in words."""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .. import model
from ...analysis.outlook import Outlook
from ...config import Config
from ...edition import Edition
from ...formatting import money, uk_date
from .drawing import Drawing
from .labels import money_col, short_money
from .layout import add_legend, drop_unfitting, fit_end_labels, label_box, money_axis, new_figure, nudge
from .style import BLUE, FONT_PT, GREEN, INK, VERMILLION, WHITE, chart_style

SLUG = "funding-outlook"

_OUTLOOK_SERIES = (
    # attribute, label, face, edge, hatch, hatch colour
    ("committed", "Committed", BLUE, WHITE, None, WHITE),
    ("optional", "Available only if options are used", WHITE, VERMILLION, "///", VERMILLION),
    # Every line with no end date, whatever its category (a fund under review too), so not named
    # after the "annual budget round" category, which counts fewer lines.
    ("annual", "No end date: each year's budget round", GREEN, WHITE, "..", WHITE),
    ("undated", "Fixed term, end date not recorded", WHITE, INK, "xx", INK),
)


def gap_words(look: Outlook) -> str:
    """The funding gap in one sentence, from the same values as the front sheet, warning and table."""
    gap = look.gap
    if gap is None or not gap.funders:
        return ""
    ends = "; ".join(f"{f.funder} {money(f.total)} ends by {uk_date(f.ends)}" for f in gap.funders)
    text = ends
    if gap.offsets:
        text += f"; proposals cover {money(gap.offset_total)}"
        if gap.remainder is None:
            text += f", leaving {money(gap.left_before_undecided)} before the amounts not yet decided"
        else:
            text += f", leaving {money(gap.remainder)}"
    return text


def draw_funding_outlook(look: Outlook, edition: Edition, config: Config) -> Drawing:
    years = look.years
    first, last = (years[0].edition, years[-1].edition) if years else (edition, edition)
    span = first.label if first == last else f"{first.label} to {last.label}"
    title = f"Funding outlook, {span}"
    series = tuple(s for s in _OUTLOOK_SERIES if s[0] != "undated" or any(y.undated for y in years))
    return Drawing(SLUG, title, _words(look, edition), _numbers(title, look, edition, series),
                   _picture(look, series), bars=len(years))


def _cliff(look: Outlook) -> Decimal:
    return look.gap.ending if look.gap is not None else Decimal(0)


def _words(look: Outlook, edition: Edition) -> str:
    years = look.years
    alt = f"External funding that ends in {edition.label}: {gap_words(look)}." if _cliff(look) else \
        f"No external funding ends in {edition.label}."
    if len(years) > 1:
        now, nxt = years[0], years[1]
        if nxt.committed == now.committed:
            alt += f" Committed funding stays at {money(now.committed)} in {nxt.edition.label}"
        else:
            move = "falls" if nxt.committed < now.committed else "rises"
            alt += (f" Committed funding {move} from {money(now.committed)} in {now.edition.label} to "
                    f"{money(nxt.committed)} in {nxt.edition.label}")
        alt += (f", with a further {money(nxt.optional)} only if extension options are used."
                if nxt.optional else ".")
    return alt


def _numbers(title: str, look: Outlook, edition: Edition, series: tuple) -> model.Table:
    cliff = _cliff(look)
    columns = (model.Column("Financial year"), *(money_col(label) for _, label, *_ in series),
               money_col("Total"))
    rows = tuple(
        (y.edition.label, *(money(getattr(y, attr)) for attr, *_ in series),
         money(y.committed + y.optional + y.annual + y.undated))
        for y in look.years)
    # The external funding that ends is part of the edition year's committed funding: its own
    # column, filled for the edition year only, with the same value as the paper's gap table.
    columns = (*columns[:2], money_col(f"Of which external funding ends in {edition.label}"), *columns[2:])
    rows = tuple((*row[:2], money(cliff) if i == 0 else "", *row[2:]) for i, row in enumerate(rows))
    return model.Table(anchor=f"data-{SLUG}", caption=f"Data for: {title}", columns=columns, rows=rows,
                       row_header=True)


def _picture(look: Outlook, series: tuple) -> Figure:
    years = look.years
    cliff = _cliff(look)
    n = len(years)
    with chart_style():
        fig = new_figure(3.9)
        ax = fig.add_subplot()
        x = list(range(n))
        bottom = [0.0] * n
        width = 0.62
        inside = []
        handles = []
        for attr, label, face, edge, hatch, hcol in series:
            heights = [float(getattr(y, attr)) for y in years]
            ax.bar(x, heights, bottom=bottom, width=width, color=face, edgecolor=edge,
                   linewidth=1.0 if edge == WHITE else 1.2, hatch=hatch, hatchcolor=hcol, label=f"_{attr}")
            handles.append(Patch(facecolor=face, edgecolor=edge, hatch=hatch, hatchcolor=hcol, label=label,
                                 linewidth=1.0 if edge == WHITE else 1.2))
            for i, (h, b) in enumerate(zip(heights, bottom)):
                if h > 0:
                    t = ax.text(i, b + h / 2, short_money(h), ha="center", va="center", fontsize=FONT_PT,
                                color=INK, bbox=label_box())
                    inside.append((t, i - width / 2, i + width / 2, b, b + h))
            bottom = [a + b for a, b in zip(bottom, heights)]
        tops = [ax.text(i, b, short_money(b), ha="center", va="bottom", fontsize=FONT_PT, color=INK,
                        fontweight="bold", bbox=label_box(), zorder=4, transform=nudge(ax, 3, up=True))
                for i, b in enumerate(bottom)]
        top = max(bottom) if bottom and max(bottom) > 0 else 1.0
        ax.set_xticks(x, [y.edition.label for y in years])
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(0, top * 1.38)
        money_axis(ax.yaxis, top)
        ax.grid(axis="y")
        ax.set_ylabel("Funding each year (£)")
        ax.set_xlabel("Financial year (future years valued at this year's spend)")

        # The cliff edge: a bracket on the edition year's committed funding, named in words.
        if n and cliff > 0:
            c0 = float(years[0].committed)
            lo, hi = max(c0 - float(cliff), 0.0), c0
            bx = width / 2 + 0.06
            ax.plot([bx, bx + 0.05, bx + 0.05, bx], [lo, lo, hi, hi], color=INK, linewidth=1.2,
                    solid_joinstyle="miter", label="_cliff bracket")
            label = "\n".join(gap_words(look).split("; "))
            ax.annotate(label, xy=(bx + 0.05, (lo + hi) / 2), xytext=(bx, top * 1.24), textcoords="data",
                        ha="left", va="center", fontsize=FONT_PT, color=INK, fontweight="bold",
                        bbox=label_box(),
                        arrowprops=dict(arrowstyle="-|>", color=INK, linewidth=1.0, shrinkA=2, shrinkB=2,
                                        relpos=(0.02, 0.0)))
        add_legend(fig, handles, ncols=2 if len(handles) > 3 else 3)
        fit_end_labels(fig, ax, bottom, tops, horizontal=False)
        drop_unfitting(fig, ax, inside)
    return fig
