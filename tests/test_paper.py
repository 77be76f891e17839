"""The paper as a reader meets it: both editions carry every register line and computed figures."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import build_edition
from pipeline.formatting import money

from .conftest import copy_data
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


def test_a_mistake_in_the_officers_prose_names_the_file(tmp_path):
    from pipeline.problems import InputError

    data = copy_data(tmp_path)
    (data / YEAR / "prose" / "outlook.md").write_text("Total {{ money(totl()) }}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        build(tmp_path, data)
    report = info.value.report()
    assert "outlook.md" in report and "'totl' is undefined" in report


@pytest.mark.parametrize("width", [1280, 320])
def test_the_built_html_edition_has_no_axe_violations(edition, width):
    from .a11y import axe_violations, format_violations

    violations = axe_violations(edition["html"], width=width)
    assert not violations, format_violations(violations)


def test_the_built_word_edition_opens_in_libreoffice(edition, tmp_path):
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed to prove the .docx opens: apt-get install libreoffice-writer"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(edition["docx"])], check=True, capture_output=True, timeout=240)
    pdf = tmp_path / edition["docx"].with_suffix(".pdf").name
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Schedule of review and scrutiny" in text and "4,654,011" in text and "Page 1 of" in text
