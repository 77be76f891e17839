"""Nothing carried over unread (issue 22, items 1-3): the "not yet reviewed" mark, the front sheet's
meeting details and draft declaration, stale dates, and ended lines that still carry money."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest

from pipeline.build import build_edition, check_edition
from pipeline.config import load_config
from pipeline.cycle.front_sheet import carry_front_sheet
from pipeline.cycle.newyear import roll_forward
from pipeline.edition import Edition
from pipeline.input.load import ACTION_COLUMN
from pipeline.input.review import MARK, is_mark, unreviewed
from pipeline.problems import InputError

from .conftest import copy_data
from .readback import html_text

NEW = Edition(2025)

PAPER = '''# The front sheet.
[front]
meeting = "Police and Crime Panel"
date = 2024-07-10          # the meeting date
agenda_item = "7"
report_of = "Police and Crime Commissioner"
version = "1.2"
decision_by = "Police and Crime Commissioner"   # a field this code does not know: kept
purpose = """To set out the services
and grants."""
draft = true
draft_reason = "the meeting details are not confirmed"

[draft]
reason = "not confirmed"
source = "nowhere"

[facts]
immediate_justice_expected = 500000
'''


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return copy_data(tmp_path)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _clear_actions(register: Path) -> None:
    _write(register, [{**r, ACTION_COLUMN: ""} for r in _rows(register)])


def _unmark(path: Path) -> None:
    path.write_text("".join(l for l in path.read_text(encoding="utf-8").splitlines(keepends=True) if not is_mark(l)),
                    encoding="utf-8")


def test_front_sheet_loses_last_years_meeting_and_draft_declaration_and_keeps_the_rest() -> None:
    text, cleared = carry_front_sheet(PAPER, NEW)
    data = tomllib.loads(text)
    assert cleared == ["date", "agenda_item", "version"]
    front = data["front"]
    assert "date" not in front and "agenda_item" not in front and "version" not in front
    assert "draft" not in front and "draft_reason" not in front and "draft" not in data
    assert front["decision_by"] == "Police and Crime Commissioner"
    assert front["purpose"] == "To set out the services\nand grants."
    assert data["facts"] == {"immediate_justice_expected": 500000}
    # The officer sees what each cleared field was, to fill it in anew.
    assert "# date =   # set it for the 2025-26 meeting (it was 2024-07-10)" in text
    assert "# The front sheet." in text  # the officer's comments stay


@pytest.mark.slow
def test_new_year_marks_prose_and_paper_toml_and_check_lists_them(data: Path, tmp_path: Path) -> None:
    result = roll_forward(Edition(2024), data, load_config("2024-25", data))
    folder = data / "2025-26"
    marked = set(unreviewed(folder))
    assert folder / "paper.toml" in marked
    assert {p.name for p in marked if p.suffix == ".md"} == {p.name for p in (data / "2024-25/prose").glob("*.md")}
    paper = (folder / "paper.toml").read_text(encoding="utf-8")
    assert paper.startswith(f"# {MARK} for 2025-26")
    assert "version" not in tomllib.loads(paper)["front"]
    # 2024-25's date and agenda item are comments already; its version is cleared.
    assert any(i.text.startswith("paper.toml: front sheet copied, marked NOT YET REVIEWED; version cleared: fill "
                                 "them in for the 2025-26 meeting") for i in result.items("file"))

    summary = check_edition("2025-26", data_dir=data, build_dir=tmp_path / "build")
    assert f'9 files are still marked "{MARK}", so only a draft builds' in summary
    assert str(folder / "prose" / "term-short.md") in summary
    # Stale dates in the prose, printed from the register, with the file and the line that prints them.
    assert (f'earlier year in the prose: {folder / "prose" / "term-short.md"}, line 4: "31 March 2025" is before '
            "2025-26 began (01/04/2025)") in summary
    assert "additional.md, line 4: \"September 2024\"" in summary


@pytest.mark.slow
def test_a_final_report_waits_for_every_marked_file_while_a_draft_builds(data: Path, tmp_path: Path) -> None:
    roll_forward(Edition(2024), data, load_config("2024-25", data))
    folder = data / "2025-26"
    _clear_actions(folder / "register.csv")
    build = tmp_path / "build"
    with pytest.raises(InputError) as info:
        build_edition("2025-26", data_dir=data, build_dir=build)
    text = info.value.report()
    assert "Found 9 problems" in text
    assert f'{folder / "prose" / "introduction.md"}; this file was copied from last year and is marked "{MARK}"' in text
    assert not (build / "2025-26").exists()

    draft = build_edition("2025-26", data_dir=data, build_dir=build, draft=True)
    page = " ".join(html_text(draft.out_dir / "commissioning-framework-2025-26.html").split())
    assert "(draft)" in page and "9 files copied from last year are not yet reviewed for 2025-26" in page
    assert MARK not in page  # the mark line is for the officer, not the Panel

    for path in unreviewed(folder):
        _unmark(path)
    paper = folder / "paper.toml"  # the cover report's meeting details, which a final paper needs
    paper.write_text(paper.read_text(encoding="utf-8").replace(
        "[front]\n", '[front]\ndate = 2025-07-09\nagenda_item = "8"\nauthor = "A. Officer"\ncontact = "a@example.org"\n', 1),
        encoding="utf-8")
    final = build_edition("2025-26", data_dir=data, build_dir=build)
    page = " ".join(html_text(final.out_dir / "commissioning-framework-2025-26.html").split())
    assert "(draft)" not in page and "not yet reviewed" not in page


@pytest.mark.slow
def test_an_edition_without_marks_is_never_held_up(built_2024_25) -> None:
    # built_2024_25 is a build of an untouched copy of data/, not a draft: it was not held up.
    assert unreviewed(built_2024_25.data / "2024-25") == ()
    assert not built_2024_25.result.skipped and built_2024_25.result.files


@pytest.mark.slow
def test_an_ended_line_with_this_years_money_is_refused_with_what_to_do(data: Path, tmp_path: Path) -> None:
    roll_forward(Edition(2024), data, load_config("2024-25", data))
    register = data / "2025-26" / "register.csv"
    rows = _rows(register)
    for r in rows:
        if r["id"] == "PRG-001":  # a one-year grant: new-year blanked its money for the officer to confirm
            assert r["spend"] == "" and "Confirm spend (was £371,859)" in r[ACTION_COLUMN]
        if r["id"] == "VS-005":  # the officer decommissions it and leaves the spend new-year carried forward
            assert r["spend"] == "435,455"
            r["status"] = "decommissioned"
    _write(register, rows)
    for draft in (False, True):
        with pytest.raises(InputError) as info:
            build_edition("2025-26", data_dir=data, build_dir=tmp_path / "build", draft=draft)
        (problem,) = [p for p in info.value.problems if p.line == "VS-005" and p.column == "spend"]
        assert str(problem) == (
            f"{register}, line VS-005 at row {problem.row}, column 'spend': found \"£435,455\"; this line is "
            "decommissioned and ended on 31/03/2025 (after its extension options, 31/03/2027), before 2025-26 began, "
            "yet has £435,455 of 2025-26 spend; if the service goes on, record its new end_date (and status "
            "extended or recommissioned); if it has ended, clear the spend cell (or delete the row)")
    with pytest.raises(InputError, match="VS-005"):
        check_edition("2025-26", data_dir=data, build_dir=tmp_path / "build")

    # Spend cleared: it builds, and the ended line is not described as committed activity.
    _write(register, [{**r, "spend": ""} if r["id"] == "VS-005" else r for r in _rows(register)])
    result = build_edition("2025-26", data_dir=data, build_dir=tmp_path / "build", draft=True)
    page = " ".join(html_text(result.out_dir / "commissioning-framework-2025-26.html").split())
    committed = page.split("Medium-term committed activity", 2)[-1].split("Partnership activity", 1)[0]
    assert "Helpline and Engagement" not in committed
    assert "Sexual Violence and Abuse Services" in committed  # not decided: it may still take its option
    ended = page.split("Agreements that ended before 2025-26", 2)[-1]
    assert "so they are not counted as activity committed for 2025-26" in ended
    assert "Helpline and Engagement (DA Services), Freeva: ended on 31/03/2025 (decommissioned)" in ended
    assert "DA Perpetrator Programme, Jenkins Centre, Freeva: ended on 31/03/2025" in ended
