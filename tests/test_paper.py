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
def edition(built_2024_25):
    with (built_2024_25.data / YEAR / "register.csv").open(encoding="utf-8") as f:
        register = list(csv.DictReader(f))
    return {
        "docx": built_2024_25.path(f"commissioning-framework-{YEAR}.docx"),
        "html": built_2024_25.path(f"commissioning-framework-{YEAR}.html"),
        "register": register,
    }


def _register_rows(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if len(r) == 5]


@pytest.mark.slow
def test_the_web_edition_lists_all_64_register_lines_in_the_seed_column_order(edition):
    expected = [[r["term"], r["priority"], r["project"], r["provider"], r["spend"]] for r in edition["register"]]
    found = [r for r in _register_rows(html_table_rows(edition["html"]))
             if r[0] in ("Long", "Med", "Short", "Partnership", "Annual", "TBC")]
    assert found == expected
    # The printed paper keeps to its page budget: the full register is in the web edition, which it names.
    printed = [r for r in _register_rows(docx_table_rows(edition["docx"])) if r[0] in ("Long", "Med", "Short")]
    assert printed == []
    assert "The web edition adds the full register" in " ".join(" ".join(docx_paragraphs(edition["docx"])).split())


def test_both_editions_show_the_published_totals(edition):
    totals = [r[-1] for r in _register_rows(html_table_rows(edition["html"])) if r[0] == "TOTAL"]
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
    # the 2024-25 sample is declared a draft in paper.toml (its Panel meeting could not be confirmed)
    assert doc.core_properties.title == f"OPCC Commissioning Framework {YEAR} (draft)"
    assert doc.core_properties.language == "en-GB"


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
    assert "Decisions due in 2024-25" in text and "4,654,011" in text and "Page 1 of" in text
    # the decision paper's share of the 12-page budget, as LibreOffice lays the Word edition out
    assert text.count("\f") <= 12, f"the Word edition runs to {text.count(chr(12))} pages; the Panel's budget is 12"


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
    from pipeline.paper.compose import PaperInput, compose

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
    from dataclasses import replace

    from pipeline.analysis.gap import funding_gap

    edition, config, reg = load_edition("2024-25", data_dir=data)
    items = classify(reg, edition, config)
    points = decision_points(items, edition, config)
    review = schedule(items, edition, config, points=points)
    pending = reg.lines[:1] if draft else ()
    settings = read_paper_settings(data / "2024-25")
    look = replace(outlook(reg, edition, config, items), gap=funding_gap(items, settings.offsets, edition, config))
    a = PaperInput(edition, config, reg, items, review, look, (), None, None, data, pending, points, settings)
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
    return next(b for b in (*doc.front, *doc.blocks, *doc.web) if getattr(b, "anchor", None) == anchor)


def test_front_sheet_comes_from_paper_toml_with_a_computed_summary(tmp_path):
    doc = _document(tmp_path)
    front = " ".join(_text(doc.front).split())
    details = dict(_table(doc, "table-front-sheet").rows)
    assert details["Meeting"] == "Police and Crime Panel" and details["Report of"] == "Police and Crime Commissioner"
    assert details["Recommendation"].startswith("The Panel is asked to note")
    assert "Date of meeting" not in details  # not given and not built as a draft here, so left out
    assert "The Commissioner takes the commissioning decisions in this paper" in front
    assert "as at 1 April 2024" in front
    # the gap, the offsets and the remainder
    assert "MoJ grant funding of £807,202 ends by 31/03/2025 (12 lines)" in front
    assert ("decommission Warning Zone (£50,000); decommission Neighbourhood Watch Co-ordinator (£19,995); "
            "repurpose Commissioners Safety Fund (amount not decided)") in front
    assert "Gap left: £737,207 before the amount not yet decided" in front
    # each decision due named, with its date and value; the eleven MoJ grants share a line
    assert "By 30/09/2024:" in front and "MoJ specialist DA and SV grant (11 lines), £435,343 (grant end)" in front
    assert "Helpline and Engagement (DA Services), £435,455 (extension option)" in front
    # no data-quality counts on the Panel's first page
    assert "no start date" not in front and "no end date" not in front
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


def test_the_gap_table_sets_the_moj_money_against_the_proposals(tmp_path):
    doc = _document(tmp_path)
    table = _table(doc, "table-funding-gap")
    assert table.rows == (("MoJ grant ends", "12", "£807,202", "31/03/2025"),
                          ("Decommission Warning Zone", "1", "-£50,000", ""),
                          ("Decommission Neighbourhood Watch Co-ordinator", "1", "-£19,995", ""),
                          ("Repurpose Commissioners Safety Fund", "1", "not decided", ""))
    assert table.totals == (("Gap left before the amounts not yet decided", "", "£737,207", ""),)
    warning = next(b for b in doc.blocks if getattr(b, "role", "") == "warning" and "MoJ grant funding" in _text([b]))
    assert "£807,202" in _text([warning]) and "£69,995" in _text([warning]) and "£737,207" in _text([warning])
    body = _text(doc.blocks)
    for wrong in ("1,460,412", "2,574,970"):  # the old "ending" totals that counted completions and funds
        assert wrong not in body
    assert "planned completions (4 lines, £543,215) end as agreed" in body


def test_decisions_are_one_row_per_agreement_with_dates_in_stages(tmp_path):
    doc = _document(tmp_path)
    due = {r[0]: r for r in _table(doc, "table-decisions-1").rows}
    moj = due["MoJ specialist DA and SV grant (11 lines)"]
    assert moj[1] == "435,343" and moj[2].startswith("Grant end (whether the work continues): by 30/09/2024")
    assert "(work should have started 30/09/2023)" in due["Helpline and Engagement (DA Services)"][2]
    assert "overdue" not in " ".join(r[2] for r in due.values())  # nothing is past its date on 1 April 2024
    oocr = due["Out-of-court resolution contracts (3 lines)"]
    assert oocr[1] == "142,050" and "Extension option" in oocr[2] and "Re-commissioning: route decision by" in oocr[2]
    assert "Review (continue or decommission; date from the 3-month review window): by 30/06/2024" in due["Warning Zone"][2]
    later = {r[0]: r for r in _table(doc, "table-decisions-2").rows}
    assert later["Victim First"][2] == "Break clause (continue or end): by 30/09/2026"
    sm = "Substance misuse contracts (3 lines) (Rutland County Substance Misuse: dates inferred)"
    assert later[sm][2] == ("Extension option, held by Leicester City Council and Leicestershire County Council: "
                            "the office gives its view by 30/09/2025")
    assert later["Victim Pathway Service (dates inferred)"][2].startswith("Re-commissioning: route decision by")


def test_decommissioning_and_review_edits_move_lines_as_an_officer_expects(tmp_path):
    def edit(rows):
        for r in rows:
            if r["id"] == "VU-010":
                r["status"] = "decommissioned"
            if r["id"] == "VS-004":
                r["status"] = "under review"
        return rows

    doc = _document(tmp_path, edit)
    everywhere = [r[0] for b in doc.blocks if getattr(b, "anchor", "").startswith("table-decisions-") for r in b.rows]
    assert "PAVE/OOCD/DTOA Custody" not in everywhere  # decommissioned: no decision left to take
    due = {r[0]: r for r in _table(doc, "table-decisions-1").rows}
    assert due["Paediatric SARC"][2].startswith("Review (continue or decommission; date from the 3-month review window)")


def test_data_quality_names_every_gap_by_id_or_by_its_whole_table(tmp_path):
    text = _text(_document(tmp_path).blocks)
    section = text[text.index("Data quality"):text.index("Additional information")]
    for ident in ("VSG-012", "VU-004", "PR-013"):
        assert ident in section
    # all 17 grants lack a start date: the table is named rather than its 17 ids (the page budget)
    assert "Grants with no start date (17): every line of Table 2: grants." in section

    def dated(rows):
        for r in rows:
            if r["id"] == "CSG-001":
                r["start_date"] = "2023-10-01"
        return rows

    text = _text(_document(tmp_path / "one-dated", dated).blocks)
    section = text[text.index("Data quality"):text.index("Additional information")]
    assert "Grants with no start date (16): PRG-001, CSG-002" in section and "CSG-001" not in section


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
