"""One page for every print edition and the charts: pipeline/page.py's size and margins are those of the
Word edition's reference document and of the PDF edition, and the charts are drawn to fit them."""

from __future__ import annotations

import docx
import pytest

from pipeline import page
from pipeline.paper import charts
from pipeline.paper.compose import TEMPLATES
from pipeline.writers.pdf import LANDSCAPE_TWIPS, PORTRAIT_TWIPS, write_pdf
from tests.readback import pdf_page_sizes
from tests.test_write_docx import sample_document

POINTS_PER_CM = 72 / 2.54


def test_the_word_edition_is_set_up_on_the_page():
    # templates/reference.docx is made by python -m pipeline.writers.reference_docx: it must agree with page.py.
    section = docx.Document(str(TEMPLATES / "reference.docx")).sections[0]
    # Word keeps lengths in twips: to the nearest twip (0.002 cm) of page.py's.
    assert section.page_width.cm == pytest.approx(page.WIDTH_CM, abs=0.002)
    assert section.page_height.cm == pytest.approx(page.HEIGHT_CM, abs=0.002)
    for margin in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin):
        assert margin.cm == pytest.approx(page.MARGIN_CM, abs=0.002)


def test_the_pdf_edition_takes_its_size_and_margins_from_the_page(tmp_path, monkeypatch):
    doc = sample_document(tmp_path)
    write_pdf(doc, tmp_path / "paper.pdf")
    for width, height in pdf_page_sizes(tmp_path / "paper.pdf"):
        assert sorted((width, height)) == [pytest.approx(page.WIDTH_CM * POINTS_PER_CM, abs=0.01),
                                           pytest.approx(page.HEIGHT_CM * POINTS_PER_CM, abs=0.01)]
    # The template has no margin of its own: other margins give another layout.
    monkeypatch.setattr(page, "MARGIN_CM", page.MARGIN_CM + 1)
    write_pdf(doc, tmp_path / "wider-margins.pdf")
    assert (tmp_path / "wider-margins.pdf").read_bytes() != (tmp_path / "paper.pdf").read_bytes()


def test_text_widths_and_charts_fit_the_page():
    assert PORTRAIT_TWIPS == round(page.TEXT_WIDTH_IN * 1440) == 9071
    assert LANDSCAPE_TWIPS == round(page.TEXT_HEIGHT_IN * 1440)
    assert page.TEXT_WIDTH_IN - 0.25 < charts.FIGURE_WIDTH_IN <= page.TEXT_WIDTH_IN
    assert charts.FIGURE_WIDTH_IN == 6.25  # what every published chart is drawn at
    assert charts.PRINT_MAX_HEIGHT_IN < page.TEXT_HEIGHT_IN / 2  # a chart and its caption take at most half a page
