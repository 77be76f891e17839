"""The PDF edition for Panel agenda packs: the print layout as HTML, rendered by WeasyPrint.

Why WeasyPrint: it turns HTML and a print stylesheet into a tagged PDF/UA-1 file (headings, lists,
tables with header cells, figures with their alt text, links), embeds subsets of the fonts, makes
bookmarks from the headings and fills in page numbers itself (CSS target-counter for the contents
and cross-references, counter(pages) for "Page X of Y"). Converting the Word edition instead
(LibreOffice) would need an office suite at build time and gives a contents with no page numbers
unless Word has updated the fields first; a browser's print-to-PDF is not tagged for PDF/UA.

The layout is the Word edition's (see print_layout): the front sheet on its own page, each chart
with a link to its numbers in the closing appendix, wide tables on landscape pages. Markup is in
templates/print/*.html.j2, the look in templates/print/print.css. The same model gives the same
bytes: the dates come from the model, never the clock, and the file identifier from the content.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..paper.model import BulletList, Contents, Document, Figure, Heading, Paragraph, Table
from .print_layout import (ChartImage, DataLink, PrintBlock, PrintWords, clean, load_words, orientations,
                           print_edition)
from .table_widths import BODY, HEADING, TOTAL, TableMetrics

# WeasyPrint logs each step (from its import on) at INFO: that is not the build's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGE_TEMPLATE = "print/paper.print.html.j2"
STYLESHEET = Path("print") / "print.css"
PDF_VARIANT = "pdf/ua-1"

# Text widths in twips (1/1440 in) of an A4 page with 2.5 cm margins, as in print.css.
PORTRAIT_TWIPS = round((21.0 - 5.0) / 2.54 * 1440)
LANDSCAPE_TWIPS = round((29.7 - 5.0) / 2.54 * 1440)
# Table text sizes (pt) and left plus right cell padding (twips), as in print.css.
TABLE_SIZES = {BODY: 10.0, HEADING: 10.0, TOTAL: 10.0}
CELL_PADDING_TWIPS = 2 * 85


@dataclass(frozen=True)
class View:
    """One block ready for the template."""
    kind: str  # heading | paragraph | list | table | chart | link | contents
    block: object
    table: Table | None = None
    widths: tuple[str, ...] = ()  # per column, percent of the table's width
    # charts
    src: str = ""
    alt: str = ""
    caption: str = ""
    first: bool = False
    figure: object = None


@dataclass(frozen=True)
class Part:
    """A run of blocks on pages of one orientation."""
    landscape: bool
    views: tuple[View, ...]


def render_print_html(doc: Document, templates_dir: Path | None = None,
                      words: PrintWords | None = None) -> str:
    """The print edition as one self-contained HTML page for WeasyPrint (charts inlined)."""
    templates_dir = Path(templates_dir) if templates_dir else DEFAULT_TEMPLATES
    words = words or load_words(templates_dir)
    metrics = TableMetrics(TABLE_SIZES, CELL_PADDING_TWIPS)
    metrics.share(b.data if isinstance(b, Figure) else b for b in (*doc.front, *doc.blocks)
                  if isinstance(b, (Table, Figure)))

    def too_wide(table: Table) -> bool:
        return metrics.too_wide(table, PORTRAIT_TWIPS)

    edition = print_edition(doc, words, too_wide)
    body = list(edition.body)
    landscape = orientations(body, too_wide)
    parts: list[Part] = []
    for block, wide in zip(body, landscape):
        view = _view(block, metrics, LANDSCAPE_TWIPS if wide else PORTRAIT_TWIPS)
        if parts and parts[-1].landscape == wide:
            parts[-1] = Part(wide, (*parts[-1].views, view))
        else:
            parts.append(Part(wide, (view,)))
    env = Environment(loader=FileSystemLoader(str(templates_dir)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_printable)
    css = (templates_dir / STYLESHEET).read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError(f"{templates_dir / STYLESHEET} must not contain '</style'")
    when = doc.published or doc.date
    return env.get_template(PAGE_TEMPLATE).render(
        doc=doc, words=words, date=when.isoformat(), stylesheet=Markup(css),
        footer=Markup(_css_content(words.page_x_of_y)),
        front=[_view(b, metrics, PORTRAIT_TWIPS) for b in edition.front],
        front_title=edition.front_title,
        parts=parts, headings=edition.headings)


def engine_problem() -> str | None:
    """Why the PDF edition cannot be drawn on this machine (WeasyPrint or its system libraries are
    missing), in words the officer can act on; None when it can."""
    try:
        import weasyprint  # noqa: F401  (loads Pango and HarfBuzz through their C libraries)
    except (ImportError, OSError) as exc:
        return ("the PDF edition was not built: WeasyPrint cannot start on this machine "
                f"({str(exc).splitlines()[0][:120]}). On Debian install its libraries with "
                "'apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0', then run "
                "invoke report again; the Word and HTML editions and the exports were built")
    return None


def write_pdf(doc: Document, path: Path, templates_dir: Path | None = None) -> None:
    """Write the PDF edition of `doc` to `path` (byte-identical for the same model and templates)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_print_html(doc, templates_dir)
    # The charts are inlined as data: URIs, so nothing is fetched at all: no file, no network. That
    # also keeps the bytes independent of where the charts were drawn (WeasyPrint names each image
    # after its URI), and lets the content name the file.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    pdf = HTML(string=html, base_url=str(templates_dir or DEFAULT_TEMPLATES), url_fetcher=fetcher).write_pdf(
        pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)


def _printable(value: object) -> object:
    """Every value the template prints, without characters an HTML page cannot carry."""
    return clean(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _view(block: PrintBlock, metrics: TableMetrics, text_width: int) -> View:
    if isinstance(block, Heading):
        return View("heading", block)
    if isinstance(block, Paragraph):
        _check_links(block.runs)
        return View("paragraph", block)
    if isinstance(block, BulletList):
        for item in block.items:
            _check_links(item)
        return View("list", block)
    if isinstance(block, Table):
        _check_table(block)
        widths = metrics.column_widths(block, text_width)
        total = sum(widths) or 1
        return View("table", block, table=block, widths=tuple(f"{100 * w / total:.2f}" for w in widths))
    if isinstance(block, ChartImage):
        if not Path(block.png).is_file():
            raise FileNotFoundError(f"figure {block.figure.anchor!r}: the chart image {block.png} does not exist; "
                                    "draw the charts before writing the PDF")
        src = "data:image/png;base64," + base64.b64encode(Path(block.png).read_bytes()).decode("ascii")
        return View("chart", block, src=src, alt=block.alt, caption=block.caption, first=block.first,
                    figure=block.figure)
    if isinstance(block, DataLink):
        return View("link", block)
    if isinstance(block, Contents):
        return View("contents", block)
    raise TypeError(f"the PDF writer does not know how to lay out {type(block).__name__}")


_SAFE_SCHEMES = ("http", "https", "mailto", "tel")


def _check_links(runs) -> None:
    """A link leads to a web page, an e-mail address, a telephone number or a place in the paper;
    anything else (javascript:, file:, data:) would be an action a PDF reader runs."""
    for run in runs:
        if run.href is None:
            continue
        href = re.sub(r"[\x00-\x20]", "", run.href)
        scheme = urlsplit(href).scheme.lower()
        if not href or (scheme and scheme not in _SAFE_SCHEMES) or (not scheme and not href.startswith("#")):
            raise ValueError(f"link {run.text!r} leads to {run.href!r}; a link in the paper must start with "
                             f"{', '.join(s + ':' for s in _SAFE_SCHEMES)} or '#'")


def _check_table(table: Table) -> None:
    width = len(table.columns)
    if not width:
        raise ValueError(f"table {table.anchor!r}: a table needs at least one column")
    for kind, rows in (("row", table.rows), ("totals row", table.totals)):
        for n, row in enumerate(rows, 1):
            if len(row) != width:
                raise ValueError(f"table {table.anchor!r}: {kind} {n} has {len(row)} cells "
                                 f"but the table has {width} columns")


_FIELD = re.compile(r"\{(page|pages)\}")


def _css_content(text: str) -> str:
    """'Page {page} of {pages}' as a CSS content value: "Page " counter(page) " of " counter(pages)."""
    out = []
    for n, piece in enumerate(_FIELD.split(text)):
        if n % 2:
            out.append(f"counter({piece})")
        elif piece:
            out.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"')
    return " ".join(out) or '""'
