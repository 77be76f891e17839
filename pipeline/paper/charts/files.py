"""Writing a drawing: <slug>.svg (the HTML edition), <slug>.png (Word) and its print pages, if any.

Reproducible: Agg for PNG, a fixed svg.hashsalt per chart, no dates or software names in the files.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..chart_files import print_part_path, stale_print_parts
from .drawing import Drawing
from .style import DPI, chart_style

_SVG_METADATA = {"Date": None, "Creator": None}
_PNG_METADATA = {"Software": None}


def write_drawing(drawing: Drawing, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = out_dir / f"{drawing.slug}.svg"
    png = out_dir / f"{drawing.slug}.png"
    for stale in stale_print_parts(png):  # an earlier drawing's pages must not pass for this one's
        stale.unlink()
    with chart_style():
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

