"""Broken and hostile registers (tests/hostile/, made by make_corpus.py) against the real command line.

For every file, a good edition is first in the output folder. Then `invoke report --register FILE
--year 2024-25 --out DIR` runs and:

- a file the loader must refuse exits with code 2, prints no traceback, names the row and column (or
  the problem with the file), and leaves the previous build byte for byte as it was, with no
  temporary folder beside it;
- a file that must build exits 0, and its hostile text comes out literally: no <script> element or
  event handler in the HTML, no template evaluated ({{ 7*7 }} stays {{ 7*7 }}), no Markdown
  interpreted, no control characters in the Word XML, and every review-schedule.csv cell that would
  start a spreadsheet formula (= + - @) neutralised with a leading quote.

Refused files all go through the command line (about half a second each). Building takes longer, so
only a representative subset of the building files uses the command line (`cli=True`); the rest call
pipeline.build.build_edition directly, which is what the task runs.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .readback import docx_paragraphs, html_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "hostile"
YEAR = "2024-25"
HTML = f"commissioning-framework-{YEAR}.html"
DOCX = f"commissioning-framework-{YEAR}.docx"

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
PWNED = "</td></tr></table><h1>pwned</h1>"
JINJA, JINJA_BLOCK, JINJA_MORE = "{{ 7*7 }}", "{% include '/etc/passwd' %}", "{{ config.__class__ }} {# hidden #} ${7*7}"
MD_LINK, MD_MARKS = "[click me](javascript:alert(1))", "**bold** _em_ `code` # not a heading"
MD_MORE = "![pixel](http://evil.example/p.png) <https://evil.example> | a | b |"
FORMULAS = ("=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", '=HYPERLINK("http://evil.example","x")')
ACCENTED = ("Café Crème Recovery Hub", "Zoë Ñúñez & Søn", "Costs £34,000 – “agreed” in Señora’s review.")


@dataclass(frozen=True)
class Refused:
    fragments: tuple[str, ...]  # each must appear in what the command prints
    bug: str = ""  # known pipeline bug: the case is an expected failure until fixed


@dataclass(frozen=True)
class Builds:
    literal: tuple[str, ...] = ()  # must appear, as typed, in the HTML text and in the Word text
    csv_cells: tuple[str, ...] = ()  # must be cells of review-schedule.csv, exactly
    ics: tuple[str, ...] = ()  # must appear, as typed, in the calendar's event summaries
    cli: bool = False  # run through `invoke report` (else build_edition in-process)
    warns: str = ""  # a fragment the build's notes must contain
    absent: tuple[str, ...] = ()  # must appear in neither edition (text the build must not have read)
    svg_text: tuple[str, ...] = ()  # must be the text of an element of a chart's SVG, exactly as typed
    bug: str = ""
    web_literal: tuple[str, ...] = ()  # as literal, in the HTML edition only (ids: the register tables are web-only)


ROW12 = ("row 12",)  # VU-004, the line most files poison (the header is row 1)

EXPECTED: dict[str, Refused | Builds] = {
    # --- columns ---
    "missing_column.csv": Refused(("row 1", "column 'provider'", "required column is missing")),
    "misspelt_column.csv": Refused(("row 1", "column 'project'", 'the header has "projct"')),
    "duplicate_column.csv": Refused(("row 1", "column 'Start Date'", "appears twice")),
    # --- required cells ---
    "blank_id.csv": Refused((*ROW12, "column 'id'", "this cell is blank")),
    "blank_id_invisible.csv": Refused((*ROW12, "column 'id'", "this cell is blank")),
    "blank_project.csv": Refused(("row 27", "column 'project'", "this cell is blank")),
    "duplicate_id.csv": Refused((*ROW12, "column 'id'", '"VS-003"', "already used on row 4")),
    "duplicate_id_case.csv": Refused((*ROW12, "column 'id'", '"vs-003"', "already used on row 4")),
    # --- vocabularies, with the near miss suggested ---
    "unknown_section.csv": Refused((*ROW12, "column 'section'", '"grant"', 'did you mean "grants"')),
    "unknown_term.csv": Refused((*ROW12, "column 'term'", '"Medium"', 'did you mean "Med"')),
    "unknown_priority.csv": Refused((*ROW12, "column 'priority'", 'did you mean "Victim Services"')),
    "unknown_status.csv": Refused((*ROW12, "column 'status'", 'did you mean "under review"')),
    "unknown_category.csv": Refused((*ROW12, "column 'category'", '"e"', "expected one of: a, b, c, d")),
    # --- values ---
    "impossible_date.csv": Refused(("row 2", "column 'end_date'", '"31/02/2025"', "does not exist")),
    "unreadable_date.csv": Refused(("row 3", "column 'start_date'", '"April 2024"', "expected a date")),
    "end_before_start.csv": Refused(("row 3", "column 'end_date'", "before the start date")),
    "bad_spend.csv": Refused(("line VU-004 at row 12", "column 'spend'", '"£12,x00"', "expected an amount in pounds")),
    "negative_spend.csv": Refused((*ROW12, "column 'spend'", '"-500"', "cannot be negative")),
    "formula_spend.csv": Refused((*ROW12, "column 'spend'", '"=SUM(A1:A9)"', "expected an amount")),
    "bad_options.csv": Refused(("row 9", "column 'extension_options'", '"1+"', "whole years")),
    "far_future_date.csv": Refused(("row 9", "column 'end_date'", "9999", "between 1900 and 2200")),
    "ancient_date.csv": Refused((*ROW12, "column 'end_date'", "0001", "between 1900 and 2200")),
    "many_problems.csv": Refused(("Found 4 problems", "row 12, column 'term'", "row 13, column 'spend'",
                                  "row 15, column 'end_date'", "row 17, column 'id'")),
    "long_cell.csv": Refused((*ROW12, "column 'notes'", "100,000 characters")),
    "huge_cell.csv": Refused((*ROW12, "column 'notes'", "characters")),
    # --- the file itself ---
    "empty.csv": Refused(("empty.csv", "the file is empty")),
    "whitespace_only.csv": Refused(("whitespace_only.csv", "the file is empty")),
    "bom_only.csv": Refused(("bom_only.csv", "the file is empty")),
    "header_only.csv": Refused(("header_only.csv", "no services are listed")),
    "header_then_blank_rows.csv": Refused(("header_then_blank_rows.csv", "no services are listed")),
    "binary_garbage.csv": Refused(("binary_garbage.csv", "binary data")),
    "nul_bytes.csv": Refused(("nul_bytes.csv", "binary data")),
    "text_named.xlsx": Refused(("text_named.xlsx", "not an Excel workbook")),
    "truncated.xlsx": Refused(("truncated.xlsx", "not an Excel workbook")),
    "ole_named.xlsx": Refused(("ole_named.xlsx", "password-protected or in the old Excel 97-2003 format")),
    "xlsx_named.csv": Refused(("xlsx_named.csv", "Excel workbook with a .csv name")),
    "wrong_type.ods": Refused(("wrong_type.ods", "files of type '.ods' are not read")),
    "empty_sheet.xlsx": Refused(("empty_sheet.xlsx", "the sheet 'Register' is empty")),
    "uncalculated_formula.xlsx": Refused(("sheet 'Register', line VU-004 at row 12", "column 'spend'",
                                          "no calculated result saved")),
    "formula_error_libreoffice.xlsx": Refused((*ROW12, "column 'spend'", "#DIV/0!")),
    # --- issue 12: wrong papers and unhelpful messages, now refused with what to do ---
    "unclosed_quote.csv": Refused(("line VU-004 at row 12", "column 'notes'", "not closed where it should be",
                                   "file line 13 was read into this one cell")),
    "quote_closed_late.csv": Refused(("line VU-004 at row 12", "column 'notes'", "file lines 13 to 17 were read",
                                      "close the quote")),
    "unclosed_quote_last_row.csv": Refused(("line VSG-012 at row 65", "is never closed")),
    "hidden_register_only.xlsx": Refused(("the sheet 'Register' is hidden", "Unhide")),
    "merged_cells.xlsx": Refused(("sheet 'Register', line VU-005 at row 13, column 'priority'",
                                  "sheet 'Register', line VU-006 at row 14, column 'priority'",
                                  "merged cells D12:D14", "unmerge")),
    "serial_dates.csv": Refused(("line VU-001 at row 9", "column 'end_date'", '"45747"', "Excel serial number",
                                 "31/03/2025", "format the column as Date")),
    "serial_dates.xlsx": Refused(("sheet 'Register', line VS-001 at row 2", '"46842"', "30/03/2028",
                                  "format the column as Date")),
    "totals_rows.csv": Refused(("Found 2 problems", 'row 49, column \'project\': found "Total spend"',
                                'row 67, column \'id\': found "Grand total (£)"', "totals row")),
    "extension_overflow.csv": Refused(("line VU-001 at row 9", "column 'extension_options'", '"99+99+99"',
                                       "would run to 2496", "within 2200")),
    # --- issue 23: read as something else without a word; now refused, naming the cell ---
    "end_date_with_text.csv": Refused(("line VU-001 at row 9", "column 'end_date'", "more than a date",
                                       "extended to 2028-03-31")),
    "break_dates_space.csv": Refused(("line VS-001 at row 2", "column 'break_dates'", "more than a date",
                                      "separated by ';'")),
    "decimal_comma.csv": Refused((*ROW12, "column 'spend'", '"0,500"', "could be read two ways")),
    "zero_width_id.csv": Refused(("row 11", "column 'id'", 'differs from "VU-002" on row 10',
                                  "invisible characters")),
    "punctuation_ids.csv": Refused(("row 55", "column 'id'", '"VSG/001"', 'differs from "VSG 001" on row 54')),
    "decommissioned_override.csv": Refused(("line VU-001 at row 9", "column 'category'",
                                            'the status is "decommissioned"', "clear the category cell")),

    # --- hostile text that must build and come out literally ---
    "formula_text.csv": Builds(literal=FORMULAS, cli=True, ics=FORMULAS[1:], csv_cells=(
        *("'" + f for f in FORMULAS), "'=1+1", "'@x", "'-PR-009", "'+CS-010")),
    "formula_text.xlsx": Builds(literal=FORMULAS[:2], csv_cells=("'" + FORMULAS[0], "'" + FORMULAS[1])),
    "html_injection.csv": Builds(literal=(SCRIPT, IMG, PWNED), web_literal=("<script>alert(2)</script>",),
                                 ics=(IMG, PWNED), cli=True),
    "template_injection.csv": Builds(cli=True, literal=(JINJA, JINJA_BLOCK, JINJA_MORE), web_literal=("{{ 8*8 }}",),
                                     ics=(JINJA_BLOCK, JINJA_MORE), csv_cells=(JINJA, JINJA_BLOCK, JINJA_MORE, "{{ 8*8 }}")),
    "markdown_injection.csv": Builds(literal=(MD_LINK, MD_MARKS, MD_MORE, "# Heading - item > quote 1. one"),
                                     web_literal=("**VS-003**", "[CS-010](javascript:alert(3))"),
                                     ics=(MD_MARKS, MD_MORE),
                                     csv_cells=(MD_LINK, MD_MARKS, MD_MORE, "**VS-003**", "[CS-010](javascript:alert(3))")),
    "control_chars.csv": Builds(literal=("Recovery evil", "Leicester City Council", "Line one line two and a bell .",
                                         "[31mNeighbourhood Watch [0m Co-ordinator"),
                                warns="row 12, column 'project': invisible control characters were removed"),
    "huge_spend.csv": Builds(literal=("99,999,999,999,999,999,999",)),
    # --- encodings and layouts officers really send ---
    "utf16.csv": Builds(literal=ACCENTED),
    "windows_1252.csv": Builds(literal=ACCENTED),
    "utf8_bom.csv": Builds(literal=ACCENTED),
    "semicolons.csv": Builds(literal=ACCENTED),
    "tab_separated.txt": Builds(literal=ACCENTED),
    "unicode_names.csv": Builds(literal=("Ǆemal 🚓 警察 مرحبا Café",)),
    "title_rows_and_odd_headers.csv": Builds(literal=("Recovery Hub", "£4,654,011")),
    "ragged_rows.csv": Builds(literal=("Recovery Hub", "£4,654,011")),
    "first_sheet.xlsx": Builds(literal=("Recovery Hub", "£4,654,011")),
    "notes_sheet_first.xlsx": Builds(literal=("Recovery Hub", "£4,654,011")),
    "libreoffice.xlsx": Builds(literal=("Recovery Hub", "£4,654,011"), cli=True),
    # A stale copy hidden in front of the register is never read; the visible sheet is.
    "hidden_stale_sheet.xlsx": Builds(literal=("Recovery Hub", "£4,654,011"), absent=("STALE COPY",), cli=True),
    "semicolons_comma_in_header.csv": Builds(literal=ACCENTED),
    # A line starting in 2030 in the 2024-25 register builds, with a note naming it; never "started 01/04/2030".
    "future_start.csv": Builds(warns="1 line starts after the 2024-25 year ends (31/03/2025): VU-004 (01/04/2030)",
                               absent=("started 01/04/2030",)),
    # Dollar signs are text, never chart maths (matplotlib's $...$): drawn as typed, no traceback.
    "dollar_signs.csv": Builds(literal=("Service $\\undefinedmacro$ pilot", "Small grants ($5k to $10k awards)"),
                               svg_text=("Service $\\undefinedmacro$ pilot",)),
}


def _params(kind: type) -> list:
    out = []
    for name, expect in EXPECTED.items():
        if isinstance(expect, kind):
            marks = [pytest.mark.xfail(strict=True, reason=f"BUG: {expect.bug}")] if expect.bug else []
            out.append(pytest.param(name, expect, id=name, marks=marks))
    return out


# --- helpers ---------------------------------------------------------------------------------------

def run_report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoke", "report", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (hidden ones too), and every folder by name."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return out


def differences(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@pytest.fixture
def previous(tmp_path, built_2024_25) -> Path:
    """A copy of the real 2024-25 edition (built once for the session), as the good previous build."""
    out = tmp_path / "build" / YEAR
    shutil.copytree(built_2024_25.folder, out)
    return out


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


_BAD_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def assert_html_is_inert(html: Path) -> None:
    raw = html.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(raw)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "iframe", "object", "embed", "base", "form"), f"<{tag}> element in the HTML"
        for name, value in attrs:
            assert not name.lower().startswith("on"), f"event handler {name}={value!r} on <{tag}>"
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                v = (value or "").strip().lower()
                assert not v.startswith(("javascript:", "vbscript:")), f"{name}={value!r} on <{tag}>"
                if tag == "img":
                    assert v.startswith("data:"), f"<img src={value!r}>: the paper must embed its images"
    assert not _BAD_XML_CHARS.search(raw), "control or bidi characters in the HTML"


def svg_texts(svg: Path) -> list[str]:
    """The text of every <text> element of a chart (matplotlib keeps text as text: svg.fonttype none)."""
    import xml.etree.ElementTree as ET

    return ["".join(el.itertext()) for el in ET.parse(svg).getroot().iter() if el.tag.rsplit("}", 1)[-1] == "text"]


def assert_docx_is_inert(docx: Path) -> None:
    with zipfile.ZipFile(docx) as z:
        body = z.read("word/document.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    assert "javascript:" not in rels.lower(), "a javascript: hyperlink in the Word edition"
    assert not _BAD_XML_CHARS.search(body), "control or bidi characters in the Word XML"


def assert_csv_neutralised(path: Path, expected_cells: tuple[str, ...]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    cells = [c for r in rows[1:] for c in r]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, f"cells a spreadsheet would run as formulas: {dangerous[:5]}"
    missing = [c for c in expected_cells if c not in cells]
    assert not missing, f"review-schedule.csv lacks the neutralised cells {missing}"


def assert_ics_reads_back(path: Path, expected: tuple[str, ...]) -> None:
    """The calendar parses, and hostile project names come back from it exactly."""
    from icalendar import Calendar

    cal = Calendar.from_ical(path.read_bytes())
    summaries = [str(ev.get("summary")) for ev in cal.walk("VEVENT")]
    assert summaries, "the calendar has no events"
    for text in expected:
        assert any(text in s for s in summaries), f"{text!r} does not come back from the calendar"


# --- the tests -------------------------------------------------------------------------------------

def test_every_corpus_file_has_an_expectation_and_vice_versa():
    files = {p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix != ".py"}
    assert files == set(EXPECTED), (f"files without an expectation: {sorted(files - set(EXPECTED))}; "
                                    f"expectations without a file: {sorted(set(EXPECTED) - files)}")
    assert len(files) >= 25


@pytest.mark.slow
@pytest.mark.parametrize(("name", "expect"), _params(Refused))
def test_a_broken_register_is_refused_and_the_previous_build_kept(name, expect, previous):
    before = snapshot(previous.parent)
    proc = run_report("--register", str(CORPUS / name), "--year", YEAR, "--out", str(previous))
    said = proc.stdout + proc.stderr
    assert "Traceback" not in said, said[-3000:]
    assert proc.returncode == 2, f"exit {proc.returncode}:\n{said[-3000:]}"
    assert name in proc.stderr, f"the message does not name the file:\n{proc.stderr}"
    missing = [f for f in expect.fragments if f not in proc.stderr]
    assert not missing, f"the message lacks {missing}:\n{proc.stderr}"
    changed = differences(before, snapshot(previous.parent))
    assert not changed, f"a refused build changed or left behind: {changed}"


@pytest.mark.slow
@pytest.mark.parametrize(("name", "expect"), _params(Builds))
def test_a_hostile_register_builds_and_shows_its_text_literally(name, expect, previous, tmp_path):
    register = CORPUS / name
    if expect.cli:
        proc = run_report("--register", str(register), "--year", YEAR, "--out", str(previous), "--quiet")
        said = proc.stdout + proc.stderr
        assert "Traceback" not in said, said[-3000:]
        assert proc.returncode == 0, f"exit {proc.returncode}:\n{said[-3000:]}"
        notes = proc.stderr
    else:
        from pipeline.build import build_edition

        result = build_edition(YEAR, register=register, out=previous, force=True, build_dir=tmp_path / "cache")
        notes = "\n".join(result.warnings)
    if expect.warns:
        assert expect.warns in notes, notes

    html, docx = previous / HTML, previous / DOCX
    shown_html = " ".join(html_text(html).split())
    shown_word = " ".join(" ".join(docx_paragraphs(docx)).split())
    for text in expect.literal:
        assert text in shown_html, f"{text!r} is not shown literally in the HTML edition"
        assert text in shown_word, f"{text!r} is not shown literally in the Word edition"
    for text in expect.web_literal:
        assert text in shown_html, f"{text!r} is not shown literally in the HTML edition"
    for text in expect.absent:
        assert text not in shown_html and text not in shown_word, f"{text!r} was read into the paper"
    if expect.svg_text:
        drawn = [t for svg in sorted((previous / "charts").glob("*.svg")) for t in svg_texts(svg)]
        for text in expect.svg_text:
            assert any(text in t for t in drawn), f"{text!r} is not drawn as typed in any chart: {drawn[:40]}"
    assert_html_is_inert(html)
    assert_docx_is_inert(docx)
    assert_csv_neutralised(previous / "review-schedule.csv", expect.csv_cells)
    assert_ics_reads_back(previous / "review-schedule.ics", expect.ics)
    leftovers = sorted(p.name for p in previous.parent.iterdir() if p.name != YEAR)
    assert not leftovers, f"temporary folders left beside the build: {leftovers}"


# --- issue 23: limits that hold by construction, no traceback, nothing misread in silence ------------
#
# Each case below used to run for minutes, take gigabytes, stop with a traceback or build a wrong paper.
# Every one now fails fast by construction (or builds correctly), so no wall-clock time is asserted:
# how long they take is measured by the benchmark (benchmarks/hostile.py).

from pipeline.build import build_edition, compose_edition, load_edition  # noqa: E402
from pipeline.problems import InputError  # noqa: E402

from .conftest import copy_data  # noqa: E402


@pytest.fixture
def data(tmp_path) -> Path:
    return copy_data(tmp_path)


def _write_prose(data: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (data / YEAR / "prose" / name).write_text(text, encoding="utf-8")


def _refusal(action) -> str:
    """The report of the InputError `action` raises: what the officer reads (exit code 2 on the command line)."""
    with pytest.raises(InputError) as info:
        action()
    report = info.value.report()
    assert "Traceback" not in report
    return report


def _build(data: Path, out: Path, **kwargs):
    """A build without the PDF edition (the slowest writer, not under test here). A placeholder stands in
    for the PDF, so that the up-to-date check, which wants every output present, can be tested."""
    kwargs.setdefault("force", True)
    result = build_edition(YEAR, data_dir=data, out=out, build_dir=out.parent / "cache", skip=("pdf",), jobs=1,
                           **kwargs)
    pdf = out / f"commissioning-framework-{YEAR}.pdf"
    if not pdf.exists():
        pdf.write_bytes(b"%PDF-1.7 placeholder")
    return result


@pytest.mark.parametrize(("text", "said"), [
    ("{{ ([[0]*100000]*300)|sum(start=[])|length }}", "more than the 200,000 allowed"),
    ("{{ ([[0]*100000]*2000)|sum(start=[])|length }}", "more than the 200,000 allowed"),
    # The same weight built a step at a time, so that no one repetition is large:
    ("{% set ns = namespace(x=[0]) %}{% for i in range(100000) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}"
     "{{ ns.x }}", "through its lists"),
    ("{% set ns = namespace(x=(0,)) %}{% for i in range(60) %}{% set ns.x = (ns.x, ns.x) %}{% endfor %}"
     "{{ {ns.x: 1} }}", "through its lists"),
    # Comparing two large values walks them in C: charged as work, so a loop of them stops at once.
    ("{% set a = [[0]*1000]*150 %}{% set b = [[0]*1000]*150 %}{% for i in range(100000) %}{% if a == b %}"
     "{% endif %}{% endfor %}", "runs away"),
    ("{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = namespace(y=ns.x) %}{% endfor %}"
     "{{ ns }}", "nested more than"),
], ids=["sum-300", "sum-2000", "doubling-list", "doubling-tuple-hashed", "compare-in-loop", "nested-namespaces"])
def test_prose_cannot_build_a_huge_value_in_any_way(data, text, said):
    _write_prose(data, {"outlook.md": "A first line.\n" + text + "\n"})
    report = _refusal(lambda: compose_edition(YEAR, data_dir=data))
    assert "prose/outlook.md, line 2" in report and said in report, report


def test_sum_of_lists_and_texts_still_works_in_prose(data):
    _write_prose(data, {"outlook.md": "{% set l = [0]*1000 %}Items: {{ ([l]*150)|sum(start=[])|length }}; "
                                      "{{ ['a', 'b', 'c']|sum(start='') }}; {{ [1, 2, 3]|sum }}.\n"})
    doc = compose_edition(YEAR, data_dir=data)
    text = " ".join("".join(r.text for r in b.runs) for b in doc.blocks if hasattr(b, "runs"))
    assert "Items: 150,000; abc; 6." in text or "Items: 150000; abc; 6." in text, text[:2000]


def test_a_prose_file_of_two_thousand_headings_is_refused_before_any_is_written(data):
    _write_prose(data, {"additional.md": "".join(f"### Heading {i}\n\n" for i in range(2_000))})
    report = _refusal(lambda: compose_edition(YEAR, data_dir=data))
    assert "prose/additional.md, line 401" in report and "more than 200 headings" in report, report
    assert "prose_headings under [limits]" in report


@pytest.mark.slow
def test_twenty_thousand_equal_headings_get_unique_anchors(data):
    from pipeline.paper.model import Heading

    (data / YEAR / "config.toml").write_text("[limits]\nprose_headings = 20000\n", encoding="utf-8")
    _write_prose(data, {"additional.md": "".join(f"### Same heading\n\nText {i}.\n\n" for i in range(20_000))})
    doc = compose_edition(YEAR, data_dir=data)
    anchors = [b.anchor for b in doc.blocks if isinstance(b, Heading) and b.text == "Same heading"]
    assert len(anchors) == 20_000 and len(set(anchors)) == 20_000
    assert anchors[0] == "same-heading" and anchors[-1] == "same-heading-20000"


@pytest.mark.parametrize("call", [
    'register_table("commissioning", "Again", ["Term", "Priority", "Project", "Provider", "Spend"])',
    'glossary_table("Again", ["Term", "Meaning"])',
    'front_table("Again", {"version": "Version"}, "to come")',
])
def test_a_table_placed_again_from_prose_is_refused_with_both_places(data, call):
    _write_prose(data, {"introduction.md": "A first line.\n\n{{ " + call + " }}\n"})
    report = _refusal(lambda: compose_edition(YEAR, data_dir=data))
    assert "is already in the paper, placed by" in report and "prose/introduction.md, line 3" in report, report


def test_a_block_helper_with_wrong_arguments_in_prose_names_its_line(data):
    _write_prose(data, {"introduction.md": 'A first line.\n\n{{ category_schedule("a", "c", ["a", "b", "c"], "none") }}\n'})
    report = _refusal(lambda: compose_edition(YEAR, data_dir=data))
    assert "prose/introduction.md, line 3" in report and "column titles" in report, report


@pytest.mark.parametrize(("text", "said"), [
    ('{{ figure("timeline") }}', "(figure-timeline) is already in the paper"),
    ("[the larger timeline](#figure-timeline-larger)", "points to #figure-timeline-larger, which is not in the paper"),
], ids=["figure-twice", "larger-link"])
@pytest.mark.slow
def test_figures_from_prose_are_refused_not_a_traceback(data, tmp_path, text, said):
    _write_prose(data, {"introduction.md": "A first line.\n\n" + text + "\n"})
    report = _refusal(lambda: _build(data, tmp_path / "out" / YEAR))
    assert said in report and "introduction.md" in report, report


@pytest.mark.slow
def test_headings_named_like_the_writers_own_ids_build(data, tmp_path):
    from .readback import html_text

    _write_prose(data, {"additional.md": "### Table grants caption\n\nOne.\n\n### CF contents title\n\nTwo.\n\n"
                                         "### Figure timeline chart\n\nThree.\n"})
    out = tmp_path / "out" / YEAR
    _build(data, out)
    html = (out / HTML).read_text(encoding="utf-8")
    assert 'id="section-table-grants-caption"' in html and 'id="section-cf-contents-title"' in html
    assert 'id="section-figure-timeline-chart"' in html
    assert "Table grants caption" in html_text(out / HTML)


@pytest.mark.parametrize("name", ["Introduction.md", "outlook.md.txt"])
def test_a_misnamed_prose_file_is_refused_with_the_name_to_use(data, name):
    meant = name.split(".")[0].lower()
    folder = data / YEAR / "prose"
    (folder / f"{meant}.md").rename(folder / name)
    report = _refusal(lambda: compose_edition(YEAR, data_dir=data))
    assert name in report and f"rename this file to {meant}.md" in report, report


def test_a_prose_file_no_section_reads_is_noted(data, caplog):
    _write_prose(data, {"notes-for-me.md": "Drafts.\n"})
    with caplog.at_level("INFO", logger="pipeline"):
        compose_edition(YEAR, data_dir=data)
    assert any("notes-for-me.md is not part of the paper" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_huge_files_in_the_prose_folder_are_never_read_for_the_fingerprint(data, tmp_path):
    # Sparse files: 3 GB each on paper, nothing on disk. Reading either whole was a MemoryError traceback.
    for name in ("video.mp4", "huge.md"):
        with (data / YEAR / "prose" / name).open("wb") as fh:
            fh.truncate(3 * 1024 ** 3)
    out = tmp_path / "out" / YEAR
    _build(data, out)
    assert _build(data, out, force=False).skipped


@pytest.mark.slow
def test_the_previous_editions_settings_are_part_of_the_up_to_date_check(data, tmp_path):
    import shutil as sh

    sh.copytree(data / YEAR, data / "2023-24")  # a previous edition, compared with
    out = tmp_path / "out" / YEAR
    _build(data, out)
    assert _build(data, out, force=False).skipped
    (data / "2023-24" / "config.toml").write_text("[edition]\npaper_date = 2023-05-01\n", encoding="utf-8")
    assert not _build(data, out, force=False).skipped


@pytest.mark.slow
def test_a_changed_figure_in_the_chart_cache_is_never_published(data, tmp_path):
    import json

    out = tmp_path / "out" / YEAR
    _build(data, out)
    (index,) = (tmp_path / "out" / "cache" / ".cache").glob("*/index.json")
    entry = json.loads(index.read_text(encoding="utf-8"))
    entry["charts"][0]["data"]["rows"][0][-1] = "£999,999,999"
    entry["charts"][0]["alt"] = "A tampered description"
    index.write_text(json.dumps(entry), encoding="utf-8")
    _build(data, out)
    html = (out / HTML).read_text(encoding="utf-8")
    assert "£999,999,999" not in html and "A tampered description" not in html


@pytest.mark.slow
def test_an_output_folder_that_is_a_link_is_updated_where_it_points(data, tmp_path):
    real = tmp_path / "published" / YEAR
    real.parent.mkdir()
    link_parent = tmp_path / "out"
    link_parent.mkdir()
    link = link_parent / YEAR
    link.symlink_to(real, target_is_directory=True)
    _build(data, link)
    assert link.is_symlink() and (real / HTML).is_file()
    _build(data, link)  # a second build replaces the published folder's contents, not the link
    assert link.is_symlink() and (real / HTML).is_file()
    leftovers = sorted(p.name for p in (*link_parent.iterdir(), *real.parent.iterdir()) if p.name not in (YEAR, "cache"))
    assert not leftovers, leftovers


def test_a_killed_new_year_leaves_nothing_behind(data):
    from pipeline.config import load_config
    from pipeline.cycle.newyear import roll_forward
    from pipeline.edition import Edition

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = data / f".2025-26-in-progress-{int(dead.stdout)}-abcd1234"
    (leftover / "prose").mkdir(parents=True)
    roll_forward(Edition(2024), data, load_config(YEAR, data))
    assert not leftover.exists()
    assert not [p.name for p in data.iterdir() if "in-progress" in p.name]


def test_a_workbook_styled_to_column_xfd_costs_only_its_values(tmp_path):
    import openpyxl
    from openpyxl.styles import PatternFill

    from pipeline.config import load_config
    from pipeline.input.load import read_limits
    from pipeline.input.sources import read_table

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    with (ROOT / "data" / YEAR / "register.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        ws.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(1, 20_001):  # one styled empty cell in the last column of 20,000 rows
        ws.cell(row=r, column=16_384).fill = fill
    path = tmp_path / "styled.xlsx"
    wb.save(path)
    table = read_table(path, known=("id", "project"), limits=read_limits(load_config(YEAR)))
    assert len(table.rows) == 64
    assert max(len(cells) for _, cells in table.rows) <= len(table.header) == len(rows[0])  # not 16,384


@pytest.mark.parametrize(("settings", "said"), [
    ('[paper]\nsubject = "{name:>300000000}"\n', ("[paper] subject", "the placeholder {name:>300000000} has a format")),
    ('[paper]\ntitle = "Commissioning Framework {year:d}"\n', ("[paper] title", "{year:d} has a format")),
    ("[edition]\npaper_date = 2024-07-01T09:00:00\n", ("[edition] paper_date", "without a time of day")),
    ("[edition]\npaper_date = 9999-12-01\n", ("[edition] paper_date", "expected a date from 01/04/2023 to 31/03/2025")),
    ('[categories.a]\nlabel = "Secure\\u000bfunding"\ndescription = "x"\n',
     ("[categories.a] label", "control or invisible character (U+000B")),
    ('[glossary]\nPCC = "Police and Crime\\u0007 Commissioner"\n', ("[glossary] PCC", "U+0007")),
    ('[organisation]\nname = "Office of the \\u202eCommissioner"\n', ("[organisation] name", "U+202E")),
], ids=["subject-width", "title-format", "paper-date-time", "paper-date-9999", "vertical-tab", "glossary-bell",
        "organisation-bidi"])
def test_settings_that_would_misprint_are_refused_naming_file_table_and_key(data, settings, said):
    (data / YEAR / "config.toml").write_text(settings, encoding="utf-8")
    report = _refusal(lambda: load_edition(YEAR, data_dir=data))
    assert f"{YEAR}/config.toml, " in report and all(s in report for s in said), report


def test_grants_whose_360giving_identifiers_would_collide_are_refused(data, tmp_path):
    register = data / YEAR / "register.csv"
    text = register.read_text(encoding="utf-8-sig").replace("VSG-001,", "警察,", 1).replace("VSG-002,", "مرحبا,", 1)
    register.write_text(text, encoding="utf-8")
    (data / YEAR / "config.toml").write_text('[transparency]\nprefix = "360G-example"\n', encoding="utf-8")
    report = _refusal(lambda: _build(data, tmp_path / "out" / YEAR))
    assert "row 54, column 'id'" in report and "360G-example-" in report and "nothing of the id" in report, report
