"""The paper's charts: drawn from the analysis, written as SVG (HTML edition) and PNG (Word edition).

One module a chart, each declared once in registry.py (slug, drawer, cost, whether it applies), every
number computed from the arguments:
  spend-by-priority  spend per priority, commissioning and grants stacked
  spend-by-category  spend per commissioning category (a-d and the annual budget round)
  funding-outlook    committed / optional / annual funding per year, with the cliff edge called out
  timeline           one bar per agreement with an end date (grouped by category and year of ending
                     when there are more than [paper] timeline_max_bars of them), labelled with the
                     project's name (the ids are in its data table); when it is taller than half a
                     page it is also drawn as print parts that run on over the pages (timeline_pages,
                     chart_files)
  scenarios          funding month by month under each scenario against the base case (scenarios.toml)
  csp-allocation     each partnership area's grant against the formula's (csp-allocation.csv)

Each chart comes with its data table (the numbers behind it, for screen-reader users and the appendix)
and a text alternative generated from the same numbers; each chart module keeps its words (_words),
numbers (_numbers) and picture (_picture) apart. Shared: style.py (print sizes, colours, matplotlib
settings, contrast), labels.py (money on labels, counts, names), layout.py (figures, axes, legends,
label placement), drawing.py (Drawing, Chart), files.py (SVG and PNG writing). The sums behind the
first two charts are analysis (analysis/spend.py).

Accessibility: Okabe-Ito colours that all reach 3:1 against white, a pattern as well as a colour for every
series, direct labels, no text under 9 pt at the printed width (FIGURE_WIDTH_IN) and no label cut off,
money in pounds. Print: no image taller than PRINT_MAX_HEIGHT_IN, so nothing is shrunk to fit a page.
Reproducibility: object API only (no pyplot state), Agg for PNG, a fixed svg.hashsalt, no dates or
software names in the files, every setting inside one rc_context per chart.
"""

from __future__ import annotations

# matplotlib is imported here, with every chart: the build imports this package once before it forks
# the processes that draw (pipeline/build.py).
from ...analysis.spend import spend_by_category, spend_by_priority
from .category import draw_spend_by_category
from .drawing import Chart, Drawing
from .files import write_drawing
from .labels import CATEGORY_LABELS, short_money
from .outlook import draw_funding_outlook, gap_words
from .priority import draw_spend_by_priority
from .registry import CHARTS, ChartInputs, ChartSpec, chart_count, chart_parts, draw_charts, render_charts, slugs
from .style import (BLUE, DPI, FIGURE_WIDTH_IN, FONT_PT, GREEN, GREY, HATCHES, INK, LABEL_PT, MIN_FONT_PT, PALETTE,
                    PRINT_MAX_HEIGHT_IN, PURPLE, VERMILLION, WHITE, contrast_ratio, relative_luminance)
from .timeline import draw_timeline

__all__ = [
    "BLUE", "CATEGORY_LABELS", "CHARTS", "Chart", "ChartInputs", "ChartSpec", "DPI", "Drawing", "FIGURE_WIDTH_IN",
    "FONT_PT", "GREEN", "GREY", "HATCHES", "INK", "LABEL_PT", "MIN_FONT_PT", "PALETTE", "PRINT_MAX_HEIGHT_IN", "PURPLE",
    "VERMILLION", "WHITE", "chart_count", "chart_parts", "contrast_ratio", "draw_charts", "draw_funding_outlook",
    "draw_spend_by_category", "draw_spend_by_priority", "draw_timeline", "gap_words", "relative_luminance",
    "render_charts", "short_money", "slugs", "spend_by_category", "spend_by_priority", "write_drawing",
]
