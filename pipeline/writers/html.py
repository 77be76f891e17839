"""The HTML edition: one self-contained, accessible page for the OPCC website.

Python only prepares data here (checks the model, reads the chart files, lists the contents);
all markup lives in templates/paper.html.j2 and the macros in templates/html/. Jinja2 escapes
every string from the model, so text such as ``<script>`` or ``{{ 7*7 }}`` shows as written.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..paper.model import BulletList, Contents, Document, Figure, Heading, Paragraph, Run, Table

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGE_TEMPLATE = "paper.html.j2"
STYLESHEET = "paper.css"
TITLE_ANCHOR = "title"  # id of the <h1> when the model has no level-1 heading of its own
TEMPLATE_IDS = frozenset({"main"})  # ids the page template itself uses
LARGER_SUFFIX = "-larger"  # id of each figure's "Show the chart larger" checkbox: <figure id> + this

_SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]*$")


@dataclass(frozen=True)
class FigureView:
    """A figure with its chart ready to embed as a data: URI."""
    figure: Figure
    src: str
    larger_id: str  # the "Show the chart larger" checkbox


@dataclass(frozen=True)
class BlockView:
    kind: str  # heading | paragraph | list | table | figure | contents
    block: object
    figure: FigureView | None = None
    label: bool = False  # a warning paragraph that needs the visible "Warning:" prefix


def _environment(templates_dir: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _stylesheet(templates_dir: Path) -> Markup:
    css = (templates_dir / STYLESHEET).read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError(f"{templates_dir / STYLESHEET} must not contain '</style'")
    return Markup(css)  # trusted file from the repository, not model text


def _data_uri(figure: Figure) -> str:
    for path, mime in ((figure.svg, "image/svg+xml"), (figure.png, "image/png")):
        if path and Path(path).is_file():
            payload = base64.b64encode(Path(path).read_bytes()).decode("ascii")
            return f"data:{mime};base64,{payload}"
    raise FileNotFoundError(
        f"figure {figure.anchor!r}: neither the SVG ({figure.svg}) nor the PNG ({figure.png}) exists; "
        "draw the charts before writing the HTML")


def _check_href(href: str, where: str) -> None:
    cleaned = re.sub(r"[\x00-\x20]", "", href)  # browsers ignore these inside a scheme
    if not cleaned:
        raise ValueError(f"{where}: empty link address")
    scheme = urlsplit(cleaned).scheme.lower()
    if scheme and scheme not in _SAFE_SCHEMES:
        raise ValueError(f"{where}: link {href!r} uses the {scheme!r} scheme; only "
                         f"{', '.join(sorted(_SAFE_SCHEMES))} or '#anchor' links are allowed")


def _runs(block: object) -> list[Run]:
    if isinstance(block, Paragraph):
        return list(block.runs)
    if isinstance(block, BulletList):
        return [run for item in block.items for run in item]
    return []


def _check_table(table: Table, where: str) -> None:
    width = len(table.columns)
    if not width:
        raise ValueError(f"{where} {table.anchor!r}: a table needs at least one column")
    for kind, rows in (("row", table.rows), ("totals row", table.totals)):
        for n, row in enumerate(rows, 1):
            if len(row) != width:
                raise ValueError(f"{where} {table.anchor!r}: {kind} {n} has {len(row)} cells "
                                 f"but the table has {width} columns")


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def prepare(doc: Document) -> dict:
    """Check the model against what an accessible page needs and build the template's context."""
    blocks = list(doc.blocks)
    title = Heading(1, doc.title, TITLE_ANCHOR)
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        title = blocks.pop(0)
    ids: list[str] = [title.anchor]
    previous = 1
    views: list[BlockView] = []
    for n, block in enumerate(blocks, 1):
        where = f"block {n} ({type(block).__name__})"
        if isinstance(block, Heading):
            if block.level == 1:
                raise ValueError(f"{where}: only the first block may be a level-1 heading "
                                 f"(the page has exactly one <h1>); got {block.text!r}")
            if not 2 <= block.level <= 6:
                raise ValueError(f"{where}: heading level {block.level} is outside 2-6")
            if block.level > previous + 1:
                raise ValueError(f"{where}: heading {block.text!r} jumps from level {previous} "
                                 f"to {block.level}; levels must not be skipped")
            previous = block.level
            ids.append(block.anchor)
            views.append(BlockView("heading", block))
        elif isinstance(block, Paragraph):
            # the template prefixes warnings with "Warning:", unless the text already starts with it
            text = "".join(run.text for run in block.runs).lstrip().casefold()
            views.append(BlockView("paragraph", block, label=block.role == "warning"
                                   and not text.startswith("warning")))
        elif isinstance(block, BulletList):
            views.append(BlockView("list", block))
        elif isinstance(block, Table):
            _check_table(block, where)
            ids.append(block.anchor)
            views.append(BlockView("table", block))
        elif isinstance(block, Figure):
            _check_table(block.data, f"{where} data table")
            if not block.alt.strip():
                raise ValueError(f"{where} {block.anchor!r}: a figure needs alt text")
            ids.extend([block.anchor, block.data.anchor, block.anchor + LARGER_SUFFIX])
            views.append(BlockView("figure", block, FigureView(block, _data_uri(block),
                                                                    block.anchor + LARGER_SUFFIX)))
        elif isinstance(block, Contents):
            views.append(BlockView("contents", block))
        else:
            raise TypeError(f"{where}: the HTML writer does not know this block type")

    seen: set[str] = set()
    for anchor in ids:
        if not _ID.match(anchor):
            raise ValueError(f"anchor {anchor!r} is not a usable id (letters, digits, - _ : . only, "
                             "starting with a letter)")
        if anchor in seen or anchor in TEMPLATE_IDS:
            raise ValueError(f"anchor {anchor!r} is used twice on the page")
        seen.add(anchor)

    targets = seen | TEMPLATE_IDS
    for n, block in enumerate(blocks, 1):
        for run in _runs(block):
            if run.href is None:
                continue
            where = f"block {n} ({type(block).__name__}), link {run.text!r}"
            _check_href(run.href, where)
            if run.href.startswith("#") and run.href[1:] not in targets:
                raise ValueError(f"{where}: points to {run.href!r}, which is not on the page")
            if not run.text.strip():
                raise ValueError(f"{where}: a link needs visible text")

    contents = [h for h in doc.headings() if h.level == 2]
    return {
        "doc": doc,
        "title": title,
        # The subtitle is shown unless it only repeats the organisation, which the masthead and the
        # "From" line already name. The model's date is the start of the edition's financial year,
        # not a publication date, so the page does not print it as "Date" (it stays in the metadata).
        "show_subtitle": bool(doc.subtitle.strip()) and not _same_text(doc.subtitle, doc.author),
        "date_iso": doc.date.isoformat(),
        "blocks": views,
        "contents": contents,
    }


def render_html(doc: Document, templates_dir: Path | None = None) -> str:
    """The paper as one self-contained HTML page (CSS and charts inlined, nothing fetched)."""
    templates_dir = Path(templates_dir) if templates_dir else DEFAULT_TEMPLATES
    context = prepare(doc)
    context["stylesheet"] = _stylesheet(templates_dir)
    return _environment(templates_dir).get_template(PAGE_TEMPLATE).render(context)


def write_html(doc: Document, path: Path, templates_dir: Path | None = None) -> None:
    """Write the HTML edition as UTF-8 with Unix line endings (byte-identical for the same model)."""
    html = render_html(doc, templates_dir)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(html)
