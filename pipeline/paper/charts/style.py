"""The charts' look: print sizes, colours, matplotlib settings and the contrast they are checked by.

Accessibility: Okabe-Ito colours that all reach 3:1 against white, a pattern as well as a colour for every
series, no text under 9 pt at the printed width (FIGURE_WIDTH_IN). Print: no image taller than
PRINT_MAX_HEIGHT_IN, so nothing is shrunk to fit a page. Reproducibility: every setting inside one
rc_context per chart (chart_style), a fixed svg.hashsalt.
"""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib
import matplotlib.colors

from ... import page

#: Printed width of every chart: the page's text width (pipeline/page.py, 16 cm) rounded down to a
#: quarter inch, 6.25 in. The PNG records 200 dpi, so Word inserts it at this width by default and the
#: font sizes below are the printed sizes.
FIGURE_WIDTH_IN = math.floor(page.TEXT_WIDTH_IN * 4) / 4
DPI = 200
#: Tallest image printed: with its caption it stays under half the page's text height (24.7 cm), so a
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

RC = {
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


class chart_style:
    """Matplotlib's defaults plus RC, restored on exit: nothing leaks in from or out to the caller."""

    def __enter__(self):
        self._ctx = matplotlib.rc_context()
        self._ctx.__enter__()
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(RC)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


# ---------------------------------------------------------------------------------------------------
# Contrast (WCAG 2.2)


def relative_luminance(colour: str | Sequence[float]) -> float:
    rgb = matplotlib.colors.to_rgb(colour)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str | Sequence[float], b: str | Sequence[float] = WHITE) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)

