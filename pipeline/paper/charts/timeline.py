"""Timeline: one bar per agreement with an end date (grouped by category and year of ending when there
are more than [paper] timeline_max_bars of them), labelled with the project's name (the ids are in its
data table); when it is taller than half a page it is also drawn as print parts (timeline_pages)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

import matplotlib.transforms
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullFormatter

from .. import model
from ...analysis.classify import KEYS
from ...analysis.schedule import ReviewItem
from ...config import Config
from ...edition import Edition, financial_year_of
from ...formatting import money, uk_date
from .drawing import Drawing
from .labels import category_labels, money_col, or_zero, plural_count
from .layout import add_legend, label_box, new_figure
from .style import BLUE, FONT_PT, INK, LABEL_PT, VERMILLION, WHITE, chart_style
from .timeline_pages import Bar, Row, align, print_pages, timeline_height

SLUG = "timeline"
#: A label longer than this many characters wraps onto a second line; a second line that would
#: still be longer is shortened with an ellipsis (the data table has the full name and the id).
_LABEL_CHARS = 36

_ByCategory = dict[str, list[ReviewItem]]


def draw_timeline(sched: Sequence[ReviewItem], edition: Edition, config: Config) -> Drawing:
    labels = category_labels(config)
    limit = config.settings.paper.timeline_max_bars
    grouped = len(sched) > limit
    by_cat: _ByCategory = defaultdict(list)
    for r in sched:
        by_cat[r.item.category].append(r)
    cats = _category_order(by_cat)
    if not grouped:
        title = f"Timeline of agreements with an end date, {edition.label}"
    else:
        title = f"Timeline of agreements with an end date, grouped by category and year of ending, {edition.label}"
    groups = _groups(by_cat, cats, labels, edition, grouped)
    bars = sum(len(b) for _, b in groups)
    fig, parts = _picture(groups, edition, grouped)
    return Drawing(SLUG, title, _timeline_alt(sched, edition, grouped, bars),
                   _numbers(title, sched, by_cat, cats, labels, grouped), fig, bars=bars, grouped=grouped,
                   print_parts=parts)


def _ordinal(day: date) -> float:
    return float(day.toordinal())


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bar_label(text: str, width: int = _LABEL_CHARS) -> str:
    """`text` on one line, or on two of about even length broken between words when it is longer
    than `width`; a second line still too long ends in an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return _truncate(text, width)
    cut = min(spaces, key=lambda i: (max(i, len(text) - i - 1) > width, max(i, len(text) - i - 1)))
    first, second = text[:cut], text[cut + 1:]
    return f"{_truncate(first, width)}\n{_truncate(second, width)}"


def _category_order(keys: Iterable[str]) -> list[str]:
    rank = {k: i for i, k in enumerate(KEYS)}
    return sorted(set(keys), key=lambda k: (rank.get(k, len(rank)), k))


def _in_order(rs: Sequence[ReviewItem]) -> list[ReviewItem]:
    return sorted(rs, key=lambda r: (r.end_date, r.decision_due, r.item.line.id))


def _by_year(rs: Sequence[ReviewItem]) -> list[tuple[Edition, list[ReviewItem]]]:
    """A category's lines by the financial year they end in, earliest first."""
    per_year: dict[Edition, list[ReviewItem]] = defaultdict(list)
    for r in rs:
        per_year[financial_year_of(r.end_date)].append(r)
    return [(fy, per_year[fy]) for fy in sorted(per_year)]


def _header(k: str, by_cat: _ByCategory, labels: dict[str, str]) -> str:
    # "with an end date": a category's lines with none (a fund under review) are not drawn here
    return f"{labels.get(k, k)} ({plural_count(len(by_cat[k]), 'line')} with an end date)"


# --- the bars ------------------------------------------------------------------------------------

def _groups(by_cat: _ByCategory, cats: list[str], labels: dict[str, str], edition: Edition,
            grouped: bool) -> list[tuple[str, list[Bar]]]:
    """(category header, its bars) in the chart's order: a bar per line, or per year of ending."""
    groups: list[tuple[str, list[Bar]]] = []
    for k in cats:
        bars = []
        if not grouped:
            for r in _in_order(by_cat[k]):
                line = r.item.line
                start = line.start_date if line.start_date is not None else min(edition.start, r.end_date)
                guessed = bool({"start_date", "end_date"} & set(line.inferred))
                bars.append(Bar(_bar_label(line.project), start, line.start_date is not None,
                                r.end_date, r.latest_end, r.review_start, r.decision_due, guessed))
        else:
            for fy, rs in _by_year(by_cat[k]):
                known = [r.item.line.start_date for r in rs if r.item.line.start_date is not None]
                end = max(r.end_date for r in rs)
                start = min(known) if known else min(edition.start, min(r.end_date for r in rs))
                bars.append(Bar(f"Ending {fy.label}: {plural_count(len(rs), 'line')}", start, bool(known), end,
                                max(r.latest_end for r in rs), min(r.review_start for r in rs),
                                max(r.decision_due for r in rs)))
        groups.append((_header(k, by_cat, labels), bars))
    return groups


# --- the numbers ---------------------------------------------------------------------------------

def _numbers(title: str, sched: Sequence[ReviewItem], by_cat: _ByCategory, cats: list[str],
             labels: dict[str, str], grouped: bool) -> model.Table:
    rows: list[tuple[str, ...]] = []
    if not grouped:
        # The chart names each line by its project only; the id that finds it in the register is here.
        columns = (model.Column("Ref", width=0.7), model.Column("Project", width=2.2),
                   model.Column("Category", width=0.7),
                   model.Column("Start", kind="date"), model.Column("End", kind="date"),
                   model.Column("Latest end with options", kind="date"),
                   model.Column("Review starts", kind="date"), model.Column("Decision due", kind="date"))
        for k in cats:
            for r in _in_order(by_cat[k]):
                line = r.item.line
                mark = lambda col, text: f"{text} (inferred)" if text and col in line.inferred else text  # noqa: E731
                rows.append((line.id, line.project, k, mark("start_date", uk_date(line.start_date, "not recorded")),
                             mark("end_date", uk_date(r.end_date)), uk_date(r.latest_end), uk_date(r.review_start),
                             uk_date(r.decision_due)))
        totals = ((f"Total: {plural_count(len(sched), 'line')}", "", "", "", "", "", "", ""),)
    else:
        columns = (model.Column("Category", width=1.6), model.Column("Ends in"),
                   model.Column("Lines", align="right", kind="number", width=0.6),
                   model.Column("Earliest start", kind="date"), model.Column("Latest end", kind="date"),
                   model.Column("Latest end with options", kind="date"),
                   model.Column("First review starts", kind="date"),
                   model.Column("Last decision due", kind="date"),
                   money_col("Spend"))
        for k in cats:
            for fy, rs in _by_year(by_cat[k]):
                known = [r.item.line.start_date for r in rs if r.item.line.start_date is not None]
                rows.append((labels.get(k, k), fy.label, f"{len(rs):,}", uk_date(min(known) if known else None,
                                                                                  "not recorded"),
                             uk_date(max(r.end_date for r in rs)), uk_date(max(r.latest_end for r in rs)),
                             uk_date(min(r.review_start for r in rs)), uk_date(max(r.decision_due for r in rs)),
                             money(sum((or_zero(r.item.line.spend) for r in rs), Decimal(0)))))
        spend_total = sum((or_zero(r.item.line.spend) for r in sched), Decimal(0))
        totals = (("Total", "", f"{len(sched):,}", "", "", "", "", "", money(spend_total)),)
    # One line a row fits a portrait page (the writers turn it if its words need more room);
    # the grouped table, with spend, needs a landscape one.
    return model.Table(anchor=f"data-{SLUG}", caption=f"Data for: {title}", columns=columns, rows=tuple(rows),
                       totals=totals, wide=grouped, row_header=True)


# --- the picture ---------------------------------------------------------------------------------

def _picture(groups: list[tuple[str, list[Bar]]], edition: Edition,
             grouped: bool) -> tuple[Figure, tuple[Figure, ...]]:
    """The whole chart, and its print parts when it is too tall to print as it is."""
    timeline_rows = [row for header, bars in groups for row in (Row(header=header), *(Row(bar=b) for b in bars))]
    span = _time_span([row.bar for row in timeline_rows if row.bar is not None], edition)
    with chart_style():
        fig = _draw_timeline_figure(timeline_rows, edition, grouped, span)
        parts: tuple[Figure, ...] = ()
        pages = print_pages(timeline_rows)
        if len(pages) > 1:
            parts = tuple(_draw_timeline_figure(page, edition, grouped, span, legend=n == 0)
                          for n, page in enumerate(pages))
            align([fig, *parts])
    return fig, parts


def _time_span(bars: Sequence[Bar], edition: Edition) -> tuple[Edition, Edition]:
    """The financial years the time axis covers: every bar's dates and the edition year."""
    days = [d for b in bars for d in (b.start, b.latest_end, b.review_start, b.decision_due)]
    days += [edition.start, edition.end]
    return financial_year_of(min(days)), financial_year_of(max(days))


def _timeline_alt(sched: Sequence[ReviewItem], edition: Edition, grouped: bool, bars: int) -> str:
    if not sched:
        return "No agreement in the register has an end date."
    ending = [r for r in sched if r.end_date <= edition.end]
    overdue = [r for r in sched if r.late_start]
    first = min(sched, key=lambda r: (r.decision_due, r.item.line.id))
    if ending:
        text = (f"{plural_count(len(ending), 'agreement')} of the {len(sched):,} with an end date "
                f"{'ends' if len(ending) == 1 else 'end'} by {uk_date(edition.end)}")
    else:
        text = f"None of the {plural_count(len(sched), 'agreement')} with an end date ends by {uk_date(edition.end)}"
    if overdue:
        text += (f", and {plural_count(len(overdue), 'review')} should already have started by "
                 f"{uk_date(edition.start)}.")
    else:
        text += "."
    text += f" The first decision is due on {uk_date(first.decision_due)} ({first.item.line.project})."
    if grouped:
        text += f" Agreements are grouped into {plural_count(bars, 'bar')} by category and year of ending."
    return text


_KNOWN = dict(facecolor=BLUE, edgecolor=WHITE, linewidth=0.6)
_UNKNOWN = dict(facecolor=BLUE, edgecolor=WHITE, linewidth=0.6, hatch="////", hatchcolor=WHITE)
_OPTION = dict(facecolor=WHITE, edgecolor=VERMILLION, linewidth=1.0, hatch="\\\\\\\\", hatchcolor=VERMILLION)
_REVIEW = dict(facecolor=INK, edgecolor="none", linewidth=0)
_INFERRED = dict(facecolor=WHITE, edgecolor=BLUE, linewidth=1.2, linestyle="--", hatch="..", hatchcolor=BLUE)


def _draw_timeline_figure(rows: Sequence[Row], edition: Edition, grouped: bool,
                          span: tuple[Edition, Edition], legend: bool = True) -> Figure:
    # Row positions top to bottom: each row's centre, a two-line label taking half a row more.
    ypos: list[float] = []
    bars: list[Bar] = []
    headers: list[tuple[float, str]] = []
    y = 0.0
    for row in rows:
        centre = y + (row.units - 1) / 2
        if row.bar is not None:
            ypos.append(centre)
            bars.append(row.bar)
        else:
            headers.append((centre, row.header or ""))
        y += row.units
    extent = max(y, 1.0)
    fig = new_figure(timeline_height(rows, legend))
    ax = fig.add_subplot()
    h = 0.62

    def barh(subset, lefts, rights, **style):
        ys = [ypos[i] for i in subset]
        ls = [lefts[i] for i in subset]
        ws = [rights[i] - lefts[i] for i in subset]
        return ax.barh(ys, ws, left=ls, height=h, **style)

    start = [_ordinal(b.start) for b in bars]
    end = [_ordinal(b.end) + 1 for b in bars]  # the end date is the last funded day
    latest = [_ordinal(b.latest_end) + 1 for b in bars]
    review = [_ordinal(b.review_start) for b in bars]
    decision = [_ordinal(b.decision_due) for b in bars]
    idx = range(len(bars))
    guessed = [i for i in idx if bars[i].inferred]
    known = [i for i in idx if bars[i].start_known and not bars[i].inferred]
    unknown = [i for i in idx if not bars[i].start_known and not bars[i].inferred]
    options = [i for i in idx if latest[i] > end[i]]
    barh(known, start, end, label="_funded", **_KNOWN)
    barh(unknown, start, end, label="_funded_start_not_recorded", **_UNKNOWN)
    barh(guessed, start, end, label="_funded_dates_inferred", **_INFERRED)
    barh(options, end, latest, label="_extension_options", **_OPTION)
    ax.barh(ypos, [d - r for r, d in zip(review, decision)], left=review, height=0.2, label="_review_window",
            **_REVIEW)
    ax.plot(decision, ypos, linestyle="none", marker="D", markersize=6, markerfacecolor=WHITE,
            markeredgecolor=INK, markeredgewidth=1.3, label="_decision_due", zorder=4)

    # Time axis: one tick per financial year, labelled in the paper's 24/25 shorthand. Every print
    # part shares the whole chart's span, so the parts line up down the pages.
    first_fy, last_fy = span
    bounds = [Edition(y).start for y in range(first_fy.first_year, last_fy.first_year + 2)]
    step = max(1, -(-(len(bounds) - 1) // 9))
    ax.set_xlim(_ordinal(bounds[0]) - 10, _ordinal(bounds[-1]) + 10)
    ax.xaxis.set_major_locator(FixedLocator([_ordinal(b) for b in bounds]))
    ax.xaxis.set_major_formatter(NullFormatter())
    mids = [Edition(y) for y in range(first_fy.first_year, last_fy.first_year + 1)][::step]
    ax.set_xticks([_ordinal(e.start) + 182 for e in mids], [e.short_label for e in mids], minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.grid(axis="x", which="major")
    ax.set_xlabel("Financial year (1 April to 31 March)")

    ax.set_yticks(ypos, [b.label for b in bars])
    for tick in ax.get_yticklabels():
        tick.set_linespacing(1.0)
    ax.set_ylim(extent - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    # Category headers start at the figure's left edge, on rows of their own.
    at_left = matplotlib.transforms.blended_transform_factory(fig.transFigure, ax.transData)
    for hy, text in headers:
        ax.text(0.004, hy, text, transform=at_left, ha="left", va="center", fontsize=FONT_PT, fontweight="bold",
                color=INK, bbox=label_box(), zorder=5, clip_on=False)

    # The edition year, marked at both ends and labelled above the plot.
    s, e = _ordinal(edition.start), _ordinal(edition.end) + 1
    ax.axvline(s, color=INK, linewidth=1.2, zorder=3, label="_edition_start")
    ax.axvline(e, color=INK, linewidth=1.2, linestyle=(0, (4, 2)), zorder=3, label="_edition_end")
    ax.annotate(f"Start of {edition.label} ", xy=(s, 1.0), xycoords=("data", "axes fraction"), ha="right",
                va="bottom", fontsize=FONT_PT, color=INK, annotation_clip=False)
    ax.annotate(f" End of {edition.label}", xy=(e, 1.0), xycoords=("data", "axes fraction"), ha="left",
                va="bottom", fontsize=FONT_PT, color=INK, annotation_clip=False)

    if legend:
        handles = [
            Patch(label="Funded period", **_KNOWN),
            Patch(label=f"Start not recorded: drawn from {uk_date(edition.start)}", **_UNKNOWN),
            Patch(label="Extension options, if used", **_OPTION),
            *((Patch(label="Dates inferred, not recorded", **_INFERRED),) if any(b.inferred for b in bars) else ()),
            Line2D([], [], color=INK, linewidth=4, solid_capstyle="butt",
                   label="Review window" if not grouped else "Review window (first start to last decision)"),
            Line2D([], [], linestyle="none", marker="D", markersize=6, markerfacecolor=WHITE, markeredgecolor=INK,
                   markeredgewidth=1.3, label="Decision due" if not grouped else "Last decision due"),
        ]
        add_legend(fig, handles, ncols=3)
    if not bars:
        ax.text(0.5, 0.5, "No agreement has an end date", transform=ax.transAxes, ha="center", va="center",
                fontsize=LABEL_PT, color=INK)
    return fig
