"""The Word edition: what a Police and Crime Panel member relies on when reading it in Word."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import docx
import matplotlib
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pipeline.paper.model import (BulletList, Column, Contents, Document, Figure, Heading,  # noqa: E402
                            Paragraph, Run, Table)
from pipeline.writers.reference_docx import make_reference  # noqa: E402
from pipeline.writers.docx import (DEFAULT_REFERENCE, STYLE_NAMES, bookmark_name,  # noqa: E402
                                 write_docx)

HOSTILE = "<script>alert(1)</script> {{ 7*7 }} \x07 & \ud800 \uffff"
HOSTILE_SHOWN = "<script>alert(1)</script> {{ 7*7 }}  &  "  # as it must read in Word
EDITION = date(2024, 9, 18)
LONG_ANCHOR = "1-long-term-committed-activity-and-more-words-than-forty-chars"
W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
     "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
     "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}

SERVICES = Table(
    anchor="table-1",
    caption="Table 1: Commissioned services and grants 2024-25",
    columns=(Column("Service", width=2.0), Column("Provider", width=1.5), Column("Priority"),
             Column("End date", kind="date"), Column("2024-25", align="right", kind="money")),
    rows=tuple((f"Service {i}", "Catch 22", "Victims", "31/03/2028", f"£{i * 1000:,}")
               for i in range(1, 41)),
    totals=(("TOTAL", "", "", "", "£820,000"),),
    wide=True,
)


def chart_png(folder: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.bar(["Victims", "Prevention", "Partnerships"], [2.1, 1.3, 0.9])
    path = folder / "spend.png"
    fig.savefig(path)
    plt.close(fig)
    return path


FRONT = (
    Table("table-front-sheet", "Report to the Police and Crime Panel",
          (Column("Item", width=1.2), Column("Detail", width=4.0)),
          (("Meeting", "Police and Crime Panel"), ("Date of meeting", "18 September 2024"),
           ("Agenda item", "7"), ("Report of", "Police and Crime Commissioner"),
           ("Purpose of the report", "To set out the services and grants the Commissioner funds."),
           ("Recommendation", "The Panel is asked to note the commissioning framework.")),
          row_header=True),
    Paragraph((Run("Summary.", bold=True), Run(" This paper covers 64 lines worth £6,674,237."))),
    BulletList(((Run("Decisions due in 2024-25:", bold=True), Run(" 23.")),
                (Run("External funding ends:", bold=True), Run(" £1,460,412 on 27 lines.")))),
)


def sample_document(folder: Path) -> Document:
    figure_data = Table("figure-1-data", "Data for Figure 1",
                        (Column("Priority"), Column("Spend", align="right", kind="money")),
                        (("Victims", "£2,100,000"), ("Prevention", "£1,300,000"),
                         ("Partnerships", "£900,000")))
    return Document(
        title="OPCC Commissioning Framework 2024-25",
        subtitle="Police and Crime Panel, 18 September 2024",
        author="Office of the Police and Crime Commissioner",
        subject="Commissioned services and grants",
        date=EDITION,
        keywords=("commissioning", "grants", "victims"),
        front=FRONT,
        blocks=(
            Heading(1, "OPCC Commissioning Framework 2024-25", "title"),
            Contents(),
            Heading(2, "1. Purpose of the report", "purpose"),
            Paragraph((Run("An overview of commissioned and grant activity."),), role="lead"),
            Paragraph((Run("Commissioning takes "), Run("two major strands", bold=True),
                       Run(", shown in "), Run("Table 1", href="#table-1"), Run(" ("),
                       Run("Victims Code", href="https://www.gov.uk/victims-code"),
                       Run("). "), Run("Figures are provisional.", italic=True))),
            BulletList(((Run("Victim services"),), (Run("Prevention"),))),
            BulletList(((Run("Review"),), (Run("Recommission"),)), ordered=True),
            BulletList(((Run("Consult"),), (Run("Decide"),)), ordered=True),
            Paragraph((Run(HOSTILE),), role="note"),
            Paragraph((Run("Funding beyond March 2025 is not confirmed."),), role="warning"),
            Heading(3, "1.1 Long term committed activity", LONG_ANCHOR),
            Paragraph((Run("See "), Run("the long-term list", href="#" + LONG_ANCHOR), Run("."))),
            Heading(2, "2. Commissioned services", "services"),
            SERVICES,
            Heading(2, "3. Spend by priority", "spend"),
            Figure("figure-1", "Figure 1: Spend by priority 2024-25",
                   "Victim services take the largest share: £2.1m of £4.3m.",
                   folder / "spend.svg", chart_png(folder), figure_data),
            Heading(4, "3.1.1 Sources", "sources"),
            Paragraph((Run("Back to "), Run("the purpose", href="#purpose"), Run("."))),
        ),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, Path]:
    folder = tmp_path_factory.mktemp("docx")
    doc = sample_document(folder)
    path = folder / "framework.docx"
    write_docx(doc, path)
    return doc, path


@pytest.fixture(scope="module")
def word(built: tuple[Document, Path]) -> docx.document.Document:
    return docx.Document(str(built[1]))


def part_xml(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def paragraph_styles(word: docx.document.Document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in word.paragraphs]


# --- structure and navigation ---

def test_headings_use_title_and_real_heading_styles(word):
    styles = dict((text, style) for style, text in paragraph_styles(word))
    assert styles["OPCC Commissioning Framework 2024-25"] == "Title"
    assert styles["Police and Crime Panel, 18 September 2024"] == "Subtitle"
    assert styles["1. Purpose of the report"] == "Heading 1"
    assert styles["1.1 Long term committed activity"] == "Heading 2"
    assert styles["3.1.1 Sources"] == "Heading 3"
    # Built-in heading styles carry outline levels: that is what the navigation pane lists.
    assert word.styles["Heading 1"].element.xpath("./w:pPr/w:outlineLvl/@w:val") == ["0"]


def test_bookmark_names_follow_words_rules():
    for anchor in ("purpose", "1-intro", LONG_ANCHOR, "spend £ by année", "", "_x"):
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", bookmark_name(anchor)), anchor


def test_internal_links_point_at_heading_bookmarks(built):
    body = part_xml(built[1], "word/document.xml")
    bookmarks = set(body.xpath("//w:bookmarkStart/@w:name", namespaces=W))
    assert {bookmark_name("purpose"), bookmark_name(LONG_ANCHOR), "table_1"} <= bookmarks
    anchors = body.xpath("//w:hyperlink/@w:anchor", namespaces=W)
    assert bookmark_name(LONG_ANCHOR) in anchors and "table_1" in anchors
    assert set(anchors) <= bookmarks  # no link leads nowhere
    ids = body.xpath("//w:bookmarkStart/@w:id", namespaces=W)
    assert len(ids) == len(set(ids)) == len(body.xpath("//w:bookmarkEnd", namespaces=W))


def test_external_links_are_real_hyperlinks(word):
    links = word.element.body.xpath("//w:hyperlink[@r:id]")
    assert len(links) == 1
    rel = word.part.rels[links[0].get(qn("r:id"))]
    assert rel.is_external and rel.target_ref == "https://www.gov.uk/victims-code"
    assert links[0].xpath("string(.)") == "Victims Code"
    assert links[0].xpath("./w:r/w:rPr/w:rStyle/@w:val") == [word.styles["Hyperlink"].style_id]


def test_contents_is_a_toc_field_word_updates_on_open(built, word):
    body = part_xml(built[1], "word/document.xml")
    instructions = [t.strip() for t in body.xpath("//w:instrText/text()", namespaces=W)]
    assert 'TOC \\o "1-3" \\h \\z \\u' in instructions
    kinds = body.xpath("//w:fldChar/@w:fldCharType", namespaces=W)
    assert kinds.count("begin") == kinds.count("separate") == kinds.count("end")
    settings = part_xml(built[1], "word/settings.xml")
    assert settings.xpath("//w:updateFields/@w:val", namespaces=W) == ["true"]
    # Until Word rebuilds it, the field shows the sections (LibreOffice's PDF keeps this),
    # the appendix of chart data included.
    entries = [(s.upper(), t) for s, t in paragraph_styles(word) if s.upper().startswith("TOC ")]
    assert ("TOC 2", "1.1 Long term committed activity") in entries
    assert entries[-1] == ("TOC 1", "Appendix: the numbers behind the charts")


def test_every_section_has_page_x_of_y_footer(word):
    assert len(word.sections) == 3  # portrait, landscape (wide table), portrait
    for section in word.sections:
        footer = section.footer
        instructions = " ".join(footer._element.xpath(".//w:instrText/text()"))
        assert "PAGE" in instructions and "NUMPAGES" in instructions
        assert footer.paragraphs[0].text.startswith("Page ")
    # Later sections have no footer of their own: they are "same as previous".
    assert [s.footer.is_linked_to_previous for s in word.sections] == [False, True, True]


# --- metadata ---

def test_core_properties_come_from_the_model(word):
    props = word.core_properties
    assert props.title == "OPCC Commissioning Framework 2024-25"
    assert props.subject == "Commissioned services and grants"
    assert props.author == props.last_modified_by == "Office of the Police and Crime Commissioner"
    assert props.language == "en-GB"
    assert props.keywords == "commissioning; grants; victims"
    midnight = datetime(2024, 9, 18, tzinfo=timezone.utc)
    assert props.created == props.modified == props.last_printed == midnight
    assert props.revision == 1


def test_default_language_is_british_english(built):
    styles = part_xml(built[1], "word/styles.xml")
    assert styles.xpath("//w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val", namespaces=W) == ["en-GB"]


# --- tables ---

def services_table(word):
    return next(t for t in word.tables if t.rows[0].cells[0].text == "Service")


def test_table_header_repeats_and_rows_do_not_split(word):
    rows = services_table(word)._tbl.tr_lst
    assert rows[0].xpath("./w:trPr/w:tblHeader")
    assert not any(r.xpath("./w:trPr/w:tblHeader") for r in rows[1:])
    assert all(r.xpath("./w:trPr/w:cantSplit") for r in rows)


def test_money_column_is_right_aligned_and_widths_follow_the_model(word):
    table = services_table(word)
    for row in table.rows:
        money, service = row.cells[4].paragraphs[0], row.cells[0].paragraphs[0]
        assert money.alignment is not None and money.alignment.name == "RIGHT"
        assert service.alignment is None
    grid = [int(w) for w in table._tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]
    assert grid[0] == pytest.approx(2 * grid[2], abs=2) and grid[1] == pytest.approx(1.5 * grid[2], abs=2)


def test_totals_row_is_last_and_bold(word):
    last = services_table(word).rows[-1]
    assert [c.text for c in last.cells] == ["TOTAL", "", "", "", "£820,000"]
    style = last.cells[0].paragraphs[0].style
    assert style.name == "Table Total" and style.font.bold


def test_caption_sits_above_the_table(word):
    body = list(word.element.body)
    table = services_table(word)._tbl
    caption = body[body.index(table) - 1]
    assert caption.xpath("string(.)") == SERVICES.caption
    assert caption.xpath("./w:pPr/w:pStyle/@w:val") == [word.styles["Caption"].style_id]


def test_wide_table_is_in_a_landscape_section(word):
    portrait, landscape, after = word.sections
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert landscape.page_width > landscape.page_height
    assert portrait.orientation == after.orientation == WD_ORIENT.PORTRAIT
    assert after.page_width == portrait.page_width
    # The table (and its heading) come after the first section break, before the second.
    body = list(word.element.body)
    breaks = [i for i, el in enumerate(body) if el.xpath("./w:pPr/w:sectPr")]
    where = body.index(services_table(word)._tbl)
    assert breaks[0] < where < breaks[1]
    assert body[breaks[0] + 1].xpath("string(.)") == "2. Commissioned services"


def test_document_opening_with_a_wide_table_has_no_blank_first_page(tmp_path):
    doc = Document("T", "", "OPCC", "Test", EDITION, (SERVICES, Paragraph((Run("After"),))))
    path = tmp_path / "wide-first.docx"
    write_docx(doc, path)
    sections = docx.Document(str(path)).sections
    assert [s.orientation for s in sections] == [WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]


# A table squeezed onto a portrait page: short words, dates and money must still never split.
SQUEEZED = Table(
    anchor="table-squeezed",
    caption="Table 2: Every kind of column on a portrait page",
    columns=(Column("Term", width=0.3), Column("Category", width=0.2),
             Column("Project", width=3.0), Column("Start", kind="date", width=0.2),
             Column("Latest end with options", kind="date", width=0.2),
             Column("Lines", align="right", kind="number", width=0.1),
             Column("Spend", align="right", kind="money", width=0.2)),
    rows=tuple(("Partnership", "d", f"Commissioning project {i}",
                "01/04/2024", "31/03/2027", "12", "£500,000") for i in range(1, 6)),
    totals=(("TOTAL", "", "", "", "", "60", "£4,654,011"),),
)
CM_PER_CHAR = 0.17  # Arial at 10 pt averages a little under 0.19 cm a character
NO_WRAP_COLUMNS = {3, 4, 5, 6}


def write(tmp_path: Path, name: str, *blocks) -> Path:
    path = tmp_path / f"{name}.docx"
    write_docx(Document("T", "", "OPCC", "Test", EDITION, tuple(blocks)), path)
    return path


def table_rows(tbl) -> list:
    return tbl.xpath("./w:tr", namespaces=W)


def test_money_number_and_date_cells_never_wrap(tmp_path):
    body = part_xml(write(tmp_path, "squeezed", SQUEEZED), "word/document.xml")
    (tbl,) = body.xpath("//w:tbl", namespaces=W)
    header, *rows = table_rows(tbl)
    for row in rows:  # body and total rows
        no_wrap = {j for j, tc in enumerate(row.xpath("./w:tc", namespaces=W))
                   if tc.xpath("./w:tcPr/w:noWrap", namespaces=W)}
        assert no_wrap == NO_WRAP_COLUMNS
    # Header cells of those columns are kept whole when their title fits on one line; a long
    # title ("Latest end with options") may wrap, but only between words.
    titles = {tc.xpath("string(.)", namespaces=W): bool(tc.xpath("./w:tcPr/w:noWrap", namespaces=W))
              for tc in header.xpath("./w:tc", namespaces=W)}
    assert titles["Spend"] and titles["Start"] and titles["Lines"]
    assert not titles["Latest end with options"] and not titles["Project"]


def test_table_too_wide_for_portrait_goes_landscape(tmp_path):
    # Ten date columns cannot keep their dates whole in 16 cm: landscape, as if it were wide.
    dates = Table("dates", "Every date", tuple(Column(f"Date {i}", kind="date") for i in range(10)),
                  (("31/03/2025 (Overdue)",) * 10,))
    path = write(tmp_path, "too-wide", Heading(2, "Dates", "d"), dates, SQUEEZED)
    assert [s.orientation for s in docx.Document(str(path)).sections] == [
        WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]


def test_columns_leave_room_for_their_longest_word_or_value(tmp_path):
    word = docx.Document(str(write(tmp_path, "squeezed", SQUEEZED)))
    tbl = word.tables[0]._tbl
    grid = [int(w) for w in tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]
    section = word.sections[0]
    assert sum(grid) <= (section.page_width - section.left_margin - section.right_margin) / 635
    margins = 2 * 85  # the Data Table style's cell margins, in twips
    per_char = Cm(CM_PER_CHAR) / 635
    for j, column in enumerate(SQUEEZED.columns):
        values = [column.title, *(row[j] for row in (*SQUEEZED.rows, *SQUEEZED.totals))]
        if j in NO_WRAP_COLUMNS:  # whole values, header title by words
            units = [*column.title.split(), *values[1:]]
        else:
            units = [w for v in values for w in v.split()]
        longest = max(units, key=len)
        assert grid[j] >= len(longest) * per_char + margins, (column.title, longest, grid[j])
    # What is left is shared by Column.width: Project (3.0) takes most of it.
    assert grid[2] == max(grid)


def _row_keeps(table) -> list[bool]:
    return [all(tc.xpath("./w:p/w:pPr/w:keepNext") for tc in r.tc_lst) for r in table._tbl.tr_lst]


def test_no_row_is_left_alone_on_a_page(word, tmp_path):
    # The header stays with the first line; the last line stays with the total.
    keeps = _row_keeps(services_table(word))
    assert keeps == [True] + [False] * (len(keeps) - 3) + [True, False]
    # Without a total, the last two lines stay together.
    plain = Table("t-plain", "Plain", SERVICES.columns, SERVICES.rows[:5])
    (table,) = docx.Document(str(write(tmp_path, "plain", plain))).tables
    assert _row_keeps(table) == [True, False, False, False, True, False]


def sections_of(body) -> list[int]:
    """Section number of each body element (a section's last paragraph holds its w:sectPr)."""
    numbers, current = [], 0
    for el in body:
        numbers.append(current)
        if el.xpath("./w:pPr/w:sectPr"):
            current += 1
    return numbers


def test_chart_data_goes_to_an_appendix_at_the_end(tmp_path):
    """A chart's numbers would split the text the chart illustrates: the chart links to them in an
    appendix at the end, where a wide table has a landscape page."""
    wide_data = Table("figure-2-data", "Data for Figure 2", SQUEEZED.columns, SQUEEZED.rows,
                      wide=True, row_header=True)
    figure = Figure("figure-2", "Figure 2: Timeline", "Most agreements end in March 2025.",
                    tmp_path / "t.svg", chart_png(tmp_path), wide_data)
    path = write(tmp_path, "wide-figure", Heading(2, "Timeline", "timeline"),
                 Paragraph((Run("Intro."),)), figure, Paragraph((Run("After the chart."),)),
                 Heading(2, "Register", "register"), SQUEEZED)
    word = docx.Document(str(path))
    assert [s.orientation for s in word.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]
    body = list(word.element.body)
    where = sections_of(body)
    text = [el.xpath("string(.)") for el in body]
    picture = next(i for i, el in enumerate(body) if el.xpath(".//wp:inline"))
    caption = text.index(figure.caption)
    link = text.index("The numbers behind this chart are in the appendix")
    assert picture + 1 == caption and caption + 1 == link
    assert body[link].xpath("./w:hyperlink/@w:anchor") == [bookmark_name("figure-2-data")]
    assert text.index("After the chart.") == link + 1
    # The appendix comes last, after the paper's own last table, with the data in landscape.
    appendix = text.index("Appendix: the numbers behind the charts")
    data = body.index(word.tables[-1]._tbl)
    assert body.index(word.tables[0]._tbl) < appendix < data
    assert text[data - 1] == "Data for Figure 2"
    assert where[picture] == where[text.index("After the chart.")] == 0
    assert where[appendix] == where[data] == 1
    grid = [int(w) for w in body[data].xpath("./w:tblGrid/w:gridCol/@w:w")]
    assert sum(grid) > Cm(16) / 635  # the data spans the landscape page


def test_chart_printed_in_parts_runs_on_with_continued_captions(tmp_path):
    png = chart_png(tmp_path)
    for n in (1, 2):
        shutil.copy(png, tmp_path / f"spend.print-{n}.png")
    data = Table("figure-3-data", "Data for Figure 3", (Column("A"),), (("a",),))
    figure = Figure("figure-3", "Figure 3: Timeline", "Most agreements end in March 2025.",
                    tmp_path / "spend.svg", png, data)
    word = docx.Document(str(write(tmp_path, "parts", figure)))
    shapes = word.element.body.xpath(".//wp:inline/wp:docPr")
    assert [d.get("descr") for d in shapes] == [figure.alt, "Figure 3: Timeline (continued)"]
    captions = [p for p in word.paragraphs if p.style.name == "Caption"]
    assert [p.text for p in captions[:2]] == ["Figure 3: Timeline", "Figure 3: Timeline (continued)"]
    # Each part stays with its caption, but the parts are not chained together (that would push
    # the whole run of parts on to a page of its own); the last caption stays with the link.
    keeps = [bool(p._p.xpath("./w:pPr/w:keepNext")) for p in captions[:2]]
    assert keeps == [False, True]


def test_tables_of_the_same_kind_share_column_widths(tmp_path):
    columns = (Column("Project", width=2.0), Column("Provider"), Column("Ends", kind="date"),
               Column("Spend", align="right", kind="money"))
    short = Table("t-a", "Category a", columns, (("Victim First", "Catch 22", "31/03/2029", "£500,000"),))
    long = Table("t-b", "Category b", columns, (
        ("Neighbourhood Watch Co-ordinator", "Leicestershire Neighbourhood Watch Association",
         "31/10/2024 (overdue)", "£1,234,567"),))
    other = Table("t-c", "Other", columns[:3], (("x", "y", "01/01/2025"),))
    word = docx.Document(str(write(tmp_path, "kinds", short, Paragraph((Run("Between."),)), long, other)))
    grids = [[int(w) for w in t._tbl.xpath("./w:tblGrid/w:gridCol/@w:w")] for t in word.tables]
    assert grids[0] == grids[1]
    assert grids[2] != grids[0][:3]


def test_front_sheet_is_the_first_page(built, word):
    body = list(word.element.body)
    text = [el.xpath("string(.)") for el in body]
    # The sheet names the paper it fronts, then the meeting's details (its table) and the summary.
    assert text[:3] == ["OPCC Commissioning Framework 2024-25", "Police and Crime Panel, 18 September 2024",
                        "Report to the Police and Crime Panel"]
    assert body[3].tag == qn("w:tbl") and word.tables[0].rows[1].cells[1].text == "Police and Crime Panel"
    # The paper starts on the next page, with its title.
    title = text.index("OPCC Commissioning Framework 2024-25", 1)
    assert title > text.index("External funding ends: £1,460,412 on 27 lines.")
    assert body[title].xpath("./w:pPr/w:pageBreakBefore")
    assert len(word.element.body.xpath(".//w:pageBreakBefore")) == 1


def test_heading_and_introduction_move_with_a_wide_table(tmp_path):
    before = Paragraph((Run("The end of the previous section."),))
    path = write(tmp_path, "intro", Heading(1, "T", "t"), before,
                 Heading(2, "Schedule of review and scrutiny", "schedule"),
                 Paragraph((Run("Each line needs a decision before it ends."),)),
                 BulletList(((Run("extend"),), (Run("re-commission"),))),
                 Paragraph((Run("The table lists them by decision date."),)),
                 SERVICES, Heading(2, "Next", "next"))
    word = docx.Document(str(path))
    body = list(word.element.body)
    where = sections_of(body)
    text = [el.xpath("string(.)") for el in body]
    # The section break sits in the last paragraph before the heading, not in an extra one.
    assert body[text.index(before.runs[0].text)].xpath("./w:pPr/w:sectPr")
    moved = ["Schedule of review and scrutiny", "Each line needs a decision before it ends.",
             "extend", "re-commission", "The table lists them by decision date.", SERVICES.caption]
    assert {where[text.index(t)] for t in moved} == {1}
    assert word.sections[1].orientation == WD_ORIENT.LANDSCAPE
    assert where[text.index("Next")] == 2 and word.sections[2].orientation == WD_ORIENT.PORTRAIT
    # After a table the section break needs a paragraph of its own: one point high, empty.
    holder = body[text.index("Next") - 1]
    assert holder.xpath("./w:pPr/w:sectPr") and text[text.index("Next") - 1] == ""
    assert holder.xpath("./w:pPr/w:spacing/@w:line") == ["20"]


def test_text_between_two_wide_tables_stays_landscape(tmp_path):
    other = Table("table-9", "Table 9", SERVICES.columns, SERVICES.rows[:3], wide=True)
    path = write(tmp_path, "sandwich", Heading(2, "A", "a"), SERVICES,
                 Paragraph((Run("Between the two."),)), other, Paragraph((Run("After."),)))
    assert [s.orientation for s in docx.Document(str(path)).sections] == [
        WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]


def test_paragraph_after_a_table_has_room_above_it(tmp_path):
    small = Table("t1", "Table 1", (Column("A"), Column("B", kind="money")), (("a", "£1"),))
    path = write(tmp_path, "spacing", small, Paragraph((Run("Body after."),)),
                 Table("t2", "Table 2", small.columns, small.rows),
                 Table("t3", "Table 3", small.columns, small.rows),
                 Heading(2, "Heading after", "h"), Paragraph((Run("Body after a heading."),)))
    word = docx.Document(str(path))
    spacing = {p.text: p.paragraph_format.space_before for p in word.paragraphs}
    assert spacing["Body after."] == spacing["Table 3"] == Pt(10)  # caption's own 6 pt raised
    assert spacing["Table 1"] is None and spacing["Body after a heading."] is None
    assert spacing["Heading after"] is None  # its style already leaves more room


def test_large_table_is_written_row_by_row(tmp_path):
    columns = (Column("Line"), Column("Amount", align="right", kind="money"))
    rows = tuple((f"Line {i}", f"£{i:,}") for i in range(5000))
    doc = Document("Big", "", "OPCC", "Test", EDITION,
                   (Heading(1, "Big", "big"), Table("big-table", "Every line", columns, rows)))
    path = tmp_path / "big.docx"
    write_docx(doc, path)  # quadratic cell access would take minutes here
    body = part_xml(path, "word/document.xml")
    assert len(body.xpath("//w:tbl/w:tr", namespaces=W)) == 5001
    assert body.xpath("string(//w:tbl/w:tr[last()]/w:tc[2])", namespaces=W) == "£4,999"


def test_row_longer_than_the_columns_is_refused(tmp_path):
    table = Table("t", "Bad", (Column("A"),), (("a", "spill"),))
    doc = Document("T", "", "OPCC", "Test", EDITION, (table,))
    with pytest.raises(ValueError, match="2 cells"):
        write_docx(doc, tmp_path / "bad.docx")


# --- figures, lists, text ---

def test_figure_has_alt_text_caption_and_data(built, word):
    body = part_xml(built[1], "word/document.xml")
    (doc_pr,) = body.xpath("//wp:inline/wp:docPr", namespaces=W)
    assert doc_pr.get("descr") == "Victim services take the largest share: £2.1m of £4.3m."
    assert doc_pr.get("title") == "Figure 1: Spend by priority 2024-25"
    (shape,) = word.inline_shapes
    assert 0 < shape.width <= Cm(16) + 1
    styles = paragraph_styles(word)
    picture = next(i for i, p in enumerate(word.paragraphs) if p._p.xpath(".//wp:inline"))
    assert styles[picture + 1] == ("Caption", "Figure 1: Spend by priority 2024-25")
    data = next(t for t in word.tables if t.rows[0].cells[0].text == "Priority")
    assert [c.text for c in data.rows[1].cells] == ["Victims", "£2,100,000"]
    assert word.tables[-1]._tbl is data._tbl  # in the appendix, at the end


def test_lists_roles_and_run_formatting(word):
    styles = paragraph_styles(word)
    assert ("List Bullet", "Victim services") in styles
    numbered = [p for p in word.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["Review", "Recommission", "Consult", "Decide"]
    num_ids = [p._p.xpath("string(./w:pPr/w:numPr/w:numId/@w:val)") for p in numbered]
    assert num_ids[0] == num_ids[1] != num_ids[2] == num_ids[3]  # second list restarts at 1
    assert ("Lead", "An overview of commissioned and grant activity.") in styles
    assert ("Warning", "Funding beyond March 2025 is not confirmed.") in styles
    runs = {r.text: r for p in word.paragraphs for r in p.runs}
    assert runs["two major strands"].bold and runs["Figures are provisional."].italic
    assert not runs["Commissioning takes "].bold
    # Fonts belong to the styles, never to runs, so the officer's restyling applies everywhere.
    assert not word.element.body.xpath("//w:r/w:rPr/w:rFonts | //w:r/w:rPr/w:sz")


def test_hostile_text_is_literal_and_xml_safe(built, word):
    note = next(p for p in word.paragraphs if p.style.name == "Note")
    assert note.text == HOSTILE_SHOWN
    with zipfile.ZipFile(built[1]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in xml
    assert "<script" not in xml and "\x07" not in xml and "49" not in note.text


def test_odd_characters_anywhere_do_not_break_the_file(tmp_path):
    bad = "a\x00b\x1fc\ufffe\ud800d\te\nf"
    table = Table("t", bad, (Column(bad),), ((bad,),), totals=((bad,),))
    doc = Document(bad, bad, bad, bad, EDITION,
                   (Heading(1, bad, bad), Heading(2, bad, "-"), Paragraph((Run(bad, href=bad),)),
                    table), keywords=(bad,))
    path = tmp_path / "odd.docx"
    write_docx(doc, path)
    word = docx.Document(str(path))
    assert word.core_properties.title == "abcd\te\nf"
    assert word.paragraphs[0].text == "abcd\te\nf"  # tab and line break kept as w:tab / w:br


# --- reproducibility and the reference ---

def test_two_builds_are_byte_identical(built, tmp_path):
    doc, first = built
    again = tmp_path / "again.docx"
    write_docx(doc, again)
    assert again.read_bytes() == first.read_bytes()
    with zipfile.ZipFile(again) as z:
        infos = z.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {i.date_time for i in infos} == {(2024, 9, 18, 0, 0, 0)}


def test_reference_has_every_style_the_writer_needs(tmp_path):
    assert DEFAULT_REFERENCE.exists(), "run: python -m pipeline.writers.reference_docx"
    make_reference(tmp_path / "fresh.docx")
    for path in (DEFAULT_REFERENCE, tmp_path / "fresh.docx"):
        names = {(s.name or "").lower() for s in docx.Document(str(path)).styles}
        assert {n.lower() for n in STYLE_NAMES} <= names, path
    # Regenerating gives the same bytes, so the committed binary only changes on purpose.
    make_reference(tmp_path / "again.docx")
    assert (tmp_path / "again.docx").read_bytes() == (tmp_path / "fresh.docx").read_bytes()


def test_missing_style_in_reference_is_reported(tmp_path, built):
    plain = tmp_path / "plain.docx"
    docx.Document().save(str(plain))  # python-docx's template: no "Lead", "Data Table", ...
    with pytest.raises(ValueError, match="Lead"):
        write_docx(built[0], tmp_path / "out.docx", reference=plain)


# --- LibreOffice ---

def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"{' / '.join(names)} is not installed; CI needs it (apt-get install -y "
                "--no-install-recommends libreoffice-writer poppler-utils)")


def to_pdf(docx_path: Path, folder: Path) -> tuple[list[tuple[float, float]], str, str]:
    """Convert with LibreOffice; return the page sizes, the text as laid out and the raw text."""
    office = _tool("libreoffice", "soffice")
    pdfinfo, pdftotext = _tool("pdfinfo"), _tool("pdftotext")
    profile = folder / "lo-profile"  # own profile: parallel LibreOffice runs do not collide
    result = subprocess.run(
        [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(docx_path)],
        capture_output=True, text=True, timeout=300)
    pdf = folder / docx_path.with_suffix(".pdf").name
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    info = subprocess.run([pdfinfo, "-f", "1", "-l", "999", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)]
    assert len(sizes) == pages
    layout, raw = (subprocess.run([pdftotext, *flags, str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout for flags in (["-layout"], []))
    return sizes, layout, raw


@pytest.mark.slow
def test_libreoffice_opens_it_and_the_pdf_reads_right(built, tmp_path):
    sizes, text, _ = to_pdf(built[1], tmp_path)
    pages = len(sizes)
    assert pages >= 3
    assert sizes[0][0] < sizes[0][1] and any(w > h for w, h in sizes)  # portrait, then landscape
    for expected in ("2. Commissioned services", "£820,000", "£2,100,000", "Service 40",
                     "<script>alert(1)</script> {{ 7*7 }}", f"Page 1 of {pages}",
                     f"Page {pages} of {pages}"):
        assert expected in text, expected


@pytest.mark.slow
def test_front_sheet_is_one_page_and_the_paper_starts_on_page_two(built, tmp_path):
    _, layout, _ = to_pdf(built[1], tmp_path)
    pages = [" ".join(page.split()) for page in layout.split("\f")]
    assert pages[0].startswith("OPCC Commissioning Framework 2024-25 Police and Crime Panel, 18 September 2024 "
                               "Report to the Police and Crime Panel")
    assert "External funding ends: £1,460,412 on 27 lines." in pages[0] and "Contents" not in pages[0]
    assert pages[1].startswith("OPCC Commissioning Framework 2024-25 Police and Crime Panel, 18 September 2024 "
                               "Contents")


@pytest.mark.slow
def test_libreoffice_keeps_words_dates_and_money_whole(tmp_path):
    wide_data = Table("figure-2-data", "Data for Figure 2", SQUEEZED.columns, SQUEEZED.rows,
                      wide=True)
    figure = Figure("figure-2", "Figure 2: Timeline", "Most agreements end in March 2025.",
                    tmp_path / "t.svg", chart_png(tmp_path), wide_data)
    path = write(tmp_path, "whole", Heading(2, "Squeezed", "s"), SQUEEZED, figure)
    sizes, _, raw = to_pdf(path, tmp_path)
    assert [w > h for w, h in sizes] == [False, True]  # the figure's wide data went landscape
    words = raw.split()
    for whole in ("Partnership", "Category", "Commissioning", "options", "01/04/2024",
                  "31/03/2027", "£500,000", "£4,654,011"):
        assert whole in words, whole
    for fragment in ("Partners", "Catego", "Commissionin", "31/03/20", "£500,00", "£4,654,01"):
        assert fragment not in words, fragment
