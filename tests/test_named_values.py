"""One figure, one value (issue 19, item 5): every count and sum the paper quotes is computed once in the
analysis, and the built HTML, Word and PDF editions print it the same wherever it is used (front sheet,
warning, gap table, decisions, figure). Percentages add up to their printed total. The printed paper
keeps to its 8-page share of the Panel's 12-page budget."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import _analyse, _paper_settings, build_edition, load_edition
from pipeline.formatting import money, plain_money, uk_date

from .conftest import ROOT, copy_data
from .readback import docx_paragraphs, docx_table_rows, html_table_rows, html_text

YEAR = "2024-25"
pytestmark = pytest.mark.slow  # builds the 2024-25 edition


@pytest.fixture(scope="module")
def built(built_2024_25):
    result, data = built_2024_25.result, built_2024_25.data
    edition, config, reg = load_edition(YEAR, data_dir=data)
    settings = _paper_settings(edition, reg, data, True, ())
    items, points, review, look, _ = _analyse(edition, config, reg, None, settings.offsets)
    out = result.out_dir
    pdf = out / f"commissioning-framework-{YEAR}.pdf"
    docx = out / f"commissioning-framework-{YEAR}.docx"
    html = out / f"commissioning-framework-{YEAR}.html"
    word = "\n".join([*docx_paragraphs(docx), *(" | ".join(r) for r in docx_table_rows(docx))])
    texts = {
        "html": " ".join(html_text(html).split()),
        "word": " ".join(word.split()),
        "pdf": " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                                       text=True).stdout.split()),
    }
    return {"texts": texts, "gap": look.gap, "register": reg, "points": points, "pdf": pdf, "html": html,
            "look": look}


def named(built) -> dict[str, str]:
    """The paper's named values, each formatted once from the analysis."""
    gap = built["gap"]
    values = {
        "total spend": money(built["register"].total()),
        "lines": f"{len(built['register'])} services and grants",
        "gap: external money ending": money(gap.ending),
        "gap: lines": f"({len(gap.lines)} lines)",
        "gap: offsets decided": money(gap.offset_total),
        "gap: left": money(gap.left_before_undecided),
        "planned completions": money(gap.completions_total),
        "options not decided": money(gap.options_total),
    }
    for o in gap.offsets:
        if o.value is not None:
            values[f"offset {o.offset.position}"] = money(o.value)
    return values


def test_the_sample_gap_is_the_seeds_argument(built):
    gap = built["gap"]
    assert [(f.funder, f.total, len(f.lines)) for f in gap.funders] == [("MoJ grant", Decimal(807202), 12)]
    assert [(o.kind, [l.id for l in o.lines], o.value) for o in gap.offsets] == [
        ("decommission", ["PR-014"], Decimal(50000)), ("decommission", ["CS-010"], Decimal(19995)),
        ("repurpose", ["VA-001"], None)]
    assert gap.remainder is None and gap.left_before_undecided == Decimal(737207)


@pytest.mark.parametrize("edition", ["html", "word", "pdf"])
def test_each_named_value_is_printed_in_every_edition(built, edition):
    text = built["texts"][edition]
    missing = {name: value for name, value in named(built).items() if value not in text}
    assert not missing, f"{edition}: {missing}"


@pytest.mark.parametrize("edition", ["html", "word", "pdf"])
def test_the_gap_reads_the_same_on_the_front_sheet_in_the_warning_and_the_table(built, edition):
    text, gap = built["texts"][edition], built["gap"]
    (moj,) = gap.funders
    ends = f"{moj.funder} funding of {money(moj.total)} ends by {uk_date(moj.ends)} ({len(moj.lines)} lines)"
    assert text.count(ends) == 2  # front sheet and warning, word for word
    left = f"Gap left: {money(gap.left_before_undecided)} before the amount not yet decided"
    assert text.count(left) == 2
    # the gap table: the funder's row, each offset with its sign, the gap left
    assert f"MoJ grant ends | 12 | {money(moj.total)} | {uk_date(moj.ends)}" in text or edition != "word"
    for o in gap.offsets:
        assert (f"-{money(o.value)}" if o.value is not None else "not decided") in text
    assert f"Proposals recorded would cover {money(gap.offset_total)}" in text
    # The old totals that counted completions, options and funds as money ending are gone everywhere.
    for wrong in ("£1,460,412", "£2,574,970", "£469,995", "1,460,412", "2,574,970"):
        assert wrong not in text


def test_the_outlook_figure_quotes_the_gap_in_its_words_and_its_data(built):
    html = built["html"].read_text(encoding="utf-8")
    gap = built["gap"]
    from html import unescape

    figure = html[html.index('id="figure-funding-outlook"'):]
    figure = unescape(figure[:figure.index("</figure>")])  # the chart's text alternative is its aria-label
    words = " ".join(figure.split())
    assert f"MoJ grant {money(gap.ending)} ends by 31/03/2025; proposals cover {money(gap.offset_total)}" in words
    assert f"leaving {money(gap.left_before_undecided)} before the amounts not yet decided" in words
    rows = [r for r in html_table_rows(built["html"]) if r and r[0] == YEAR]
    assert any(money(gap.ending) in r for r in rows)  # the data table's "of which external funding ends"


def test_decisions_due_are_named_with_the_same_value_on_the_front_sheet_and_in_the_table(built):
    for edition in ("html", "word", "pdf"):
        text = built["texts"][edition]
        moj = [l for l in built["register"].lines if l.agreement == "MoJ specialist DA and SV grant"]
        total = sum(l.spend for l in moj)
        assert f"MoJ specialist DA and SV grant (11 lines), {money(total)} (grant end)" in text  # front sheet
        if edition == "pdf":  # pdftotext reads a table column by column: the cell, without its £ sign
            assert re.search(rf"(?<!£){re.escape(plain_money(total))}", text)
        else:  # the decisions table's row, under its "(£)" column
            assert re.search(rf"MoJ specialist DA and SV grant \(11 lines\) \|? ?{re.escape(plain_money(total))}", text)


def test_every_column_of_percentages_adds_to_its_printed_total(built):
    rows = html_table_rows(built["html"])
    columns: list[list[int]] = []
    current: list[int] = []
    for r in rows:
        cells = [c for c in r if re.fullmatch(r"\d+%", c)]
        if r and r[0] == "Total" and cells:
            assert sum(current) == int(cells[-1].rstrip("%")), (current, cells)
            columns.append(current)
            current = []
        elif cells:
            current.append(int(cells[-1].rstrip("%")))
    assert len(columns) >= 2  # the priority and category charts' shares


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def test_the_pdf_keeps_to_the_panels_twelve_pages_and_the_decision_paper_to_eight(built, tmp_path):
    pages = _pages(built["pdf"])
    assert pages <= 12, f"the PDF edition runs to {pages} pages; the Panel's budget is 12"
    # The decision paper alone: the same edition without the inputs of the three later sections
    # (funding scenarios, performance, the CSP allocation), which have their own shares of the twelve.
    data = copy_data(tmp_path)
    for name in ("scenarios.toml", "performance.csv", "csp-allocation.csv"):
        (data / YEAR / name).unlink(missing_ok=True)
    core = build_edition(YEAR, data_dir=data, build_dir=tmp_path / "build", force=True).out_dir
    pages = _pages(core / f"commissioning-framework-{YEAR}.pdf")
    assert pages <= 8, f"the decision paper runs to {pages} pages; its budget is 8 of 12"


def test_each_service_appears_in_the_printed_body_at_most_twice(built):
    """Described once (services by term) and scheduled once (the decisions tables); the front sheet
    does not count. The gap table names the lines proposed as offsets, the argument's own table."""
    text = built["texts"]["pdf"]
    front_end = text.index("Contents")
    body = text[front_end:]
    # The later sections' tables (funding scenarios, performance, the CSP allocation) do not count: each
    # names the services it is about. Their text runs from their heading to the next section's.
    body = body[body.index("Additional information") + len("Additional information"):]  # past the contents
    for start, end in (("Funding scenarios", "Decisions"), ("Performance and spend", "Data quality")):
        if start in body:
            i = body.index(start)
            body = body[:i] + body[body.index(end, i):]
    offsets = {l.project for o in built["gap"].offsets for l in o.lines}
    prose = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "data" / YEAR / "prose").glob("*.md"))
    for line in built["register"].lines:
        name = line.project
        if len(name) < 12 or any(name in other.project and name != other.project for other in built["register"].lines):
            continue  # short or shared names ("SARC") are found inside others
        # its entry, its schedule row, the gap table for an offset, and the officer's own words about it
        allowed = 2 + (name in offsets) + prose.count(name)
        found = body.replace(f"{name}, {name}:", f"{name}:").count(name)  # a provider named like its service
        assert found <= allowed, (name, found)
