"""Read the built editions back as text, the way a reader meets them."""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_paragraphs(path: Path) -> list[str]:
    """Every paragraph of the Word body (table cells included), as plain text."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    return ["".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p")]


def docx_table_rows(path: Path) -> list[list[str]]:
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    rows = []
    for tr in root.iter(f"{_W}tr"):
        rows.append(["".join(t.text or "" for t in tc.iter(f"{_W}t")) for tc in tr.iter(f"{_W}tc")])
    return rows


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "tr":
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag in ("p", "li", "h1", "h2", "h3", "h4", "caption", "figcaption", "td", "th", "br", "div", "summary"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._skip:
            return
        self.parts.append(data)
        if self._cell is not None:
            self._cell.append(data)


def html_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"[ \t]+", " ", "".join(p.parts))


def html_table_rows(path: Path) -> list[list[str]]:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p.rows


# --- PDF ---

def _tool(name: str) -> str:
    import shutil

    import pytest

    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; CI needs it (apt-get install -y --no-install-recommends poppler-utils)")
    return found


def pdf_pages_text(path: Path, layout: bool = True) -> list[str]:
    """The text of each page as poppler lays it out (one string a page)."""
    import subprocess

    flags = ["-layout"] if layout else []
    text = subprocess.run([_tool("pdftotext"), *flags, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_page_sizes(path: Path) -> list[tuple[float, float]]:
    """(width, height) of each page in points."""
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(str(path)).pages]


def pdf_to_pngs(path: Path, folder: Path, dpi: int = 30) -> list[Path]:
    """Each page as a grey PNG (for measuring how full the pages are)."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    subprocess.run([_tool("pdftoppm"), "-gray", "-png", "-r", str(dpi), str(path), str(folder / "page")],
                   check=True, capture_output=True)
    return sorted(folder.glob("page-*.png"))


def page_fill(png: Path, margin_cm: float = 2.5) -> float:
    """How far down the text area of a page its content reaches, from 0 (empty) to 1 (full).
    The footer, in the bottom margin, is not counted."""
    from PIL import Image

    with Image.open(png) as im:
        grey = im.convert("L")
        width, height = grey.size
        long_side_cm = 29.7 if height >= width else 21.0
        margin = round(height * margin_cm / long_side_cm)
        box = grey.crop((0, margin, width, height - margin)).point(lambda v: 255 if v < 200 else 0)
        ink = box.getbbox()  # the box around every dark pixel
    return ink[3] / box.height if ink else 0.0
