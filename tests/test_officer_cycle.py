"""A full yearly cycle run as the officer runs it (issue 22, item 8): `invoke new-year`, `invoke
workbook`, the workbook edited cell by cell (openpyxl, as Excel saves it), the prose and front sheet
reviewed, `invoke check` until clean, `invoke report`. On a copy of the project, so data/ and build/
of the repository are never touched."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from .readback import docx_paragraphs, html_text

pytestmark = pytest.mark.slow  # whole builds, a browser or LibreOffice: left out of `invoke test --fast`

ROOT = Path(__file__).resolve().parent.parent
INVOKE = Path(sys.executable).parent / "invoke"
YEAR = "2025-26"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project as the officer has it: tasks, code, templates and data."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("tasks.py", "bootstrap.py"):
        shutil.copy(ROOT / name, copy / name)
    for folder in ("pipeline", "templates", "data"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess:
    # Run from the copy: invoke puts tasks.py's folder first on the path, so the copy's pipeline is used.
    return subprocess.run([str(INVOKE), *args], cwd=project, capture_output=True, text=True, timeout=900)


def _unmark(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0].lstrip("# ").startswith("NOT YET REVIEWED"), path
    path.write_text("".join(lines[1:]), encoding="utf-8")


def test_a_year_from_new_year_to_the_final_paper(project: Path) -> None:
    folder = project / "data" / YEAR

    # 1. Start the year: a short summary, the checklist saved, the next commands named.
    started = invoke(project, "new-year")
    assert started.returncode == 0, started.stderr
    assert f"Started {YEAR} in {folder} from 2024-25." in started.stdout
    assert f"It is saved as {folder / 'new-year-checklist.txt'}." in started.stdout
    assert f"invoke workbook --year {YEAR}" in started.stdout and f"invoke check --year {YEAR}" in started.stdout
    assert len(started.stdout.splitlines()) < 25  # the 100-line checklist is in its file, not on screen

    # A final paper now would publish last year's words and undecided lines: refused, every reason listed.
    early = invoke(project, "report", "--year", YEAR)
    assert early.returncode == 2 and "Traceback" not in early.stderr
    assert "this new-year action is not resolved yet" in early.stderr and "NOT YET REVIEWED" in early.stderr
    assert not (project / "build" / YEAR).exists()

    # 2. The workbook, then the officer works through it in Excel.
    wrote = invoke(project, "workbook", "--year", YEAR)
    assert wrote.returncode == 0, wrote.stderr
    assert f"create the file with the two lines [register] and file = \"register.xlsx\" in {folder / 'config.toml'}" \
        in wrote.stdout
    (folder / "register.csv").unlink()  # as the message says: from now on the workbook is the register
    book = folder / "register.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["Register"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header if name}
    rows = {ws.cell(row=r, column=col["id"]).value: r for r in range(2, ws.max_row + 1)
            if ws.cell(row=r, column=col["id"]).value}

    def cell(line: str, name: str):
        return ws.cell(row=rows[line], column=col[name])

    actions = {line: cell(line, "new_year_action").value for line in rows if cell(line, "new_year_action").value}
    assert "Confirm spend (was £371,859)" in actions["PRG-001"] and cell("PRG-001", "spend").value is None
    changed_status: dict[str, str] = {}
    deleted: list[int] = []
    for line, action in actions.items():
        status = cell(line, "status").value or ""
        if line == "VS-005":  # the extension option is taken: two more years
            cell(line, "end_date").value = datetime(2027, 3, 31)
            cell(line, "extension_options").value = None
            cell(line, "status").value = changed_status[line] = "extended"
        elif line == "VS-006":  # the Panel agreed to stop it: decommissioned, no money this year
            cell(line, "status").value = changed_status[line] = "decommissioned"
        elif line.startswith("CSG-"):  # Safer Streets ended as planned: the rows go
            deleted.append(rows[line])
        elif "Confirm spend" in action or action.startswith("Ended"):
            # Re-awarded for the year: new dates and this year's amount, typed as Excel stores it.
            was = action.split("(was £", 1)[1].split(")", 1)[0].replace(",", "") if "(was £" in action else None
            cell(line, "start_date").value = datetime(2025, 4, 1)
            cell(line, "end_date").value = datetime(2026, 3, 31)
            cell(line, "extension_options").value = None
            if was is not None:
                cell(line, "spend").value = round(float(was) * 1.02)
            if status in ("", "ending", "extended", "under review") and status != "recommissioned":
                cell(line, "status").value = changed_status[line] = "recommissioned"
        cell(line, "new_year_action").value = None  # done: the officer clears the cell
    for r in sorted(deleted, reverse=True):
        ws.delete_rows(r)
    new_row = ws.max_row + 1
    for name, value in {"id": "NEW-001", "section": "grants", "term": "Short", "priority": "Prevention",
                        "project": "Immediate Justice", "provider": "OPCC", "spend": 500000,
                        "start_date": datetime(2025, 4, 1), "end_date": datetime(2026, 3, 31)}.items():
        ws.cell(row=new_row, column=col[name]).value = value
    wb.save(book)

    # 3. The words: the prose rewritten where it was last year's, the front sheet filled in for the meeting.
    term_med = folder / "prose" / "term-med.md"
    term_med.write_text(term_med.read_text(encoding="utf-8").replace(
        "run to the end of this financial year", "were extended in 2025"), encoding="utf-8")
    paper = folder / "paper.toml"
    text = paper.read_text(encoding="utf-8")
    assert "# version =   # set it for the 2025-26 meeting" in text
    text = text.replace("# version =   # set it for the 2025-26 meeting (it was \"1.0\")", 'version = "2.0"')
    # The Panel's cover report: the meeting's details, which a final paper cannot go without.
    text = text.replace("[front]\n", '[front]\ndate = 2025-07-09\nagenda_item = "8"\nauthor = "A. Officer, Commissioning Lead"\n'
                                      'contact = "commissioning@example.org"\n', 1)
    paper.write_text(text, encoding="utf-8")

    # The officer decommissioned VS-006 but left last year's spend in it: check says which cell, and what to do.
    checked = invoke(project, "check", "--year", YEAR)
    assert checked.returncode == 2
    spend_cell = f"{openpyxl.utils.get_column_letter(col['spend'])}{rows['VS-006']}"
    assert (f"line VS-006 at row {rows['VS-006']}, column 'spend' (cell {spend_cell}): found \"£177,053\"; this line "
            "is decommissioned and ended on 31/03/2025") in checked.stderr
    assert "clear the spend cell" in checked.stderr
    wb = openpyxl.load_workbook(book)
    wb["Register"][spend_cell].value = None
    wb.save(book)

    # check lists the files still to review; report still refuses while any is marked.
    checked = invoke(project, "check", "--year", YEAR)
    assert checked.returncode == 0, checked.stderr
    assert '9 files are still marked "NOT YET REVIEWED"' in checked.stdout
    assert "new_year_action to resolve" not in checked.stdout
    assert invoke(project, "report", "--year", YEAR).returncode == 2

    for marked in [*sorted((folder / "prose").glob("*.md")), paper]:
        _unmark(marked)
    checked = invoke(project, "check", "--year", YEAR)
    assert checked.returncode == 0, checked.stderr
    assert "NOT YET REVIEWED" not in checked.stdout
    assert f"{book}: " in checked.stdout and "the paper builds" in checked.stdout

    # 4. The final paper.
    built = invoke(project, "report", "--year", YEAR)
    assert built.returncode == 0, built.stderr
    out = project / "build" / YEAR
    page = " ".join(html_text(out / f"commissioning-framework-{YEAR}.html").split())
    word = " ".join(" ".join(docx_paragraphs(out / f"commissioning-framework-{YEAR}.docx")).split())
    for text in (page, word):
        assert "this is a draft" not in text and "(draft)" not in text
        assert "were extended in 2025" in text and "run to the end of this financial year" not in text
        assert "Immediate Justice" in text and "Changes since 2024-25" in text
    assert "Helpline and Engagement" in page.split("Medium-term committed activity", 2)[-1].split("Partnership", 1)[0]
    assert "Sexual Violence and Abuse Services" not in \
        page.split("Medium-term committed activity", 2)[-1].split("Partnership", 1)[0]

    # The changes section reports what the officer decided, and nothing new-year did by itself.
    with (out / "changes-since-2024-25.csv").open(encoding="utf-8-sig") as fh:
        changes = list(csv.DictReader(fh))
    statuses = {r["id"]: r["detail"] for r in changes if r["change"] == "status"}
    assert set(statuses) == set(changed_status)
    assert statuses["VS-005"] == "status changed from active to extended"
    assert not any(detail.endswith("to under review") for detail in statuses.values())  # new-year decided none
    assert ("added", "NEW-001") in {(r["change"], r["id"]) for r in changes}
    assert {"CSG-001", "CSG-002", "CSG-003"} <= {r["id"] for r in changes if r["change"] == "ended"}
