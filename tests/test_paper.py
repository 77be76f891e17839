"""The paper as a reader meets it: both editions carry every register line and computed figures."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import build_edition
from pipeline.formatting import money

from pipeline.problems import InputError

from .conftest import ROOT, copy_data
from .readback import docx_paragraphs, docx_table_rows, html_table_rows, html_text

YEAR = "2024-25"


def build(tmp: Path, data: Path):
    return build_edition(YEAR, data_dir=data, build_dir=tmp / "build", force=True)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("paper")
    data = copy_data(tmp)
    result = build(tmp, data)
    out = result.out_dir
    return {
        "docx": out / f"commissioning-framework-{YEAR}.docx",
        "html": out / f"commissioning-framework-{YEAR}.html",
        "register": list(csv.DictReader((data / YEAR / "register.csv").open(encoding="utf-8"))),
        "result": result,
    }


def _register_rows(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if len(r) == 5]


@pytest.mark.slow
def test_both_editions_list_all_64_register_lines_in_the_seed_column_order(edition):
    expected = [[r["term"], r["priority"], r["project"], r["provider"], r["spend"]] for r in edition["register"]]
    for rows in (docx_table_rows(edition["docx"]), html_table_rows(edition["html"])):
        found = [r for r in _register_rows(rows) if r[0] in ("Long", "Med", "Short", "Partnership", "Annual", "TBC")]
        assert found == expected


def test_both_editions_show_the_published_totals(edition):
    for rows in (docx_table_rows(edition["docx"]), html_table_rows(edition["html"])):
        totals = [r[-1] for r in _register_rows(rows) if r[0] == "TOTAL"]
        assert totals == ["4,654,011", "2,020,226"]
    for text in ("\n".join(docx_paragraphs(edition["docx"])), html_text(edition["html"])):
        assert "£4,654,011" in text and "£2,020,226" in text


def test_the_community_safety_partnership_sum_in_the_prose_is_the_sum_of_their_lines(edition):
    csp = [r for r in edition["register"] if r["project"].startswith("CSP - ")]
    expected = money(sum(Decimal(r["spend"].replace(",", "")) for r in csp))
    assert expected == "£639,676"  # the 2024-25 paper's prose said £639,675; the table wins
    for text in ("\n".join(docx_paragraphs(edition["docx"])), html_text(edition["html"])):
        assert f"Their grants total {expected} in {YEAR}" in " ".join(text.split())
        assert "£639,675" not in text


def test_word_edition_has_headings_contents_and_properties(edition):
    from docx import Document

    doc = Document(edition["docx"])
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Title", "Heading 1", "Heading 2"} <= styles
    assert doc.core_properties.title == f"OPCC Commissioning Framework {YEAR}"
    assert doc.core_properties.language == "en-GB"
    xml = doc.element.xml
    assert "TOC \\o" in xml


def test_html_edition_has_one_h1_and_the_charts(edition):
    html = edition["html"].read_text(encoding="utf-8")
    assert html.count("<h1") == 1 and 'lang="en-GB"' in html
    assert html.count("<figure") >= 4 and "http://" not in html.split("<main", 1)[0]


@pytest.mark.slow
def test_a_changed_spend_changes_every_place_it_appears(tmp_path):
    data = copy_data(tmp_path)
    reg = data / YEAR / "register.csv"
    text = reg.read_text(encoding="utf-8")
    # Raise the Leicester City CSP grant by £1,000; its line, the CSP sum, the section total and the grand total follow.
    reg.write_text(text.replace('Leicester City Council,"271,818"', 'Leicester City Council,"272,818"'), encoding="utf-8")
    result = build(tmp_path, data)
    docx = result.out_dir / f"commissioning-framework-{YEAR}.docx"
    html = result.out_dir / f"commissioning-framework-{YEAR}.html"
    for text in (" ".join(" ".join(docx_paragraphs(docx)).split()), " ".join(html_text(html).split())):
        assert "Their grants total £640,676 in 2024-25" in text
        assert "4,655,011" in text and "£6,675,237" in text
        assert "271,818" not in text and "4,654,011" not in text
    assert "272,818" in (result.out_dir / "review-schedule.csv").read_text(encoding="utf-8-sig").replace("272818", "272,818")


@pytest.mark.slow
@pytest.mark.parametrize("hostile", ["<script>alert('x')</script>", "{{ 7*7 }} {% if true %}yes{% endif %}", "**bold** [link](http://evil.example)"])
def test_markup_in_register_text_shows_literally_in_both_editions(tmp_path, hostile):
    data = copy_data(tmp_path)
    reg = data / YEAR / "register.csv"
    text = reg.read_text(encoding="utf-8")
    quoted = '"' + hostile.replace('"', '""') + '"'
    reg.write_text(text.replace("Victim First,Catch 22,", f"Victim First,{quoted},", 1), encoding="utf-8")
    result = build(tmp_path, data)
    docx = result.out_dir / f"commissioning-framework-{YEAR}.docx"
    html = result.out_dir / f"commissioning-framework-{YEAR}.html"
    assert hostile in "\n".join(docx_paragraphs(docx))
    assert hostile in html_text(html)
    raw = html.read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "evil.example\"" not in raw and ">49<" not in raw


@pytest.mark.slow
def test_a_mistake_in_the_officers_prose_names_the_file(tmp_path):
    from pipeline.problems import InputError

    data = copy_data(tmp_path)
    (data / YEAR / "prose" / "outlook.md").write_text("Total {{ money(totl()) }}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        build(tmp_path, data)
    report = info.value.report()
    assert "outlook.md" in report and "'totl' is undefined" in report


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 320])
def test_the_built_html_edition_has_no_axe_violations(edition, width):
    from .a11y import axe_violations, format_violations

    violations = axe_violations(edition["html"], width=width)
    assert not violations, format_violations(violations)


@pytest.mark.slow
def test_the_built_word_edition_opens_in_libreoffice(edition, tmp_path):
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed to prove the .docx opens: apt-get install libreoffice-writer"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(edition["docx"])], check=True, capture_output=True, timeout=240)
    pdf = tmp_path / edition["docx"].with_suffix(".pdf").name
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Schedule of decisions" in text and "4,654,011" in text and "Page 1 of" in text


# --- content: front sheet, decisions, money at risk, data quality, glossary (issues 11 and 13) -------

def _document(tmp_path, edit=None, paper_toml=None, draft=False):
    """Compose the 2024-25 paper from a private copy of data/, optionally edited first."""
    import csv as _csv
    import io

    from pipeline.analysis.classify import classify
    from pipeline.analysis.outlook import outlook
    from pipeline.analysis.schedule import decision_points, schedule
    from pipeline.build import load_edition
    from pipeline.input.paper_settings import read_paper_settings
    from pipeline.paper.compose import Analysis, compose

    data = copy_data(tmp_path)
    if edit:
        path = data / "2024-25" / "register.csv"
        rows = list(_csv.DictReader(path.open(encoding="utf-8")))
        rows = edit(rows)
        buf = io.StringIO()
        writer = _csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    if paper_toml is not None:
        (data / "2024-25" / "paper.toml").write_text(paper_toml, encoding="utf-8")
    edition, config, reg = load_edition("2024-25", data_dir=data)
    items = classify(reg, edition, config)
    points = decision_points(items, edition, config)
    review = schedule(items, edition, config, points=points)
    pending = reg.lines[:1] if draft else ()
    a = Analysis(edition, config, reg, items, review, outlook(reg, edition, config, items), (), None, None, data,
                 pending, points, read_paper_settings(data / "2024-25"))
    return compose(a)


def _text(blocks) -> str:
    from pipeline.paper.model import BulletList, Heading, Paragraph, Table

    out = []
    for b in blocks:
        if isinstance(b, Paragraph):
            out.append("".join(r.text for r in b.runs))
        elif isinstance(b, BulletList):
            out.extend("".join(r.text for r in item) for item in b.items)
        elif isinstance(b, Heading):
            out.append(b.text)
        elif isinstance(b, Table):
            out.append(b.caption)
            out.extend(" | ".join(row) for row in (*b.rows, *b.totals))
    return "\n".join(out)


def _table(doc, anchor):
    return next(b for b in (*doc.front, *doc.blocks) if getattr(b, "anchor", None) == anchor)


def test_front_sheet_comes_from_paper_toml_with_a_computed_summary(tmp_path):
    doc = _document(tmp_path)
    front = _text(doc.front)
    details = dict(_table(doc, "table-front-sheet").rows)
    assert details["Meeting"] == "Police and Crime Panel" and details["Report of"] == "Police and Crime Commissioner"
    assert details["Recommendation"].startswith("The Panel is asked to note")
    assert "Date of meeting" not in details  # not given, so left out of the final paper
    assert "Decisions due in 2024-25: 19" in front
    assert "External funding ends: £807,202 on 12 lines (MoJ grant £807,202, ending 31/03/2025)" in front
    assert "Planned completions: £543,215 on 4 lines" in front
    assert doc.version == "1.0"


def test_a_draft_front_sheet_shows_placeholders_for_missing_details(tmp_path):
    original = (ROOT / "data" / "2024-25" / "paper.toml").read_text(encoding="utf-8")
    facts = original[original.index("[facts]"):]
    doc = _document(tmp_path, paper_toml="[front]\nmeeting = \"Police and Crime Panel\"\n\n" + facts, draft=True)
    details = dict(_table(doc, "table-front-sheet").rows)
    assert details["Date of meeting"] == details["Author"] == "[to be completed]"
    assert details["Version"] == "Draft" and doc.version == "Draft"


def test_a_front_sheet_mistake_is_reported_with_the_file_and_field(tmp_path):
    with pytest.raises(InputError) as caught:
        _document(tmp_path, paper_toml="[front]\ndate = \"next Tuesday\"\nmeting = \"Panel\"\n")
    text = caught.value.report()
    assert "paper.toml" in text and "front.date" in text and "front.meting" in text


def test_money_at_risk_leads_with_the_moj_cliff_and_shares_add_up(tmp_path):
    doc = _document(tmp_path)
    table = _table(doc, "table-money-at-risk")
    assert [r[0] for r in table.rows][:2] == ["External funding ends", "Planned completions"]
    assert table.rows[0][2] == "807,202"
    assert sum(int(r[3].rstrip("%")) for r in table.rows) == 100
    warning = next(b for b in doc.blocks if getattr(b, "role", "") == "warning" and "MoJ grant funding" in _text([b]))
    assert "£807,202" in _text([warning]) and "1,460,412" not in _text(doc.blocks)


def test_every_decision_of_a_line_is_in_its_category_table(tmp_path):
    doc = _document(tmp_path)
    a = {r[0]: r for r in _table(doc, "table-category-a").rows}
    assert a["Victim First"][3] == ("Break clause: 30/09/2025 to 30/09/2026; Break clause: 30/09/2026 to 30/09/2027; "
                                    "Re-commissioning: 30/09/2027 to 30/09/2028")
    b = {r[0]: r for r in _table(doc, "table-category-b").rows}
    assert "(overdue)" in b["Helpline and Engagement (DA Services)"][3]
    assert not any("only" in r[2] for r in b.values())
    # the MoJ grants that share a reason and decision dates share a row, with their total
    grouped = next(r for name, r in b.items() if name.startswith("9 lines: ") and "Pregnancy and Maternity" in name)
    assert "start not recorded" in grouped[2] and grouped[3] == "Grant end: 30/06/2024 to 31/12/2024"
    assert sum(int(r[1].replace(",", "")) for r in b.values()) == int(_table(doc, "table-category-b").totals[0][1].replace(",", ""))


def test_decommissioning_and_review_edits_move_lines_as_an_officer_expects(tmp_path):
    def edit(rows):
        for r in rows:
            if r["id"] == "VU-010":
                r["status"] = "decommissioned"
            if r["id"] == "VS-004":
                r["status"] = "under review"
        return rows

    doc = _document(tmp_path, edit)
    ending = {r[0]: r for r in _table(doc, "table-ending").rows}
    assert ending["PAVE/OOCD/DTOA Custody"][3:] == ("decommissioned", "31/03/2026")
    everywhere = [r[0] for b in doc.blocks if getattr(b, "anchor", "").startswith("table-category-") for r in b.rows]
    assert "PAVE/OOCD/DTOA Custody" not in everywhere
    assert "Paediatric SARC" in [r[0] for r in _table(doc, "table-category-b").rows]


def test_data_quality_names_every_gap_by_id(tmp_path):
    text = _text(_document(tmp_path).blocks)
    section = text[text.index("Data quality"):text.index("Additional information")]
    for ident in ("VSG-012", "VU-004", "PR-013", "PRG-001", "VSG-011"):
        assert ident in section


def test_acronyms_are_spelled_out_once_in_prose_and_listed_but_names_are_untouched(tmp_path):
    doc = _document(tmp_path)
    body = _text(doc.blocks)
    assert body.count("Multi-Agency Risk Assessment Conference (MARAC)") == 1
    glossary = dict(_table(doc, "table-glossary").rows)
    for acronym in ("CSP", "YOS", "IOM", "ISVA", "IDVA", "VAWG", "OOCR", "MARAC", "SARC"):
        assert acronym in glossary
    assert "PAVE/OOCD/DTOA Custody" in body  # a project's name is never rewritten
    assert "Independent Sexual Violence Adviser (ISVA) Funding" not in body


def test_check_notes_gaps_and_unexplained_acronyms():
    from pipeline.build import check_register

    out = check_register("2024-25")
    assert "fixed-term lines with no end date: 3 (VU-004, PR-013, VSG-012)" in out
    assert "PLF (in CS-001" in out and "[glossary]" in out


def test_no_figure_is_typed_into_the_prose():
    """Figures in the paper's words are computed ({{ }}) or named facts from paper.toml, never typed."""
    import re

    typed = re.compile(r"£\s?\d|\b\d{1,3}(?:,\d{3})+\b|\b(?:19|20)\d{2}\b")
    for path in [*(ROOT / "data").glob("*/prose/*.md"), *(ROOT / "templates").glob("*.md")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            outside = re.sub(r"\{\{.*?\}\}|\{#.*?#\}|\{%.*?%\}|\]\(https?://[^)]*\)", "", line)
            assert not typed.search(outside), f"{path.name}, line {number}: a figure is typed: {line.strip()[:80]}"
