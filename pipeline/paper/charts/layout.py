"""Drawing helpers every chart uses: a figure at print width, money axes, a legend that fits, labels
placed at bar ends and inside segments only where they fit."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import matplotlib.transforms
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .style import FIGURE_WIDTH_IN, PRINT_MAX_HEIGHT_IN, WHITE


def axis_money(top: float) -> Callable[[float, int], str]:
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


def money_axis(axis, top: float) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], min_n_ticks=4, integer=True))
    axis.set_major_formatter(FuncFormatter(axis_money(top)))


def new_figure(height_in: float) -> Figure:
    fig = Figure(figsize=(FIGURE_WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04)
    return fig


def bar_chart_height(chrome_in: float, bars: int) -> float:
    """Height of a bar chart: 0.42 in a bar, closer together when that would print taller than
    PRINT_MAX_HEIGHT_IN (the labels stay at full size; only the bars get thinner)."""
    return min(chrome_in + 0.42 * bars, max(PRINT_MAX_HEIGHT_IN, chrome_in + 0.2 * bars))


def add_legend(fig: Figure, handles: list, ncols: int) -> None:
    """A legend above the plot, in as many columns as fit the figure's width."""
    renderer = fig.canvas.get_renderer()
    for n in range(min(ncols, len(handles)), 0, -1):
        legend = fig.legend(handles=handles, loc="outside upper left", ncols=n, handlelength=2.2,
                            handleheight=1.1, columnspacing=1.5, borderaxespad=0.2)
        if legend.get_window_extent(renderer).width <= fig.bbox.width * 0.98 or n == 1:
            return
        legend.remove()


def nudge(ax, points: float, up: bool = False):
    """Data coordinates shifted right (or up) by a few points: labels just clear of a bar's end."""
    fig = ax.get_figure()
    dx, dy = (0, points / 72) if up else (points / 72, 0)
    return ax.transData + matplotlib.transforms.ScaledTranslation(dx, dy, fig.dpi_scale_trans)


def label_box(color: str = WHITE) -> dict:
    return dict(boxstyle="square,pad=0.15", facecolor=color, edgecolor="none")


# ---------------------------------------------------------------------------------------------------
# Layout helpers: make room for labels at bar ends, drop labels that do not fit inside a segment


def fit_end_labels(fig: Figure, ax, ends: Sequence[float], labels, horizontal: bool = True) -> None:
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


def drop_unfitting(fig: Figure, ax, placed: Iterable[tuple[object, float, float, float, float]]) -> None:
    """Remove inside-bar labels wider or taller than their segment. `placed` holds
    (text, x0, x1, y0, y1) in data coordinates."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for text, x0, x1, y0, y1 in placed:
        (dx0, dy0), (dx1, dy1) = ax.transData.transform([(x0, y0), (x1, y1)])
        ext = text.get_window_extent(renderer)
        if ext.width + 4 > abs(dx1 - dx0) or ext.height + 2 > abs(dy1 - dy0):
            text.remove()

