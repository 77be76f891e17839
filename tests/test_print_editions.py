"""The 2024-25 paper as printed, in Word (laid out by LibreOffice) and as the PDF: what a Panel member
sees when turning the pages."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.paper import charts
from tests.readback import page_fill, pdf_page_sizes, pdf_pages_text, pdf_to_pngs
from tests.test_write_docx import to_pdf

pytestmark = pytest.mark.slow  # full builds, browsers or LibreOffice: left out of `invoke test --fast`

YEAR = "2024-25"
HALF = 0.5
EMU_PER_INCH = 914400
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


@pytest.fixture(scope="module")
def built(built_2024_25) -> Path:
    return built_2024_25.folder


@pytest.fixture(scope="module")
def pdf(built) -> Path:
    return built / f"commissioning-framework-{YEAR}.pdf"


@pytest.fixture(scope="module")
def word_pdf(built, tmp_path_factory) -> Path:
    """The Word edition as LibreOffice lays it out."""
    folder = tmp_path_factory.mktemp("word-pdf")
    to_pdf(built / f"commissioning-framework-{YEAR}.docx", folder)
    return folder / f"commissioning-framework-{YEAR}.pdf"


def short_pages(path: Path, folder: Path) -> list[tuple[int, float]]:
    """Pages less than half full that nothing but the layout explains: not the last page, not the
    front sheet, and not a page that ends where the orientation changes (portrait to landscape)."""
    sizes = pdf_page_sizes(path)
    landscape = [w > h for w, h in sizes]
    fills = [page_fill(png) for png in pdf_to_pngs(path, folder)]
    assert len(fills) == len(sizes)
    texts = pdf_pages_text(path)
    front = 0 if "Report to the" in texts[0] and "Contents" not in texts[0] else None
    return [(n + 1, round(fill, 2)) for n, fill in enumerate(fills)
            if fill < HALF and n != len(fills) - 1 and n != front and landscape[n] == landscape[n + 1]]


def test_no_pdf_page_is_left_less_than_half_full(pdf, tmp_path):
    assert short_pages(pdf, tmp_path) == []


def test_no_word_page_is_left_less_than_half_full(word_pdf, tmp_path):
    assert short_pages(word_pdf, tmp_path) == []


def test_pdf_contents_gives_real_page_numbers(pdf):
    pages = pdf_pages_text(pdf)
    contents = next(n for n, text in enumerate(pages) if re.search(r"^\s*Contents\s*$", text, re.M))
    entries = [(m.group(1), int(m.group(2))) for m in
               (re.match(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", line) for line in pages[contents].splitlines()) if m]
    assert len(entries) > 10
    numbers = [page for _, page in entries]
    assert numbers == sorted(numbers) and numbers[-1] <= len(pages)
    for heading, page in entries:
        lines = [" ".join(line.split()) for line in pages[page - 1].splitlines()]
        assert " ".join(heading.split()) in lines, (heading, page)
    # the Panel's paper keeps the charts' numbers to the web edition ([paper] print_chart_data = false)
    assert entries[-1][0] == "Additional information"
    assert not any(e[0].startswith("Appendix") for e in entries)
    # Every page carries its number and the count.
    for n, text in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in text


def test_charts_print_at_full_size_in_word(built):
    """No chart is shrunk to fit: each image is inserted at its own printed size (6.25 in wide),
    so its text prints at 9 pt; the tall timeline runs on over several images instead."""
    root = etree.fromstring(zipfile.ZipFile(built / f"commissioning-framework-{YEAR}.docx").read("word/document.xml"))
    extents = [(int(e.get("cx")), int(e.get("cy"))) for e in root.iter(f"{WP}extent")]
    # the printed paper carries the funding outlook and, with scenarios.toml, the scenarios chart;
    # the other charts are in the web edition only
    scenarios = 1 if (built / "charts" / "scenarios.png").exists() else 0
    assert len(extents) == 1 + scenarios
    half_page = 24.7 / 2.54 / 2 * EMU_PER_INCH  # half the A4 text height
    for cx, cy in extents:
        assert cx >= charts.FIGURE_WIDTH_IN * EMU_PER_INCH  # never smaller than drawn
        assert cy < half_page * 0.95  # with its caption, under half a page
    titles = [d.get("title") for d in root.iter(f"{WP}docPr")]
    assert titles[0] == "Figure 1: Funding outlook, 2024-25 to 2028-29" and len(titles) == 1 + scenarios
    if scenarios:
        assert titles[1].startswith("Figure 2: Funding each month of the services each scenario changes")


def test_pdf_ua_checker_finds_nothing_in_the_2024_25_edition(pdf):
    from pdfua import validate

    report = validate(str(pdf))
    assert [(f.rule_id, f.severity.name, f.message) for f in report.findings] == []


def _images_drawn(path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every image each page draws, from the content streams' transforms."""
    import pikepdf

    sizes = []
    with pikepdf.open(path) as doc:
        for page in doc.pages:
            xobjects = page.Resources.get("/XObject", {})
            ctm, stack = pikepdf.Matrix(), []
            for operands, op in pikepdf.parse_content_stream(page):
                name = str(op)
                if name == "q":
                    stack.append(ctm)
                elif name == "Q":
                    ctm = stack.pop()
                elif name == "cm":
                    ctm = pikepdf.Matrix(*[float(v) for v in operands]) @ ctm
                elif name == "Do" and xobjects.get(operands[0]) is not None \
                        and xobjects[operands[0]].get("/Subtype") == "/Image":
                    sizes.append((abs(ctm.a), abs(ctm.d)))
    return sizes


def test_charts_print_at_full_size_in_the_pdf(pdf, built):
    """As in Word: every chart image at its own printed width (6.25 in or more), under half a page tall."""
    drawn = _images_drawn(pdf)
    # the funding outlook and, with scenarios.toml, the scenarios chart; the others are web-only
    assert len(drawn) == 1 + (built / "charts" / "scenarios.png").exists()
    half_page = 24.7 / 2.54 / 2 * 72
    for width, height in drawn:
        assert width >= charts.FIGURE_WIDTH_IN * 72 - 0.5
        assert height < half_page * 0.95


def test_page_counts(pdf, word_pdf, capsys):
    pdf_pages, word_pages = len(pdf_page_sizes(pdf)), len(pdf_page_sizes(word_pdf))
    with capsys.disabled():
        print(f"\n{YEAR}: Word edition {word_pages} pages (LibreOffice), PDF edition {pdf_pages} pages")
    assert 2 <= pdf_pages <= 40 and 2 <= word_pages <= 40
