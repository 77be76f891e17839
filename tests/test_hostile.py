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


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    """The real 2024-25 edition, built once with the command line; each test starts from a copy."""
    out = tmp_path_factory.mktemp("good") / "build" / YEAR
    proc = run_report("--year", YEAR, "--out", str(out), "--force", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture
def previous(tmp_path, good_build) -> Path:
    out = tmp_path / "build" / YEAR
    shutil.copytree(good_build, out)
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
    assert_html_is_inert(html)
    assert_docx_is_inert(docx)
    assert_csv_neutralised(previous / "review-schedule.csv", expect.csv_cells)
    assert_ics_reads_back(previous / "review-schedule.ics", expect.ics)
    leftovers = sorted(p.name for p in previous.parent.iterdir() if p.name != YEAR)
    assert not leftovers, f"temporary folders left beside the build: {leftovers}"
