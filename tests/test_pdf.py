"""The PDF edition (Typst): what a Panel member and their screen reader get from the agenda pack's PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from pipeline.paper.check import checked
from pipeline.paper.model import BulletList, Column, Document, Figure, Heading, Paragraph, Run, Table
from pipeline.writers.pdf import print_data, write_pdf
from tests.readback import _tool, pdf_page_sizes, pdf_pages_text
from tests.test_write_docx import FRONT, HOSTILE, SERVICES, chart_png, sample_document

A4 = (595.3, 841.9)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Document, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    doc = sample_document(folder)
    path = folder / "framework.pdf"
    write_pdf(doc, path)
    return doc, path


@pytest.fixture(scope="module")
def pages(built) -> list[str]:
    return pdf_pages_text(built[1])


@pytest.fixture(scope="module")
def reader(built) -> PdfReader:
    return PdfReader(str(built[1]))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _structure(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element of the tag tree, in reading order."""
    out: list[DictionaryObject] = []

    def walk(node) -> None:
        node = node.get_object() if isinstance(node, IndirectObject) else node
        if not isinstance(node, DictionaryObject):
            return
        if node.get("/Type") == "/StructElem":
            out.append(node)
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return out


# --- pages and text ---

def test_front_sheet_is_page_one_and_the_paper_starts_on_page_two(pages):
    first = _one_line(pages[0])
    # The sheet names the paper it fronts, then gives the meeting's details and the summary.
    assert first.startswith("OPCC Commissioning Framework 2024-25 Police and Crime Panel, 18 September 2024 "
                            "Report to the Police and Crime Panel")
    for text in ("Meeting Police and Crime Panel", "Agenda item 7",
                 "Recommendation The Panel is asked to note the commissioning framework.",
                 "External funding ends: £1,460,412 on 27 lines."):
        assert text in first, text
    assert "Contents" not in first and "1. Purpose of the report" not in first
    assert _one_line(pages[1]).startswith("OPCC Commissioning Framework 2024-25")


def test_every_page_has_a_page_x_of_y_footer(pages):
    for n, text in enumerate(pages, 1):
        assert text.rstrip().endswith(f"Page {n} of {len(pages)}"), n


def test_contents_gives_the_page_each_section_starts_on(pages, built):
    doc = built[0]
    entries = {}
    for line in pages[1].splitlines():
        match = re.match(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
        if match:
            entries[match.group(1)] = int(match.group(2))
    wanted = [h.text for h in doc.headings() if 2 <= h.level <= 4]
    assert list(entries) == [*wanted, "Appendix: the numbers behind the charts"]
    for heading, page in entries.items():
        assert 2 <= page <= len(pages)
        assert heading in [l.strip() for l in pages[page - 1].splitlines()], (heading, page)
    assert entries["2. Commissioned services"] < entries["3. Spend by priority"]


def test_text_reads_literally(pages):
    text = _one_line(" ".join(pages))
    for expected in ("<script>alert(1)</script> {{ 7*7 }}", "Funding beyond March 2025 is not confirmed.",
                     "£820,000", "Service 40", "Victims Code"):
        assert expected in text, expected


def test_wide_table_is_on_landscape_pages(built, pages):
    sizes = pdf_page_sizes(built[1])
    portrait = [(w, h) == pytest.approx(A4, abs=1) for w, h in sizes]
    landscape = [(h, w) == pytest.approx(A4, abs=1) for w, h in sizes]
    assert all(p or l for p, l in zip(portrait, landscape))
    assert portrait[:2] == [True, True]
    wide = [n for n, text in enumerate(pages) if "Service 40" in text or SERVICES.caption in text]
    assert wide and all(landscape[n] for n in wide)
    # The section heading that leads into the wide table moves to the landscape page with it.
    assert "2. Commissioned services" in pages[wide[0]]


def test_chart_links_to_its_numbers_in_the_appendix(pages):
    chart = next(n for n, text in enumerate(pages) if "Figure 1: Spend by priority 2024-25" in text)
    match = re.search(r"The numbers behind this chart are in the appendix \(page (\d+)\)", _one_line(pages[chart]))
    assert match
    target = int(match.group(1))
    assert target >= chart + 1
    appendix = _one_line(pages[target - 1])
    assert "Data for Figure 1" in appendix
    assert appendix.index("Data for Figure 1") < appendix.index("Victims £2,100,000")
    assert "Appendix: the numbers behind the charts" in _one_line(" ".join(pages[target - 2:target]))


# --- accessibility: PDF/UA-1 ---

def test_tagged_pdf_ua_with_title_and_language(reader):
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a PDF boolean)
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == "OPCC Commissioning Framework 2024-25"
    assert reader.metadata.author == "Office of the Police and Crime Commissioner"
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r'pdfuaid:part(="1"|>1<)', xmp) and "OPCC Commissioning Framework 2024-25" in xmp


def test_tags_carry_headings_lists_tables_and_figures(reader, built):
    kinds = [e["/S"] for e in _structure(reader)]
    levels = [h.level for h in built[0].headings()]
    assert kinds.count("/H1") == levels.count(1) == 1  # the front sheet's title is text, not a second H1
    assert kinds.count("/H2") == levels.count(2) + 2  # and the contents' and the appendix's titles
    # PDF/UA forbids a skipped level: the sample's H4 straight after an H2 is tagged H3.
    assert (kinds.count("/H3"), kinds.count("/H4")) == (levels.count(3) + levels.count(4), 0)
    assert kinds.index("/H1") < kinds.index("/H2")
    for kind in ("/L", "/LI", "/Table", "/TR", "/TH", "/TD", "/Caption", "/Link", "/P"):
        assert kind in kinds, kind
    (figure,) = [e for e in _structure(reader) if e["/S"] == "/Figure"]
    assert figure["/Alt"] == next(b for b in built[0].blocks if isinstance(b, Figure)).alt


def test_bookmarks_follow_the_headings(reader, built):
    titles = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    wanted = [h.text for h in built[0].headings()]
    assert [t for t in titles if t != "Contents"] == [*wanted, "Appendix: the numbers behind the charts"]


def test_fonts_are_embedded(built):
    reader = PdfReader(str(built[1]))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    # The project's own Liberation Sans (templates/print/fonts), regular and bold, never a system font.
    assert all("LiberationSans" in name for name in fonts), fonts
    assert any("Bold" in name for name in fonts) and any("Bold" not in name for name in fonts), fonts
    # poppler agrees: every font embedded
    import subprocess

    listing = subprocess.run([_tool("pdffonts"), str(built[1])], capture_output=True, text=True, check=True).stdout
    rows = [l.split() for l in listing.splitlines()[2:] if l.strip()]
    assert rows and all(r[-5] == "yes" for r in rows), listing


# --- reproducible and safe ---

def test_same_model_gives_the_same_bytes_wherever_the_charts_are(built, tmp_path):
    doc, first = built
    elsewhere = tmp_path / "moved"
    elsewhere.mkdir()
    figure = next(b for b in doc.blocks if isinstance(b, Figure))
    png = Path(shutil.copy(figure.png, elsewhere / figure.png.name))
    moved = Document(**{**doc.__dict__, "blocks": tuple(
        Figure(**{**b.__dict__, "png": png}) if b is figure else b for b in doc.blocks)})
    again = tmp_path / "again.pdf"
    write_pdf(moved, again)
    assert again.read_bytes() == first.read_bytes()


def test_no_date_from_the_clock(built):
    meta = PdfReader(str(built[1])).metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20240918000000Z"


def test_chart_printed_in_parts_runs_on(tmp_path):
    png = chart_png(tmp_path)
    for n in (1, 2, 3):
        shutil.copy(png, tmp_path / f"spend.print-{n}.png")
    data = Table("figure-3-data", "Data for Figure 3", (Column("A"),), (("a",),))
    figure = Figure("figure-3", "Figure 3: Timeline", "Most agreements end in March 2025.",
                    tmp_path / "spend.svg", png, data)
    doc = Document("T", "", "OPCC", "S", sample_document(tmp_path).date, (Heading(1, "T", "t"), figure))
    path = tmp_path / "parts.pdf"
    write_pdf(doc, path)
    figures = [e for e in _structure(PdfReader(str(path))) if e["/S"] == "/Figure"]
    assert [f["/Alt"] for f in figures] == [figure.alt, *["Figure 3: Timeline (continued)"] * 2]


def test_bad_input_is_refused_with_a_clear_message(tmp_path):
    bad = Table("t-bad", "Bad", (Column("A"), Column("B")), (("only one",),))
    doc = Document("T", "", "OPCC", "S", sample_document(tmp_path).date, (Heading(1, "T", "t"), bad))
    with pytest.raises(ValueError, match="table 't-bad': row 1 has 1 cells but the table has 2 columns"):
        checked(doc)  # once, when the paper is composed: the writers trust the model
    missing = Figure("f", "F", "alt", tmp_path / "none.svg", tmp_path / "none.png",
                     Table("d", "D", (Column("A"),), ()))
    doc = Document("T", "", "OPCC", "S", sample_document(tmp_path).date, (missing,))
    with pytest.raises(FileNotFoundError, match="draw the charts before writing the PDF"):
        write_pdf(doc, tmp_path / "missing.pdf")


TYPST = '#read("/etc/passwd") $x^2$ *bold* _em_ <label> @ref `raw` \\ [x] // c /* c */ = h ~'


def test_register_text_is_never_read_as_typst_markup(tmp_path):
    """Every string of the model reaches Typst as data: markup in a project's name prints as written."""
    table = Table("t-typst", "Caption " + TYPST, (Column("Name " + TYPST),), ((TYPST,),), (("Total " + TYPST,),))
    doc = Document("Title " + TYPST, "", "OPCC", "S", sample_document(tmp_path).date,
                   (Heading(1, "Heading " + TYPST, "t"), Paragraph((Run("Para " + TYPST, bold=True),)),
                    BulletList(((Run("Item " + TYPST),),)), table))
    path = tmp_path / "typst.pdf"
    write_pdf(doc, path)
    text = _one_line(" ".join(pdf_pages_text(path, layout=False)))
    for where in ("Heading", "Para", "Item", "Caption", "Name", "Total"):
        assert f"{where} {TYPST}" in text, where
    assert TYPST in text.replace(f"Para {TYPST}", "")
    assert PdfReader(str(path)).metadata.title == "Title " + TYPST
    assert "root:" not in text  # no file was read


def test_characters_a_pdf_cannot_hold_are_left_out(built, pages):
    text = _one_line(" ".join(pages))
    assert "<script>alert(1)</script> {{ 7*7 }}" in text and "\x07" not in text and HOSTILE not in text


def test_every_data_cell_names_its_column_header(reader):
    """The association a screen reader announces: each TD lists the IDs of the TH cells over it."""
    elements = _structure(reader)
    ids = {str(e["/ID"]) for e in elements if e["/S"] == "/TH" and "/ID" in e}
    cells = [e for e in elements if e["/S"] == "/TD"]
    assert ids and cells
    for cell in cells:
        attributes = cell["/A"] if isinstance(cell["/A"], list) else [cell["/A"]]
        headers = [h for a in attributes if a.get_object().get("/O") == "/Table"
                   for h in a.get_object().get("/Headers", [])]
        assert headers and all(str(h) in ids for h in headers)


def test_pdf_ua_checker_finds_nothing(built):
    from pdfua import validate

    report = validate(str(built[1]))
    assert [(f.rule_id, f.message) for f in report.findings] == []


def test_running_footer_is_an_artifact(built):
    """"Page X of Y" is pagination, not content: marked so a screen reader skips it on every page."""
    import pikepdf

    with pikepdf.open(built[1]) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            stack, footer_text = [], 0
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) in ("BDC", "BMC"):
                    props = operands[1] if str(op) == "BDC" and len(operands) > 1 else None
                    stack.append(props if str(operands[0]) == "/Artifact" else None)
                elif str(op) == "EMC":
                    stack.pop()
                elif str(op) in ("Tj", "TJ") and any(
                        isinstance(p, pikepdf.Dictionary) and p.get("/Type") == "/Pagination" for p in stack):
                    footer_text += 1
            assert footer_text, f"page {n}: no footer text marked as a pagination artifact"


def _widths(doc: Document) -> list[list[int]]:
    data = print_data(doc).edition
    return [b["widths"] for part in data["parts"] for b in part["blocks"] if b["k"] == "table"]


def test_tables_of_the_same_kind_share_column_widths(tmp_path):
    columns = (Column("Project", width=2.0), Column("Provider"), Column("Ends", kind="date"),
               Column("Spend", align="right", kind="money"))
    short = Table("t-a", "Category a", columns, (("Victim First", "Catch 22", "31/03/2029", "£500,000"),))
    long = Table("t-b", "Category b", columns, (
        ("Neighbourhood Watch Co-ordinator", "Leicestershire Neighbourhood Watch Association",
         "31/10/2024 (overdue)", "£1,234,567"),))
    doc = Document("T", "", "OPCC", "S", sample_document(tmp_path).date, (Heading(1, "T", "t"), short, long))
    grids = _widths(doc)
    assert len(grids) == 2 and grids[0] == grids[1]
    alone = _widths(Document("T", "", "OPCC", "S", doc.date, (Heading(1, "T", "t"), short)))
    assert alone[0] != grids[0]  # sized by the longer one


def test_same_pages_without_the_machine_fonts(built, tmp_path):
    """The fonts come from the project, not the machine: a build that can see no system font at all
    (as on a Windows PC without Liberation Sans) gives the same bytes."""
    import subprocess
    import sys

    out = tmp_path / "isolated.pdf"
    script = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
              "from tests.test_write_docx import sample_document; from pipeline.writers.pdf import write_pdf;"
              "write_pdf(sample_document(Path(sys.argv[2])), Path(sys.argv[3]))")
    root = Path(__file__).resolve().parent.parent
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FONTCONFIG_FILE": "/dev/null", "MPLBACKEND": "Agg",
           "XDG_DATA_HOME": str(tmp_path), "XDG_DATA_DIRS": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(root), str(tmp_path), str(out)], env=env, check=True,
                   capture_output=True)
    assert out.read_bytes() == built[1].read_bytes()


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "file:///etc/passwd", "data:text/html,x",
                                  "relative/page.html"])
def test_a_link_that_is_not_a_web_address_or_a_place_in_the_paper_is_refused(tmp_path, href):
    doc = Document("T", "", "OPCC", "S", sample_document(tmp_path).date,
                   (Heading(1, "T", "t"), Paragraph((Run("click", href=href),))))
    with pytest.raises(ValueError, match="a link in the paper must start with http:, https:"):
        checked(doc)  # once, when the paper is composed: the writers trust the model


def test_without_the_typst_package_the_officer_is_told_what_to_do(monkeypatch):
    import sys

    from pipeline.writers.pdf import engine_problem

    assert engine_problem() is None
    monkeypatch.setitem(sys.modules, "typst", None)  # as on a machine the wheel does not install on
    problem = engine_problem()
    assert problem.startswith("the PDF edition was not built: the typst package cannot be loaded")
    assert "python bootstrap.py" in problem and "Word and HTML editions" in problem


def test_a_character_the_font_cannot_draw_never_stops_the_edition(tmp_path):
    """PDF/UA-1 allows no character without a glyph; an emoji or a Chinese name in the register prints as
    a marked gap in the PDF (the Word and web editions keep it) instead of the edition failing."""
    from pipeline.writers.pdf import MISSING_MARK

    doc = Document("Title 😀", "", "OPCC", "S", sample_document(tmp_path).date,
                   (Heading(1, "Heading 中文", "t"), Paragraph((Run("Project 😀, Welsh ŵŷ, £5 €6"),)),
                    Table("t", "Caption مرحبا", (Column("Name"),), (("Provider 😀",),))))
    path = tmp_path / "glyphs.pdf"
    write_pdf(doc, path)
    text = _one_line(" ".join(pdf_pages_text(path, layout=False)))
    assert f"Heading {MISSING_MARK * 2}" in text and f"Project {MISSING_MARK}, Welsh ŵŷ, £5 €6" in text
    assert f"Provider {MISSING_MARK}" in text
    assert PdfReader(str(path)).metadata.title == "Title 😀"  # metadata is not drawn: kept as written


def _write_in_child(doc, path) -> None:
    write_pdf(doc, path)


def test_a_process_forked_after_typst_ran_here_still_writes_the_pdf(built, tmp_path):
    """Typst's threads do not survive a fork: the build forks its stages, so a PDF stage forked from a
    process that has compiled before (a test session, a preview) compiles in a fresh interpreter
    instead of waiting for ever, and writes the same bytes."""
    import multiprocessing

    doc, first = built  # compiled in this process already
    child = multiprocessing.get_context("fork").Process(target=_write_in_child, args=(doc, tmp_path / "child.pdf"))
    child.start()
    child.join(timeout=180)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked PDF stage hung")
    assert child.exitcode == 0
    assert (tmp_path / "child.pdf").read_bytes() == first.read_bytes()
