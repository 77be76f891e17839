"""At any size a paper stays a paper: long per-line tables are summarised in the Word and PDF editions
(the largest lines and the soonest decisions by name, a count and total for the rest, a note on where
every line is), while the web edition keeps every line."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import build_edition
from pipeline.paper.model import Column, Table
from pipeline.paper.summarise import RowFacts, SummaryRules, chosen_rows, load_words, summarise
from tests.readback import docx_paragraphs, docx_table_rows, html_table_rows, pdf_page_sizes, pdf_pages_text

WORDS = load_words()


def _rules(max_lines=3, largest=1, soonest=1, web="", files=("review-schedule.csv", "forward-plan.csv")):
    return SummaryRules(max_lines, largest, soonest, web, files, WORDS)


def _table(n: int) -> tuple[Table, list[RowFacts]]:
    spends = [Decimal(100 * (k + 1)) for k in range(n)]  # the last row is the largest
    dues = [date(2026, 1, 1 + (n - k) % 28) for k in range(n)]
    rows = tuple((f"Line {k + 1}", f"£{s:,}") for k, s in enumerate(spends))
    table = Table("t", "Table 1: lines", (Column("Project"), Column("Spend", "right", "money")), rows,
                  (("Total", f"£{sum(spends):,}"),))
    return table, [RowFacts(1, s, d) for s, d in zip(spends, dues)]


@pytest.mark.slow
def test_the_largest_and_the_soonest_are_named_in_the_table_order():
    facts = [RowFacts(1, Decimal(5), date(2027, 1, 1)), RowFacts(1, Decimal(50), None),
             RowFacts(1, None, date(2025, 6, 1)), RowFacts(1, Decimal(20), date(2026, 1, 1))]
    assert chosen_rows(facts, 1, 1) == [1, 2]
    assert chosen_rows(facts, 2, 2) == [1, 2, 3]
    assert chosen_rows(facts, 0, 0) == []


@pytest.mark.slow
def test_a_table_within_the_limit_is_left_alone():
    table, facts = _table(3)
    assert summarise(table, facts, _rules(max_lines=3)) is table


@pytest.mark.slow
def test_a_long_table_carries_its_summary_for_print():
    table, facts = _table(6)
    out = summarise(table, facts, _rules(), money_column=1)
    assert out.rows == table.rows  # the web edition keeps every line
    short, note = out.summary
    # Line 6 is the largest; the soonest decision (2 January) is Line 6 too; then the other five.
    assert [r[0] for r in short.rows] == ["Line 6", "5 other lines"]
    assert short.rows[-1][1] == "1,500"  # 100 + 200 + 300 + 400 + 500, as the column prints money
    assert short.totals == table.totals  # the whole table's total, unchanged
    assert short.caption == "Table 1: lines: the largest lines and the soonest decisions (1 of 6 lines)"
    assert "".join(r.text for r in note.runs) == ("Every line is listed in the web edition of this paper and in "
                                                  "review-schedule.csv and forward-plan.csv.")
    assert all(r.href is None for r in note.runs)  # no web address set: named, not linked


@pytest.mark.slow
def test_the_note_links_to_where_the_files_are_published():
    table, facts = _table(6)
    _, note = summarise(table, facts, _rules(web="https://www.example.org/cf/2024-25"), money_column=1).summary
    links = {r.text: r.href for r in note.runs if r.href}
    assert links == {"the web edition of this paper": "https://www.example.org/cf/2024-25",
                     "review-schedule.csv": "https://www.example.org/cf/2024-25/review-schedule.csv",
                     "forward-plan.csv": "https://www.example.org/cf/2024-25/forward-plan.csv"}


@pytest.mark.slow
def test_rows_standing_for_several_lines_count_them_all():
    table, _ = _table(3)
    facts = [RowFacts(4, Decimal(1)), RowFacts(1, Decimal(9)), RowFacts(2, Decimal(2))]
    short, _ = summarise(table, facts, _rules(max_lines=5, largest=1, soonest=0), money_column=1).summary
    assert [r[0] for r in short.rows] == ["Line 2", "6 other lines"]
    assert "(1 of 7 lines)" in short.caption


def test_a_bad_web_address_is_refused_with_its_place(tmp_path):
    from pipeline.config import load_config
    from pipeline.problems import InputError
    from tests.conftest import copy_data

    data = copy_data(tmp_path)
    config = data / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('web_address = ""', 'web_address = "javascript:x"'),
                      encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config("2024-25", data_dir=data)
    text = str(err.value)
    assert "[summaries] web_address" in text and "javascript:x" in text and "https://" in text


# --- a large register, built --------------------------------------------------------------------

LINES = 400
LIST_MAX = 40
WEB = "https://www.example.org/commissioning/2024-25"


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    from benchmarks.synthetic import write_edition

    data = tmp_path_factory.mktemp("large") / "data"
    write_edition(data, LINES, seed=11, profile="dated")
    config = data / "config.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("list_max_lines = 150", f"list_max_lines = {LIST_MAX}")
    text = text.replace('web_address = ""', f'web_address = "{WEB}"')
    config.write_text(text, encoding="utf-8")
    result = build_edition("2024-25", data_dir=data, out=data.parent / "build" / "2024-25",
                           build_dir=data.parent / "cache", force=True)
    return result.out_dir


@pytest.mark.slow
def test_the_web_edition_keeps_every_line(large):
    rows = html_table_rows(large / "commissioning-framework-2024-25.html")
    register = [r for r in rows if len(r) == 5 and r[0] in ("Long", "Med", "Short", "Partnership", "Annual", "TBC")]
    assert len(register) == LINES


@pytest.mark.slow
def test_print_editions_name_the_largest_and_count_the_rest(large):
    word = docx_table_rows(large / "commissioning-framework-2024-25.docx")
    rest = [r for r in word if any(re.fullmatch(r"[\d,]+ other lines", c) for c in r)]
    assert rest, "no summary row in the Word edition"
    register = [r for r in word if len(r) == 5 and r[0] in ("Long", "Med", "Short", "Partnership", "Annual", "TBC")]
    # The register tables are in the web edition only; every per-line table in print (the decisions
    # tables) names at most largest + soonest rows and counts the rest.
    assert len(register) <= 2 * 20
    assert len(word) < 4 * (2 * 10 + 2) + 40, f"{len(word)} table rows in the Word edition"
    pdf_text = " ".join(" ".join(p.split()) for p in pdf_pages_text(large / "commissioning-framework-2024-25.pdf",
                                                                     layout=False))
    assert "the largest lines and the soonest decisions" in pdf_text
    assert "Every line is listed in the web edition of this paper and in" in pdf_text
    word_text = " ".join(docx_paragraphs(large / "commissioning-framework-2024-25.docx"))
    assert "Every line is listed in the web edition of this paper and in" in word_text


@pytest.mark.slow
def test_the_pdf_stays_a_paper_and_links_where_every_line_is(large):
    import pikepdf

    path = large / "commissioning-framework-2024-25.pdf"
    assert len(pdf_page_sizes(path)) <= 30
    uris = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and action.get("/S") == "/URI":
                    uris.add(str(action.get("/URI")))
    assert WEB in uris and f"{WEB}/review-schedule.csv" in uris


@pytest.mark.slow
def test_the_summarised_pdf_passes_the_pdf_ua_checker(large):
    from pdfua import validate

    report = validate(str(large / "commissioning-framework-2024-25.pdf"))
    assert [(f.rule_id, f.message) for f in report.findings] == []


@pytest.mark.slow
def test_the_front_sheet_names_the_largest_decisions_and_counts_the_rest(large):
    """At 400 lines the year holds far more decisions than a cover page can name: the front sheet names
    the largest ([paper] front_decisions) and counts and totals the rest; page 1 stays one page."""
    pages = pdf_pages_text(large / "commissioning-framework-2024-25.pdf", layout=False)
    front = " ".join(pages[0].split())
    assert re.search(r"Decisions due in 2024-25: the 15 largest of [\d,]+\.", front), front[:2000]
    assert re.search(r"And [\d,]+ more worth £[\d,.]+: every decision is in the decisions table and in forward-plan\.csv",
                     front), front[-1500:]
    assert "Contents" not in front  # the contents start on page 2: the front sheet did not run on
