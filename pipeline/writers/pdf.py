"""The PDF edition for Panel agenda packs: the print layout as a Typst template, compiled by Typst.

Why Typst (the `typst` wheel): one self-contained package for Windows, macOS and Linux, needing no
library from the operating system, that writes a tagged PDF/UA-1 file (headings, lists, tables whose
data cells name their header cells, figures with their alt text, links; the running footer marked
as an artifact), embeds subsets of the fonts, makes bookmarks from the headings and fills in page
numbers itself (the contents, the cross-references, "Page X of Y"); and it does so in a fraction of
a second where an HTML-to-PDF engine took seconds.

The layout is the Word edition's (see print_layout): the front sheet on its own page, each chart
with a link to its numbers in the closing appendix, wide tables on landscape pages. It lives in
templates/print/paper.typ; this module only turns the model into the data that template lays out,
passed as JSON, so no string from the register is ever read as Typst markup. The fonts are the
project's own (templates/print/fonts), never the machine's, so every machine draws the same pages;
the same model gives the same bytes (the date comes from the model, never the clock).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import page
from ..paper.model import BulletList, Contents, Document, Figure, Heading, Paragraph, Run, Table
from ..template_files import TEMPLATES, template_file
from .. import template_files
from .print_layout import (ChartImage, DataLink, PrintBlock, PrintWords, clean, load_words, orientations,
                           print_edition, printed)
from .font_coverage import covered
from .typst_run import compile_pdf
from .table_widths import BODY, HEADING, NO_WRAP_KINDS, TOTAL, TableMetrics

log = logging.getLogger(__name__)

TEMPLATE = Path("print") / "paper.typ"
FONTS = Path("print") / "fonts"
PDF_STANDARD = "ua-1"

# Text widths in twips (1/1440 in) of the page paper.typ is given (pipeline/page.py).
PORTRAIT_TWIPS = page.twips(page.TEXT_WIDTH_CM)
LANDSCAPE_TWIPS = page.twips(page.TEXT_HEIGHT_CM)
# Table text sizes (pt) and left plus right cell padding (twips), as in paper.typ.
TABLE_SIZES = {BODY: 10.0, HEADING: 10.0, TOTAL: 10.0}
CELL_PADDING_TWIPS = 2 * 85


@dataclass(frozen=True)
class PrintData:
    """What the template lays out: the edition as JSON-ready data, and the folder its chart paths start from."""
    edition: dict
    images: tuple[Path, ...]  # every chart image, in the order the data names them


def print_data(doc: Document, templates_dir: Path | None = None, words: PrintWords | None = None) -> PrintData:
    """The print edition as plain data for templates/print/paper.typ (chart paths as given; see write_pdf)."""
    templates_dir = template_files.folder(templates_dir)
    words = words or load_words(templates_dir)
    metrics = TableMetrics(TABLE_SIZES, CELL_PADDING_TWIPS)
    metrics.share(b.data if isinstance(b, Figure) else b for b in printed((*doc.front, *doc.blocks))
                  if isinstance(b, (Table, Figure)))

    def too_wide(table: Table) -> bool:
        return metrics.too_wide(table, PORTRAIT_TWIPS)

    edition = print_edition(doc, words, too_wide)
    body = list(edition.body)
    anchors = {b.anchor for b in (*edition.front, *body) if isinstance(b, (Heading, Table))}
    anchors |= {b.figure.anchor for b in body if isinstance(b, ChartImage) and b.first}
    images: list[Path] = []
    known = _coverage(template_file(templates_dir, FONTS))
    view = _Viewer(metrics, anchors, images, known)

    def text(value: str) -> str:
        return _text(value, known)

    parts: list[dict] = []
    for block, wide in zip(body, orientations(body, too_wide)):
        item = view(block, LANDSCAPE_TWIPS if wide else PORTRAIT_TWIPS)
        if parts and parts[-1]["landscape"] == wide:
            parts[-1]["blocks"].append(item)
        else:
            parts.append({"landscape": wide, "blocks": [item]})
    when = doc.published or doc.date
    language, _, region = doc.language.partition("-")
    data = {
        # Metadata is not drawn: it keeps every character (only those XML cannot hold are left out).
        "meta": {"title": clean(doc.title), "author": clean(doc.author), "subject": clean(doc.subject),
                 "keywords": [clean(k) for k in doc.keywords], "lang": language.lower(),
                 "region": region.upper() or None, "date": [when.year, when.month, when.day]},
        "footer": _fields(words.page_x_of_y, known), "page_word": text(words.page),
        "front_title": text(edition.front_title), "front_subtitle": text(doc.subtitle) if edition.front_title else "",
        "front": [view(b, PORTRAIT_TWIPS) for b in edition.front],
        "parts": parts,
        "page": page.typst(),  # the page's size and margins, set by paper.typ
    }
    return PrintData(data, tuple(images))


# Printed for a character the shipped font cannot draw (an emoji, a Chinese name): PDF/UA-1 allows no
# character without a glyph, so Typst would refuse the whole edition. The Word and web editions keep it.
MISSING_MARK = "\u25a1"  # a white square, which Liberation Sans has


def _text(value: str, known: frozenset[int]) -> str:
    """A string of the model as the PDF can print it: XML-safe, every character one the font can draw."""
    value = clean(value)
    if value.isascii():
        return value
    return "".join(ch if ord(ch) in known or ch in "\t\n\r" else MISSING_MARK for ch in value)


@lru_cache(maxsize=4)
def _coverage(fonts: Path) -> frozenset[int]:
    """The characters every shipped face (regular, bold, italic, bold italic) can draw."""
    faces = [covered(p) for p in sorted(fonts.glob("*.[ot]tf"))] or [frozenset()]
    return frozenset.intersection(*faces)


def engine_problem() -> str | None:
    """Why the PDF edition cannot be drawn on this machine (the typst package is missing), in words the
    officer can act on; None when it can."""
    try:
        import typst  # noqa: F401  (one wheel with the whole engine in it)
    except ImportError as exc:
        return ("the PDF edition was not built: the typst package cannot be loaded on this machine "
                f"({str(exc).splitlines()[0][:120]}). Run `python bootstrap.py` again to install it, then "
                "invoke report again; the Word and HTML editions and the exports were built")
    return None


def write_pdf(doc: Document, path: Path, templates_dir: Path | None = None) -> None:
    """Write the PDF edition of `doc` to `path` (byte-identical for the same model and templates)."""
    import typst

    templates_dir = template_files.folder(templates_dir)
    template = template_file(templates_dir, TEMPLATE)
    fonts = template_file(templates_dir, FONTS)
    data = print_data(doc, templates_dir)
    with _image_root(data.images) as (root, names):
        for item in _charts(data.edition):
            item["src"] = names[item.pop("image")]
        source = template.read_bytes()
        try:
            pdf, warnings = compile_pdf(source, root, fonts, {"edition": json.dumps(data.edition, ensure_ascii=False)},
                                        PDF_STANDARD)
        except typst.TypstError as exc:
            raise RuntimeError(f"{template}: the PDF edition could not be laid out: {exc.message}"
                               + "".join(f"; {h}" for h in getattr(exc, "hints", []) or [])) from None
        except RuntimeError as exc:
            raise RuntimeError(f"{template}: {exc}") from None
    for warning in warnings:
        log.warning("PDF edition: %s", warning)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)


class _image_root:
    """The folder Typst may read the charts from, and each chart's path inside it ("/name.png").

    Typst reads files only under its root: the charts' common folder, or (charts on different
    drives) a temporary copy. The paths are relative to that folder, so the bytes do not depend on
    where the charts were drawn."""

    def __init__(self, images: tuple[Path, ...]):
        self.images = images
        self.tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> tuple[Path, dict[int, str]]:
        resolved = [Path(os.path.abspath(p)) for p in self.images]
        if not resolved:
            return TEMPLATES / "print", {}
        try:
            root = Path(os.path.commonpath([p.parent for p in resolved]))
            return root, {n: "/" + p.relative_to(root).as_posix() for n, p in enumerate(resolved)}
        except ValueError:
            self.tmp = tempfile.TemporaryDirectory(prefix="cf-pdf-")
            names = {}
            for n, p in enumerate(resolved):
                shutil.copyfile(p, Path(self.tmp.name) / f"chart-{n}.png")
                names[n] = f"/chart-{n}.png"
            return Path(self.tmp.name), names

    def __exit__(self, *exc) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


def _charts(edition: dict):
    for part in edition["parts"]:
        for item in part["blocks"]:
            if item["k"] == "chart":
                yield item


_FIELD = re.compile(r"\{(page|pages)\}")


def _fields(text: str, known: frozenset[int]) -> list[dict]:
    """'Page {page} of {pages}' as pieces the template fills in: text, the page number, the page count."""
    out = []
    for n, piece in enumerate(_FIELD.split(text)):
        if n % 2:
            out.append({"field": piece, "text": ""})
        elif piece:
            out.append({"field": None, "text": _text(piece.replace("\n", " "), known)})
    return out


class _Viewer:
    """Each print block as the template's data, and the chart images collected. The model is not checked
    again: paper.check did that when it was composed."""

    def __init__(self, metrics: TableMetrics, anchors: set[str], images: list[Path], known: frozenset[int]):
        self.metrics, self.anchors, self.images, self.known = metrics, anchors, images, known
        self.level = 1  # the level of the last heading tagged (a paper may start at its sections)

    def __call__(self, block: PrintBlock, text_width: int) -> dict:
        if isinstance(block, Heading):
            # PDF/UA: tagged heading levels never skip (H2 then H4); a skipped level is tagged one
            # below the heading before it, and still looks like the level the paper gives it.
            look = max(1, min(block.level, 6))
            level = min(look, self.level + 1)
            self.level = level
            return {"k": "heading", "level": level, "look": look, "text": self.text(block.text), "anchor": block.anchor}
        if isinstance(block, Paragraph):
            return {"k": "p", "role": block.role, "runs": self.runs(block.runs)}
        if isinstance(block, BulletList):
            return {"k": "list", "ordered": block.ordered, "items": [self.runs(item) for item in block.items]}
        if isinstance(block, Table):
            widths = self.metrics.column_widths(block, text_width)
            return {"k": "table", "anchor": block.anchor, "caption": self.text(block.caption),
                    "widths": [max(1, w) for w in widths], "row_header": block.row_header,
                    "columns": [{"title": self.text(c.title), "right": c.align == "right", "nowrap": c.kind in NO_WRAP_KINDS}
                                for c in block.columns],
                    "rows": [[self.text(cell) for cell in row] for row in block.rows],
                    "totals": [[self.text(cell) for cell in row] for row in block.totals]}
        if isinstance(block, ChartImage):
            if not Path(block.png).is_file():
                raise FileNotFoundError(f"figure {block.figure.anchor!r}: the chart image {block.png} does not exist; "
                                        "draw the charts before writing the PDF")
            self.images.append(Path(block.png))
            return {"k": "chart", "image": len(self.images) - 1, "alt": clean(block.alt),
                    "caption": self.text(block.caption), "anchor": block.figure.anchor if block.first else None}
        if isinstance(block, DataLink):
            return {"k": "link", "text": self.text(block.text), "anchor": block.anchor}
        if isinstance(block, Contents):
            return {"k": "contents", "title": self.text(block.title)}
        raise TypeError(f"the PDF writer does not know how to lay out {type(block).__name__}")

    def text(self, value: str) -> str:
        return _text(value, self.known)

    def runs(self, runs: tuple[Run, ...]) -> list[dict]:
        out = []
        for run in runs:
            url = anchor = None
            if run.href is not None:
                href = re.sub(r"[\x00-\x20]", "", run.href)
                if href.startswith("#"):
                    # A place in the paper that is not there (Typst would refuse the document) reads as text.
                    anchor = href[1:] if href[1:] in self.anchors else None
                else:
                    url = href
            out.append({"t": self.text(run.text), "b": run.bold, "i": run.italic, "url": url, "anchor": anchor})
        return out
