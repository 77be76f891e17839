"""The paper's charts: drawn from the analysis, written as SVG (HTML edition) and PNG (Word edition).

Four charts, every number computed from the arguments:
  spend-by-priority  spend per priority, commissioning and grants stacked
  spend-by-category  spend per commissioning category (a-d and the annual budget round)
  funding-outlook    committed / optional / annual funding per year, with the cliff edge called out
  timeline           one bar per agreement with an end date (grouped by category and year of ending
                     when there are more than [paper] timeline_max_bars of them), labelled with the
                     project's name (the ids are in its data table); when it is taller than half a
                     page it is also drawn as print parts that run on over the pages (chart_files)

Each chart comes with its data table (the numbers behind it, for screen-reader users and the appendix)
and a text alternative generated from the same numbers.

Accessibility: Okabe-Ito colours that all reach 3:1 against white, a pattern as well as a colour for every
series, direct labels, no text under 9 pt at the printed width (FIGURE_WIDTH_IN) and no label cut off,
money in pounds. Print: no image taller than PRINT_MAX_HEIGHT_IN, so nothing is shrunk to fit a page.
Reproducibility: object API only (no pyplot state), Agg for PNG, a fixed svg.hashsalt, no dates or
software names in the files, every setting inside one rc_context per chart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Sequence

import matplotlib
import matplotlib.colors
import matplotlib.transforms
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from . import model
from .chart_files import print_part_path, stale_print_parts
from ..analysis.classify import ANNUAL, KEYS, Classified
from ..config import Config
from ..edition import Edition, financial_year_of
from ..formatting import money, uk_date
from ..analysis.outlook import Outlook, shares
from ..input.register import Register
from ..analysis.schedule import ReviewItem

# ---------------------------------------------------------------------------------------------------
# Look and feel

#: Printed width of every chart: A4 portrait text width with 2.54 cm margins. The PNG records 200 dpi,
#: so Word inserts it at this width by default and the font sizes below are the printed sizes.
FIGURE_WIDTH_IN = 6.25
DPI = 200
#: Tallest image printed: with its caption it stays under half the A4 text height (24.7 cm), so a
#: chart that does not fit at the foot of a page never leaves that page less than half full.
#: Taller charts (the timeline) are also drawn as several print pages of at most this height.
PRINT_MAX_HEIGHT_IN = 4.4
MIN_FONT_PT = 9.0
FONT_PT = 9.0  # tick labels, bar labels, legend
LABEL_PT = 10.0  # axis titles

# Okabe-Ito colours that reach 3:1 against white (the yellow, orange and sky blue do not, so they are
# not used). Every series also has its own pattern, and adjacent segments are separated by white edges.
BLUE = "#0072B2"  # 5.2:1
VERMILLION = "#D55E00"  # 3.9:1
GREEN = "#009E73"  # 3.4:1
PURPLE = "#CC79A7"  # 3.1:1
GREY = "#595959"  # 7.0:1
INK = "#1A1A1A"  # text: 17:1
WHITE = "#FFFFFF"
PALETTE: tuple[str, ...] = (BLUE, VERMILLION, GREEN, PURPLE, GREY)
HATCHES: tuple[str, ...] = ("", "///", "..", "xx", "\\\\\\")

#: Fallback names for the categories; the paper's own labels come from [categories] in config.toml.
CATEGORY_LABELS: dict[str, str] = {
    "a": "a: recently re-commissioned",
    "b": "b: ending, decision needed now",
    "c": "c: review planned later",
    "d": "d: short-term funding",
    ANNUAL: "Annual budget round",
}

_RC = {
    "svg.hashsalt": "commissioning-framework",
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, zoomable, small
    "svg.image_inline": True,
    "font.family": "sans-serif",
    # Liberation Sans has Arial's metrics, so browsers that substitute Arial lay the SVG text out alike.
    "font.sans-serif": ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"],
    "font.size": FONT_PT,
    "axes.labelsize": LABEL_PT,
    "axes.titlesize": LABEL_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "legend.frameon": False,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": GREY,
    "xtick.color": GREY,
    "ytick.color": GREY,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "axes.axisbelow": True,
    "grid.color": "#949494",  # 3:1 against white
    "grid.linewidth": 0.4,
    "grid.linestyle": (0, (3, 3)),
    "hatch.linewidth": 0.8,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.facecolor": WHITE,
    "axes.facecolor": WHITE,
    "figure.facecolor": WHITE,
    "axes.formatter.use_locale": False,
    "path.simplify": False,
    # Register text is never read as maths: "$5k to $10k" would be drawn as italics, and
    # "$\\undefinedmacro$" would stop the build. Every label is drawn as the characters typed.
    "text.parse_math": False,
}

_SVG_METADATA = {"Date": None, "Creator": None}
_PNG_METADATA = {"Software": None}


class _chart_style:
    """Matplotlib's defaults plus _RC, restored on exit: nothing leaks in from or out to the caller."""

    def __enter__(self):
        self._ctx = matplotlib.rc_context()
        self._ctx.__enter__()
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


# ---------------------------------------------------------------------------------------------------
# Public API


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


def render_charts(register: Register, items: Sequence[Classified], sched: Sequence[ReviewItem],
                  look: Outlook, edition: Edition, config: Config, out_dir: Path,
                  part: tuple[int, int] = (0, 1), scenarios=None, csp=None, indexed: bool = False) -> tuple:
    """Draw every chart and write <slug>.svg and <slug>.png into out_dir. With part=(k, n), only the
    charts chart_parts(n)[k]: n processes given parts 0..n-1 share the work (see pipeline/parallel.py).
    `indexed`: (place in the paper's order, Chart) pairs, so parts can be put back in order even when a
    chart that does not apply (no scenarios, no CSP inputs) is left out."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = []
    for i, drawing in _draw_indexed(register, items, sched, look, edition, config, part, scenarios, csp):
        svg, png = write_drawing(drawing, out_dir)
        chart = Chart(drawing.slug, drawing.title, drawing.alt, drawing.data, svg, png)
        charts.append((i, chart) if indexed else chart)
    return tuple(charts)


def draw_charts(register: Register, items: Sequence[Classified], sched: Sequence[ReviewItem],
                look: Outlook, edition: Edition, config: Config, part: tuple[int, int] = (0, 1),
                scenarios=None, csp=None) -> tuple[Drawing, ...]:
    """The charts of `part` that apply to this edition, in the paper's order."""
    return tuple(d for _, d in _draw_indexed(register, items, sched, look, edition, config, part, scenarios, csp))


def _draw_indexed(register: Register, items: Sequence[Classified], sched: Sequence[ReviewItem],
                  look: Outlook, edition: Edition, config: Config, part: tuple[int, int] = (0, 1),
                  scenarios=None, csp=None) -> tuple[tuple[int, Drawing], ...]:
    from .csp_chart import draw_csp_allocation  # the CSP chart (csp_chart.py); None for an edition without one
    from .scenario_chart import draw_scenarios

    drawers = (
        lambda: draw_spend_by_priority(register, edition, config),
        lambda: draw_spend_by_category(items, edition, config),
        lambda: draw_funding_outlook(look, edition, config),
        lambda: draw_timeline(sched, edition, config),
        lambda: draw_scenarios(scenarios, edition),  # None without scenarios
        lambda: draw_csp_allocation(csp, edition),  # None without csp-allocation.csv
    )
    assert len(drawers) == len(_CHART_COSTS), "each chart needs its cost in _CHART_COSTS"
    k, n = part
    drawn = ((i, drawers[i]()) for i in chart_parts(n)[k])
    return tuple((i, d) for i, d in drawn if d is not None)  # a chart that does not apply is left out


# Rough cost of each chart of draw_charts, in its order: the timeline (with its print pages) takes about
# as long as the other three together, whatever the register's size.
_CHART_COSTS = (1.0, 1.0, 1.0, 3.0, 1.0, 1.0)


def chart_count() -> int:
    """How many charts draw_charts may draw (those that do not apply to an edition are left out)."""
    return len(_CHART_COSTS)


def chart_parts(n: int) -> tuple[tuple[int, ...], ...]:
    """The charts (indices into draw_charts' order) each of n processes draws: the costliest first, each
    to the part with the least work so far, so the parts finish at about the same time."""
    loads = [0.0] * n
    parts: list[list[int]] = [[] for _ in range(n)]
    for i in sorted(range(len(_CHART_COSTS)), key=lambda i: -_CHART_COSTS[i]):
        k = loads.index(min(loads))
        parts[k].append(i)
        loads[k] += _CHART_COSTS[i]
    return tuple(tuple(sorted(p)) for p in parts)


def write_drawing(drawing: Drawing, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = out_dir / f"{drawing.slug}.svg"
    png = out_dir / f"{drawing.slug}.png"
    for stale in stale_print_parts(png):  # an earlier drawing's pages must not pass for this one's
        stale.unlink()
    with _chart_style():
        matplotlib.rcParams["svg.hashsalt"] = f"commissioning-framework-{drawing.slug}"
        canvas = drawing.figure.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            FigureCanvasAgg(drawing.figure)
        text = _svg_text(drawing.figure)
        svg.write_text(_prefix_svg_ids(text, drawing.slug), encoding="utf-8")
        # The layout is settled by the SVG pass; freezing it saves solving it again for the PNG.
        drawing.figure.set_layout_engine("none")
        drawing.figure.savefig(png, format="png", dpi=DPI, metadata=_PNG_METADATA)
        for n, part in enumerate(drawing.print_parts, 1):
            if not isinstance(part.canvas, FigureCanvasAgg):
                FigureCanvasAgg(part)
            part.savefig(print_part_path(png, n), format="png", dpi=DPI, metadata=_PNG_METADATA)
    return svg, png


def _svg_text(fig: Figure) -> str:
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=_SVG_METADATA)
    return buf.getvalue()


_ID = re.compile(r'\bid="([^"]+)"')


def _prefix_svg_ids(text: str, slug: str) -> str:
    """Prefix every id (and every reference to one) with the slug, so several charts inlined in one
    HTML page never share an id."""
    ids = set(_ID.findall(text))
    if not ids:
        return text
    pattern = re.compile(r'(\bid="|url\(#|href="#)(' + "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
                         + r')(?=["\)])')
    return pattern.sub(lambda m: f"{m.group(1)}{slug}-{m.group(2)}", text)


# ---------------------------------------------------------------------------------------------------
# Contrast (WCAG 2.2)


def relative_luminance(colour: str | Sequence[float]) -> float:
    rgb = matplotlib.colors.to_rgb(colour)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str | Sequence[float], b: str | Sequence[float] = WHITE) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# ---------------------------------------------------------------------------------------------------
# Money on axes and labels


def short_money(value: Decimal | float | int) -> str:
    """£1.2m, £715k, £950: for labels on bars; tables and alt text use formatting.money."""
    v = float(value)
    if abs(v) >= 999_500:
        return f"£{v / 1_000_000:,.1f}m"
    if abs(v) >= 1_000:
        return f"£{v / 1_000:,.0f}k"
    return money(round(Decimal(str(value))))


def _axis_money(top: float) -> Callable[[float, int], str]:
    """Tick labels in pounds: £1.5m when the axis reaches a million, £250,000 below that."""
    if top >= 1_000_000:
        def fmt(v: float, _pos=None) -> str:
            if v == 0:
                return "£0"
            text = f"{v / 1_000_000:,.2f}".rstrip("0").rstrip(".")
            return f"£{text}m"
    else:
        def fmt(v: float, _pos=None) -> str:
            return f"£{v:,.0f}"
    return fmt


def _money_axis(axis, top: float) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], min_n_ticks=4, integer=True))
    axis.set_major_formatter(FuncFormatter(_axis_money(top)))


def _count(n: int, word: str) -> str:
    """1 line, 5,355 lines."""
    return f"{n:,} {word if n == 1 else word + 's'}"


def _d(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)


def _category_labels(config: Config) -> dict[str, str]:
    labels = dict(CATEGORY_LABELS)
    for key, spec in config.settings.categories.items():
        if spec.label:
            # Only the commissioning categories carry their letter; the groups outside a-d do not.
            labels[key] = f"{key}: {spec.label}" if key in config.vocabulary.categories else spec.label
    return labels


def _section_label(section: str) -> str:
    return section[:1].upper() + section[1:]


def _money_col(title: str, width: float = 1.0) -> model.Column:
    return model.Column(title, align="right", kind="money", width=width)


def _new_figure(height_in: float) -> Figure:
    fig = Figure(figsize=(FIGURE_WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04)
    return fig


def _bar_chart_height(chrome_in: float, bars: int) -> float:
    """Height of a bar chart: 0.42 in a bar, closer together when that would print taller than
    PRINT_MAX_HEIGHT_IN (the labels stay at full size; only the bars get thinner)."""
    return min(chrome_in + 0.42 * bars, max(PRINT_MAX_HEIGHT_IN, chrome_in + 0.2 * bars))


def _legend(fig: Figure, handles: list, ncols: int) -> None:
    """A legend above the plot, in as many columns as fit the figure's width."""
    renderer = fig.canvas.get_renderer()
    for n in range(min(ncols, len(handles)), 0, -1):
        legend = fig.legend(handles=handles, loc="outside upper left", ncols=n, handlelength=2.2,
                            handleheight=1.1, columnspacing=1.5, borderaxespad=0.2)
        if legend.get_window_extent(renderer).width <= fig.bbox.width * 0.98 or n == 1:
            return
        legend.remove()


def _nudge(ax, points: float, up: bool = False):
    """Data coordinates shifted right (or up) by a few points: labels just clear of a bar's end."""
    fig = ax.get_figure()
    dx, dy = (0, points / 72) if up else (points / 72, 0)
    return ax.transData + matplotlib.transforms.ScaledTranslation(dx, dy, fig.dpi_scale_trans)


def _label_box(color: str = WHITE) -> dict:
    return dict(boxstyle="square,pad=0.15", facecolor=color, edgecolor="none")


# ---------------------------------------------------------------------------------------------------
# Layout helpers: make room for labels at bar ends, drop labels that do not fit inside a segment


def _fit_end_labels(fig: Figure, ax, ends: Sequence[float], labels, horizontal: bool = True) -> None:
    """Widen the value axis until every label placed at its bar's end fits inside the axes."""
    for text in labels:
        text.set_in_layout(False)  # kept inside the axes by the limits set here, not by shrinking the axes
    for _ in range(4):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        box = ax.get_window_extent(renderer)
        span = box.width if horizontal else box.height
        lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
        need = hi
        for end, text in zip(ends, labels):
            ext = text.get_window_extent(renderer)
            size = (ext.width if horizontal else ext.height) + 14
            room = span * 0.99 - size
            if room <= 0:
                continue
            need = max(need, end * span / room)
        if need <= hi * 1.001:
            return
        if horizontal:
            ax.set_xlim(0, need)
        else:
            ax.set_ylim(0, need)


def _drop_unfitting(fig: Figure, ax, placed: Iterable[tuple[object, float, float, float, float]]) -> None:
    """Remove inside-bar labels wider or taller than their segment. `placed` holds
    (text, x0, x1, y0, y1) in data coordinates."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for text, x0, x1, y0, y1 in placed:
        (dx0, dy0), (dx1, dy1) = ax.transData.transform([(x0, y0), (x1, y1)])
        ext = text.get_window_extent(renderer)
        if ext.width + 4 > abs(dx1 - dx0) or ext.height + 2 > abs(dy1 - dy0):
            text.remove()


# ---------------------------------------------------------------------------------------------------
# 1. Spend by priority


def spend_by_priority(register: Register, config: Config) -> tuple[tuple[str, dict[str, Decimal]], ...]:
    """(priority, {section: spend}) in the vocabulary's order, every section present for every priority."""
    sections = list(config.vocabulary.sections)
    priorities = list(config.vocabulary.priorities)
    for line in register.lines:
        if line.section not in sections:
            sections.append(line.section)
        if line.priority not in priorities:
            priorities.append(line.priority)
    sums: dict[str, dict[str, Decimal]] = {p: {s: Decimal(0) for s in sections} for p in priorities}
    for line in register.lines:
        sums[line.priority][line.section] += _d(line.spend)
    # A priority no line is funded under is left out: "£0" beside it would read as a finding.
    used = {line.priority for line in register.lines}
    return tuple((p, sums[p]) for p in priorities if p in used)


def draw_spend_by_priority(register: Register, edition: Edition, config: Config) -> Drawing:
    slug = "spend-by-priority"
    title = f"Spend by priority, commissioning and grants, {edition.label}"
    data = spend_by_priority(register, config)
    sections = list(data[0][1]) if data else list(config.vocabulary.sections)
    totals = [sum(by.values(), Decimal(0)) for _, by in data]
    grand = sum(totals, Decimal(0))
    section_totals = {s: sum((by[s] for _, by in data), Decimal(0)) for s in sections}
    # Shares by largest remainder, so the printed column adds up to its printed 100%.
    pct = [f"{v}%" for v in shares(totals)]

    # Words
    if grand and data:
        best = max(range(len(data)), key=lambda i: (totals[i], -i))
        alt = (f"{data[best][0]} receives {money(totals[best])}, the largest share at "
               f"{pct[best]} of the {money(grand)} total.")
        parts = [(s, v) for s, v in section_totals.items() if v]
        if len(parts) > 1:
            words = [f"{_section_label(s) if i == 0 else s} {'accounts for ' if i == 0 else ''}{money(v)}"
                     for i, (s, v) in enumerate(parts)]
            alt += " " + ", ".join(words[:-1]) + f" and {words[-1]} of it."
    else:
        alt = "No spend is recorded against any priority."

    # Numbers
    table = model.Table(
        anchor=f"data-{slug}",
        caption=f"Data for: {title}",
        columns=(model.Column("Priority", width=2.0),
                 *(_money_col(_section_label(s)) for s in sections),
                 _money_col("Total"),
                 model.Column("Share of total", align="right", kind="number", width=0.8)),
        rows=tuple((p, *(money(by[s]) for s in sections), money(t), share)
                   for (p, by), t, share in zip(data, totals, pct)),
        totals=(("Total", *(money(section_totals[s]) for s in sections), money(grand),
                 "100%" if grand else "0%"),),
        row_header=True,
    )

    # Picture
    n = len(data)
    with _chart_style():
        fig = _new_figure(_bar_chart_height(1.3, n))
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
                                 label=_section_label(s)))
            for i, (w, x0) in enumerate(zip(widths, left)):
                if w > 0:
                    t = ax.text(x0 + w / 2, i, short_money(w), ha="center", va="center", fontsize=FONT_PT,
                                color=INK, bbox=_label_box())
                    inside.append((t, x0, x0 + w, i - 0.31, i + 0.31))
            left = [a + b for a, b in zip(left, widths)]
        ends = []
        for i, t in enumerate(totals):
            ends.append(ax.text(float(t), i, f"{money(t)} ({pct[i]})", ha="left", va="center",
                                fontsize=FONT_PT, color=INK, bbox=_label_box(), zorder=4,
                                transform=_nudge(ax, 5)))
        ax.set_yticks(y, [p for p, _ in data])
        ax.set_ylim(n - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        top = float(max(totals)) if totals and max(totals) > 0 else 1.0
        ax.set_xlim(0, top)
        _money_axis(ax.xaxis, top)
        ax.grid(axis="x")
        ax.set_xlabel(f"Spend in {edition.label} (£)")
        _legend(fig, handles, ncols=len(handles))
        _fit_end_labels(fig, ax, [float(t) for t in totals], ends)
        _drop_unfitting(fig, ax, inside)
    return Drawing(slug, title, alt, table, fig, bars=n)


# ---------------------------------------------------------------------------------------------------
# 2. Spend by category


def spend_by_category(items: Sequence[Classified]) -> tuple[tuple[str, int, Decimal], ...]:
    """(category, lines, spend) for a, b, c, d and annual, in that order (and any other key after)."""
    keys = list(KEYS)
    count: dict[str, int] = defaultdict(int)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for c in items:
        if c.category not in keys:
            keys.append(c.category)
        count[c.category] += 1
        spend[c.category] += _d(c.line.spend)
    # a-d and the annual round always show (a zero is news); the other groups only when they occur.
    return tuple((k, count[k], spend[k]) for k in keys if k in KEYS[:5] or count[k])


def draw_spend_by_category(items: Sequence[Classified], edition: Edition, config: Config) -> Drawing:
    slug = "spend-by-category"
    title = f"Spend by commissioning category, {edition.label}"
    labels = _category_labels(config)
    data = spend_by_category(items)
    grand = sum((s for _, _, s in data), Decimal(0))
    name = [labels.get(k, k) for k, _, _ in data]
    pct = [f"{v}%" for v in shares([s for _, _, s in data])]  # largest remainder: the column adds to 100%

    if grand:
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
            alt += (f" {_count(b[1], 'agreement')} worth {money(b[2])} "
                    f"{'is' if b[1] == 1 else 'are'} in category b, needing a decision now.")
    else:
        alt = "No spend is recorded in any category."

    table = model.Table(
        anchor=f"data-{slug}",
        caption=f"Data for: {title}",
        columns=(model.Column("Category", width=2.0),
                 model.Column("Lines", align="right", kind="number", width=0.6),
                 _money_col("Spend"),
                 model.Column("Share of total", align="right", kind="number", width=0.8)),
        rows=tuple((nm, f"{n:,}", money(s), share) for nm, (_, n, s), share in zip(name, data, pct)),
        totals=(("Total", f"{sum(n for _, n, _ in data):,}", money(grand), "100%" if grand else "0%"),),
        row_header=True,
    )

    n = len(data)
    with _chart_style():
        fig = _new_figure(_bar_chart_height(1.0, n))
        ax = fig.add_subplot()
        y = list(range(n))
        values = [float(s) for _, _, s in data]
        ax.barh(y, values, height=0.62, color=BLUE, edgecolor=WHITE, linewidth=1.0, label="_spend")
        ends = [ax.text(v, i, f"{money(s)} ({pct[i]}), {_count(c, 'line')}", ha="left",
                        va="center", fontsize=FONT_PT, color=INK, bbox=_label_box(), zorder=4,
                        transform=_nudge(ax, 5))
                for i, (v, (_, c, s)) in enumerate(zip(values, data))]
        ax.set_yticks(y, name)
        ax.set_ylim(n - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        top = max(values) if values and max(values) > 0 else 1.0
        ax.set_xlim(0, top)
        _money_axis(ax.xaxis, top)
        ax.grid(axis="x")
        ax.set_xlabel(f"Spend in {edition.label} (£)")
        _fit_end_labels(fig, ax, values, ends)
    return Drawing(slug, title, alt, table, fig, bars=n)


# ---------------------------------------------------------------------------------------------------
# 3. Funding outlook


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
    slug = "funding-outlook"
    years = look.years
    first, last = (years[0].edition, years[-1].edition) if years else (edition, edition)
    span = first.label if first == last else f"{first.label} to {last.label}"
    title = f"Funding outlook, {span}"
    gap = look.gap
    cliff = gap.ending if gap is not None else Decimal(0)
    series = tuple(s for s in _OUTLOOK_SERIES if s[0] != "undated" or any(y.undated for y in years))

    # Words
    alt = f"External funding that ends in {edition.label}: {gap_words(look)}." if cliff else \
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

    # Numbers
    columns = (model.Column("Financial year"), *(_money_col(label) for _, label, *_ in series),
               _money_col("Total"))
    rows = tuple(
        (y.edition.label, *(money(getattr(y, attr)) for attr, *_ in series),
         money(y.committed + y.optional + y.annual + y.undated))
        for y in years)
    # The external funding that ends is part of the edition year's committed funding: its own
    # column, filled for the edition year only, with the same value as the paper's gap table.
    columns = (*columns[:2], _money_col(f"Of which external funding ends in {edition.label}"), *columns[2:])
    rows = tuple((*row[:2], money(cliff) if i == 0 else "", *row[2:]) for i, row in enumerate(rows))
    table = model.Table(anchor=f"data-{slug}", caption=f"Data for: {title}", columns=columns, rows=rows,
                        row_header=True)

    # Picture
    n = len(years)
    with _chart_style():
        fig = _new_figure(3.9)
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
                                color=INK, bbox=_label_box())
                    inside.append((t, i - width / 2, i + width / 2, b, b + h))
            bottom = [a + b for a, b in zip(bottom, heights)]
        tops = [ax.text(i, b, short_money(b), ha="center", va="bottom", fontsize=FONT_PT, color=INK,
                        fontweight="bold", bbox=_label_box(), zorder=4, transform=_nudge(ax, 3, up=True))
                for i, b in enumerate(bottom)]
        top = max(bottom) if bottom and max(bottom) > 0 else 1.0
        ax.set_xticks(x, [y.edition.label for y in years])
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(0, top * 1.38)
        _money_axis(ax.yaxis, top)
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
                        bbox=_label_box(),
                        arrowprops=dict(arrowstyle="-|>", color=INK, linewidth=1.0, shrinkA=2, shrinkB=2,
                                        relpos=(0.02, 0.0)))
        _legend(fig, handles, ncols=2 if len(handles) > 3 else 3)
        _fit_end_labels(fig, ax, bottom, tops, horizontal=False)
        _drop_unfitting(fig, ax, inside)
    return Drawing(slug, title, alt, table, fig, bars=n)


# ---------------------------------------------------------------------------------------------------
# 4. Timeline


@dataclass(frozen=True)
class _Bar:
    label: str  # as printed: the project's name, wrapped onto at most two lines (no internal id)
    start: date
    start_known: bool
    end: date
    latest_end: date
    review_start: date
    decision_due: date
    inferred: bool = False  # its dates are inferred, not recorded: drawn apart, never as a solid bar


@dataclass(frozen=True)
class _Row:
    """One row of the timeline, top to bottom: a category header, or a bar."""
    header: str | None = None
    bar: _Bar | None = None

    @property
    def units(self) -> float:
        """Height in row units: a label wrapped onto two lines needs half a row more."""
        return 1.5 if self.bar is not None and "\n" in self.bar.label else 1.0


#: Timeline geometry, in inches at print size: a row unit, and the room for everything else
#: (the legend, the year labels above and the axis below; a continued part has no legend).
_ROW_IN = 0.21
_CHROME_IN = 1.65
_CHROME_CONTINUED_IN = 1.05
#: A label longer than this many characters wraps onto a second line; a second line that would
#: still be longer is shortened with an ellipsis (the data table has the full name and the id).
_LABEL_CHARS = 36


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


def draw_timeline(sched: Sequence[ReviewItem], edition: Edition, config: Config) -> Drawing:
    slug = "timeline"
    labels = _category_labels(config)
    limit = config.settings.paper.timeline_max_bars
    grouped = len(sched) > limit
    by_cat: dict[str, list[ReviewItem]] = defaultdict(list)
    for r in sched:
        by_cat[r.item.category].append(r)
    cats = _category_order(by_cat)
    spend_total = sum((_d(r.item.line.spend) for r in sched), Decimal(0))

    groups: list[tuple[str, list[_Bar]]] = []
    rows: list[tuple[str, ...]] = []
    if not grouped:
        title = f"Timeline of agreements with an end date, {edition.label}"
        # The chart names each line by its project only; the id that finds it in the register is here.
        columns = (model.Column("Ref", width=0.7), model.Column("Project", width=2.2),
                   model.Column("Category", width=0.7),
                   model.Column("Start", kind="date"), model.Column("End", kind="date"),
                   model.Column("Latest end with options", kind="date"),
                   model.Column("Review starts", kind="date"), model.Column("Decision due", kind="date"))
        for k in cats:
            bars = []
            for r in sorted(by_cat[k], key=lambda r: (r.end_date, r.decision_due, r.item.line.id)):
                line = r.item.line
                start = line.start_date if line.start_date is not None else min(edition.start, r.end_date)
                guessed = bool({"start_date", "end_date"} & set(line.inferred))
                bars.append(_Bar(_bar_label(line.project), start, line.start_date is not None,
                                 r.end_date, r.latest_end, r.review_start, r.decision_due, guessed))
                mark = lambda col, text: f"{text} (inferred)" if text and col in line.inferred else text  # noqa: E731
                rows.append((line.id, line.project, k, mark("start_date", uk_date(line.start_date, "not recorded")),
                             mark("end_date", uk_date(r.end_date)), uk_date(r.latest_end), uk_date(r.review_start),
                             uk_date(r.decision_due)))
            # "with an end date": a category's lines with none (a fund under review) are not drawn here
            groups.append((f"{labels.get(k, k)} ({_count(len(by_cat[k]), 'line')} with an end date)", bars))
        totals = ((f"Total: {_count(len(sched), 'line')}", "", "", "", "", "", "", ""),)
    else:
        title = f"Timeline of agreements with an end date, grouped by category and year of ending, {edition.label}"
        columns = (model.Column("Category", width=1.6), model.Column("Ends in"),
                   model.Column("Lines", align="right", kind="number", width=0.6),
                   model.Column("Earliest start", kind="date"), model.Column("Latest end", kind="date"),
                   model.Column("Latest end with options", kind="date"),
                   model.Column("First review starts", kind="date"),
                   model.Column("Last decision due", kind="date"),
                   _money_col("Spend"))
        for k in cats:
            per_year: dict[Edition, list[ReviewItem]] = defaultdict(list)
            for r in by_cat[k]:
                per_year[financial_year_of(r.end_date)].append(r)
            bars = []
            for fy in sorted(per_year):
                rs = per_year[fy]
                known = [r.item.line.start_date for r in rs if r.item.line.start_date is not None]
                end = max(r.end_date for r in rs)
                start = min(known) if known else min(edition.start, min(r.end_date for r in rs))
                bar = _Bar(f"Ending {fy.label}: {_count(len(rs), 'line')}", start, bool(known), end,
                           max(r.latest_end for r in rs), min(r.review_start for r in rs),
                           max(r.decision_due for r in rs))
                bars.append(bar)
                rows.append((labels.get(k, k), fy.label, f"{len(rs):,}", uk_date(min(known) if known else None,
                                                                                  "not recorded"),
                             uk_date(end), uk_date(bar.latest_end), uk_date(bar.review_start),
                             uk_date(bar.decision_due),
                             money(sum((_d(r.item.line.spend) for r in rs), Decimal(0)))))
            # "with an end date": a category's lines with none (a fund under review) are not drawn here
            groups.append((f"{labels.get(k, k)} ({_count(len(by_cat[k]), 'line')} with an end date)", bars))
        totals = (("Total", "", f"{len(sched):,}", "", "", "", "", "", money(spend_total)),)

    # One line a row fits a portrait page (the writers turn it if its words need more room);
    # the grouped table, with spend, needs a landscape one.
    table = model.Table(anchor=f"data-{slug}", caption=f"Data for: {title}", columns=columns, rows=tuple(rows),
                        totals=totals, wide=grouped, row_header=True)
    alt = _timeline_alt(sched, edition, grouped, sum(len(b) for _, b in groups))

    timeline_rows = [row for header, bars in groups for row in (_Row(header=header), *(_Row(bar=b) for b in bars))]
    span = _time_span([row.bar for row in timeline_rows if row.bar is not None], edition)
    with _chart_style():
        fig = _draw_timeline_figure(timeline_rows, edition, grouped, span)
        parts: tuple[Figure, ...] = ()
        pages = _print_pages(timeline_rows)
        if len(pages) > 1:
            parts = tuple(_draw_timeline_figure(page, edition, grouped, span, legend=n == 0)
                          for n, page in enumerate(pages))
            _align([fig, *parts])
    return Drawing(slug, title, alt, table, fig, bars=sum(len(b) for _, b in groups), grouped=grouped,
                   print_parts=parts)


def _timeline_height(rows: Sequence[_Row], legend: bool = True) -> float:
    return (_CHROME_IN if legend else _CHROME_CONTINUED_IN) + _ROW_IN * max(sum(r.units for r in rows), 1)


def _print_pages(rows: Sequence[_Row]) -> list[list[_Row]]:
    """The rows cut into as few parts as print at most PRINT_MAX_HEIGHT_IN tall each (the first with
    the legend), as even in height as the rows allow, so no part is a stub of one bar."""
    if _timeline_height(rows) <= PRINT_MAX_HEIGHT_IN:
        return [list(rows)]
    fewest = _pack(rows, PRINT_MAX_HEIGHT_IN)
    # The lowest cap that still needs no more parts than the tallest cap evens the parts out.
    cap = min(_timeline_height(rows), PRINT_MAX_HEIGHT_IN)
    best = fewest
    while cap > _CHROME_IN + 2 * _ROW_IN:
        cap -= _ROW_IN / 2
        trial = _pack(rows, cap)
        if len(trial) > len(fewest):
            break
        best = trial
    return best


def _pack(rows: Sequence[_Row], cap: float) -> list[list[_Row]]:
    """Rows into parts of at most `cap` inches, in order. A part never ends on a category header;
    a category that runs on into the next part has its header repeated there, marked continued."""
    pages: list[list[_Row]] = [[]]
    header: str | None = None
    for row in rows:
        page = pages[-1]
        if row.header is not None:
            header = row.header
        # A header only goes where one bar at least fits under it.
        need = [*page, row] if row.header is None else [*page, row, _Row()]
        if _timeline_height(need, legend=len(pages) == 1) > cap and any(r.bar for r in page):
            page = []
            pages.append(page)
            if row.header is None and header is not None:
                page.append(_Row(header=f"{header} (continued)"))
        page.append(row)
    return pages


def _align(figures: Sequence[Figure]) -> None:
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


def _time_span(bars: Sequence[_Bar], edition: Edition) -> tuple[Edition, Edition]:
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
        text = (f"{_count(len(ending), 'agreement')} of the {len(sched):,} with an end date "
                f"{'ends' if len(ending) == 1 else 'end'} by {uk_date(edition.end)}")
    else:
        text = f"None of the {_count(len(sched), 'agreement')} with an end date ends by {uk_date(edition.end)}"
    if overdue:
        text += (f", and {_count(len(overdue), 'review')} should already have started by "
                 f"{uk_date(edition.start)}.")
    else:
        text += "."
    text += f" The first decision is due on {uk_date(first.decision_due)} ({first.item.line.project})."
    if grouped:
        text += f" Agreements are grouped into {_count(bars, 'bar')} by category and year of ending."
    return text


_KNOWN = dict(facecolor=BLUE, edgecolor=WHITE, linewidth=0.6)
_UNKNOWN = dict(facecolor=BLUE, edgecolor=WHITE, linewidth=0.6, hatch="////", hatchcolor=WHITE)
_OPTION = dict(facecolor=WHITE, edgecolor=VERMILLION, linewidth=1.0, hatch="\\\\\\\\", hatchcolor=VERMILLION)
_REVIEW = dict(facecolor=INK, edgecolor="none", linewidth=0)
_INFERRED = dict(facecolor=WHITE, edgecolor=BLUE, linewidth=1.2, linestyle="--", hatch="..", hatchcolor=BLUE)


def _draw_timeline_figure(rows: Sequence[_Row], edition: Edition, grouped: bool,
                          span: tuple[Edition, Edition], legend: bool = True) -> Figure:
    # Row positions top to bottom: each row's centre, a two-line label taking half a row more.
    ypos: list[float] = []
    bars: list[_Bar] = []
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
    fig = _new_figure(_timeline_height(rows, legend))
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
                color=INK, bbox=_label_box(), zorder=5, clip_on=False)

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
        _legend(fig, handles, ncols=3)
    if not bars:
        ax.text(0.5, 0.5, "No agreement has an end date", transform=ax.transAxes, ha="center", va="center",
                fontsize=LABEL_PT, color=INK)
    return fig
