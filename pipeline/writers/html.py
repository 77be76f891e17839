"""The HTML edition: one self-contained, accessible page for the OPCC website, and the same content
as a body fragment for the website's CMS.

Python only prepares data here (checks the page's headings and ids, inlines the charts, lists the
contents; paper.check checked the model itself when it was composed); all markup lives in
templates/paper.html.j2 and the macros in templates/html/. Jinja2 escapes every string from the
model, so text such as ``<script>`` or ``{{ 7*7 }}`` shows as written.

The page and the fragment share one content template (html/content.html.j2) inside
``<div class="cf-paper">``, and one stylesheet for it (html/content.css) whose every rule is scoped
under that class, so the fragment neither restyles a host page nor is restyled by its generic rules.
"""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..formatting import long_date
from .. import template_files
from ..paper.model import BulletList, Card, Cards, Contents, Document, Figure, Heading, Paragraph, Run, Table
from .html_svg import inline_svg

PAGE_TEMPLATE = "paper.html.j2"
FRAGMENT_TEMPLATE = "html/fragment.html.j2"
PAGE_STYLESHEET = "paper.css"  # the page around the content: masthead, footer, skip link
CONTENT_STYLESHEET = "html/content.css"  # the content, scoped under .cf-paper (page and fragment)
SCOPE_CLASS = "cf-paper"
TITLE_ANCHOR = "title"  # id of the <h1> when the model has no level-1 heading of its own
TEMPLATE_IDS = frozenset({"main", "cf-contents-title"})  # ids the templates themselves use
CAPTION_SUFFIX = "-caption"  # id of a table's <caption>: <table anchor> + this (labels its scroll region)
PHONE_SUFFIX = "-phone"  # the copy of a chart's data table shown on phones instead of the disclosure

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]*$")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# A table keeps a readable minimum width, in ems of its own text, so a text column is never
# squeezed to a word a line: 8 ems for each unit of a text column's relative width (the widths Word
# uses) and 7 for a column of figures or dates, which never wraps. Where the screen is
# narrower, the table scrolls sideways inside its labelled region. The widths come in steps that
# html/content.css defines (.cf-table--min-N); under the first step, with two columns, or with one
# column of words among figures, a table reflows: it fits the screen, its text wrapping.
EM_PER_TEXT_UNIT = 8
EM_PER_FIGURE_COLUMN = 7
MIN_WIDTH_STEPS = (36, 42, 48, 54, 60, 66, 72, 78, 84)


@dataclass(frozen=True)
class TableView:
    """A table with what the layout needs to know about it."""
    table: Table
    min_width: int  # ems; 0 = fits a phone without scrolling


@dataclass(frozen=True)
class ChartView:
    """A figure with its chart inlined and its data table laid out."""
    figure: Figure
    svg: Markup
    data: TableView


@dataclass(frozen=True)
class BlockView:
    kind: str  # heading | paragraph | list | table | figure | contents
    block: object
    figure: ChartView | None = None
    label: bool = False  # a warning paragraph that needs the visible "Warning:" prefix
    table: TableView | None = None


@dataclass(frozen=True)
class TextPart:
    """Part of a plain-text field (the contact line), with a link where it holds an e-mail address."""
    text: str
    href: str | None = None


@functools.lru_cache(maxsize=4)
def _environment(templates_dir: Path) -> Environment:
    # Kept for the process: a preview rebuilds many times, and Jinja re-reads a template only when its
    # file has changed (auto_reload), so compiling them afresh each time would only cost time.
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _stylesheet(templates_dir: Path, name: str) -> Markup:
    path = templates_dir / name
    css = path.read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError(f"{path} must not contain '</style'")
    return Markup(css)  # trusted file from the repository, not model text


def _split_selectors(selectors: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside :not(...) or :is(...))."""
    parts, depth, current = [], 0, ""
    for char in selectors:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _check_scoped(css: str, where: Path) -> None:
    """Every rule of the content stylesheet must start at .cf-paper, or the fragment would restyle
    the host page. At-rules (@media, @supports) only wrap rules; their inner rules are checked."""
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    body = re.sub(r"@[^{};]*[{;]", "", body)  # the heads of @media and @supports blocks
    for selectors in re.findall(r"([^{}]+)\{", body):
        for selector in _split_selectors(selectors):
            if not re.match(rf"\.{SCOPE_CLASS}(?![\w-])", selector.strip()):
                raise ValueError(f"{where}: the selector {selector.strip()!r} is not scoped under "
                                 f".{SCOPE_CLASS}; the CMS fragment would restyle the host page")


def _runs(block: object) -> list[Run]:
    if isinstance(block, Paragraph):
        return list(block.runs)
    if isinstance(block, BulletList):
        return [run for item in block.items for run in item]
    return []


def table_view(table: Table) -> TableView:
    texts = sum(column.kind == "text" for column in table.columns)
    if len(table.columns) <= 2 or texts <= 1:
        # Two columns share a phone's width well enough to wrap; a column of words beside columns of
        # figures gets what the figures leave (the table scrolls only if the figures alone are wider).
        return TableView(table, 0)
    wanted = sum(EM_PER_TEXT_UNIT * column.width if column.kind == "text" else EM_PER_FIGURE_COLUMN
                 for column in table.columns)
    if wanted < MIN_WIDTH_STEPS[0]:
        return TableView(table, 0)
    return TableView(table, next((step for step in MIN_WIDTH_STEPS if step >= wanted), MIN_WIDTH_STEPS[-1]))


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def contact_parts(contact: str) -> tuple[TextPart, ...]:
    """The contact line with each e-mail address made a mailto: link."""
    parts: list[TextPart] = []
    at = 0
    for match in _EMAIL.finditer(contact):
        if match.start() > at:
            parts.append(TextPart(contact[at:match.start()]))
        parts.append(TextPart(match.group(0), "mailto:" + match.group(0)))
        at = match.end()
    if at < len(contact):
        parts.append(TextPart(contact[at:]))
    return tuple(parts)


def _check_downloads(downloads: tuple[tuple[str, str], ...]) -> None:
    for label, name in downloads:
        if not label.strip():
            raise ValueError(f"download {name!r}: a download needs a label, e.g. 'Word edition'")
        if not _FILE_NAME.match(name) or ".." in name:
            raise ValueError(f"download {label!r}: {name!r} is not a plain file name; the downloads "
                             "are published beside the page, so give the name only (no folders, no address)")


class _Views:
    """Turns model blocks into template views, checking them and collecting every id on the page."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.level = 1

    def table(self, table: Table) -> TableView:
        self.ids.extend([table.anchor, table.anchor + CAPTION_SUFFIX])
        return table_view(table)

    def views(self, blocks: list[object], offset: int = 0, part: str = "block") -> list[BlockView]:
        views: list[BlockView] = []
        for n, block in enumerate(blocks, offset + 1):
            where = f"{part} {n} ({type(block).__name__})"
            if isinstance(block, Heading):
                if block.level == 1:
                    raise ValueError(f"{where}: only the first block may be a level-1 heading "
                                     f"(the page has exactly one <h1>); got {block.text!r}")
                if not 2 <= block.level <= 6:
                    raise ValueError(f"{where}: heading level {block.level} is outside 2-6")
                if block.level > self.level + 1:
                    raise ValueError(f"{where}: heading {block.text!r} jumps from level {self.level} "
                                     f"to {block.level}; levels must not be skipped")
                self.level = block.level
                self.ids.append(block.anchor)
                views.append(BlockView("heading", block))
            elif isinstance(block, Paragraph):
                # the template prefixes warnings with "Warning:", unless the text already starts with it
                text = "".join(run.text for run in block.runs).lstrip().casefold()
                views.append(BlockView("paragraph", block, label=block.role == "warning"
                                       and not text.startswith("warning")))
            elif isinstance(block, BulletList):
                views.append(BlockView("list", block))
            elif isinstance(block, Table):
                if block.print_only:
                    continue
                views.append(BlockView("table", block, table=self.table(block)))
            elif isinstance(block, Figure):
                views.append(BlockView("figure", block, self.figure(block, where)))
            elif isinstance(block, Contents):
                views.append(BlockView("contents", block))
            elif isinstance(block, Card):
                self.ids.extend([block.anchor, block.anchor + "-title"])
                views.append(BlockView("card", block))
            elif isinstance(block, Cards):
                self.ids.extend(a for c in block.cards for a in (c.anchor, c.anchor + "-title"))
                views.append(BlockView("cards", block))
            else:
                raise TypeError(f"{where}: the HTML writer does not know this block type")
        return views

    def figure(self, figure: Figure, where: str) -> ChartView:
        data = self.table(figure.data)
        if not figure.alt.strip():
            raise ValueError(f"{where} {figure.anchor!r}: a figure needs alt text")
        if not (figure.svg and Path(figure.svg).is_file()):
            raise FileNotFoundError(
                f"figure {figure.anchor!r}: the chart's SVG ({figure.svg}) does not exist; "
                "draw the charts before writing the HTML")
        svg, svg_ids = inline_svg(Path(figure.svg), figure.anchor, figure.alt)
        self.ids.extend([figure.anchor, figure.data.anchor + PHONE_SUFFIX + CAPTION_SUFFIX, *svg_ids])
        return ChartView(figure, svg, data)


def prepare(doc: Document) -> dict:
    """Check the model against what an accessible page needs and build the templates' context."""
    blocks = list(doc.blocks)  # the web-only part (doc.web) follows the body, laid out on its own
    title = Heading(1, doc.title, TITLE_ANCHOR)
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        title = blocks.pop(0)
    views = _Views()
    views.ids.append(title.anchor)
    front = views.views(list(doc.front), part="front sheet block")
    views.level = 1  # the paper's own sections start again at level 2 after the front sheet
    body = views.views(blocks)
    web = views.views(list(doc.web), len(blocks), "web-only block")  # after the body, at the levels it left
    _check_downloads(doc.downloads)

    seen: set[str] = set()
    for anchor in views.ids:
        if not _ID.match(anchor):
            raise ValueError(f"anchor {anchor!r} is not a usable id (letters, digits, - _ : . only, "
                             "starting with a letter)")
        if anchor in seen or anchor in TEMPLATE_IDS:
            raise ValueError(f"anchor {anchor!r} is used twice on the page")
        seen.add(anchor)

    targets = seen | TEMPLATE_IDS
    for part, part_blocks in (("front sheet block", doc.front), ("block", blocks), ("web-only block", doc.web)):
        for n, block in enumerate(part_blocks, 1):
            for run in _runs(block):
                for href in (run.href, run.web_href):
                    if href is None:
                        continue
                    where = f"{part} {n} ({type(block).__name__}), link {run.text!r}"
                    if href.startswith("#") and href[1:] not in targets:
                        raise ValueError(f"{where}: points to {href!r}, which is not on the page")
            for link in getattr(block, "links", ()) if isinstance(block, Table) else ():
                if link and (not link.startswith("#") or link[1:] not in targets):
                    raise ValueError(f"{part} {n} (Table) {block.anchor!r}: a row links to {link!r}, "
                                     "which is not on the page")

    return {
        "doc": doc,
        "title": title,
        # The subtitle is shown unless it only repeats the organisation, which the masthead and the
        # "From" line already name. The model's date is the start of the edition's financial year,
        # not a publication date, so the page prints only `published` as a date.
        "show_subtitle": bool(doc.subtitle.strip()) and not _same_text(doc.subtitle, doc.author),
        "date_iso": doc.date.isoformat(),
        "published": (doc.published.isoformat(), long_date(doc.published)) if doc.published else None,
        "contact": contact_parts(doc.contact.strip()),
        "front": front,
        # the front sheet is a section named by its first heading, when it has one
        "front_label": front[0].block.anchor if front and front[0].kind == "heading" else None,
        "blocks": body,
        "web": web,
        "contents": [h for h in (*doc.headings(), *doc.web) if isinstance(h, Heading) and h.level == 2],
        "scope": SCOPE_CLASS,
    }


def _context(doc: Document, templates_dir: Path, page: bool) -> dict:
    context = prepare(doc)
    content_css = templates_dir / CONTENT_STYLESHEET
    _check_scoped(content_css.read_text(encoding="utf-8"), content_css)
    context["content_stylesheet"] = _stylesheet(templates_dir, CONTENT_STYLESHEET)
    context["embed_style"] = not page  # the page has it in <head>; the fragment carries its own
    if page:
        context["page_stylesheet"] = _stylesheet(templates_dir, PAGE_STYLESHEET)
    return context


def render_html(doc: Document, templates_dir: Path | None = None) -> str:
    """The paper as one self-contained HTML page (CSS and charts inlined, nothing fetched)."""
    templates_dir = template_files.folder(templates_dir)
    context = _context(doc, templates_dir, page=True)
    return _environment(templates_dir).get_template(PAGE_TEMPLATE).render(context)


def render_fragment(doc: Document, templates_dir: Path | None = None) -> str:
    """The paper's content for a CMS: one <div class="cf-paper"> holding its scoped <style> and
    everything the page shows inside <main>; no html, head or body, nothing fetched."""
    templates_dir = template_files.folder(templates_dir)
    context = _context(doc, templates_dir, page=False)
    return _environment(templates_dir).get_template(FRAGMENT_TEMPLATE).render(context)


def _write(text: str, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_html(doc: Document, path: Path, templates_dir: Path | None = None) -> None:
    """Write the HTML edition as UTF-8 with Unix line endings (byte-identical for the same model)."""
    _write(render_html(doc, templates_dir), path)


def write_fragment(doc: Document, path: Path, templates_dir: Path | None = None) -> None:
    """Write the CMS fragment (commissioning-framework-<year>.fragment.html) beside the page."""
    _write(render_fragment(doc, templates_dir), path)
