"""Starting a new edition: the folder, what gets marked, the checklist, and the refusals."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import DATA_DIR, Config, load_config
from pipeline.edition import Edition
from pipeline.input.load import load_register
from pipeline.analysis.dates import shift_months_end
from pipeline.input.load import ACTION_COLUMN
from pipeline.cycle.newyear import CHECKLIST_FILE, roll_forward
from pipeline.input.review import MARK, unreviewed
from pipeline.problems import InputError
from pipeline.cycle.workbook import write_workbook

FIXTURE = Path(__file__).parent / "editions" / "newyear"
PREVIOUS = Edition(2024)


@pytest.fixture
def shared_config() -> Config:
    """data/config.toml alone, no edition's settings over it (the 2024-25 ones are conftest's `config`)."""
    return load_config()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture
def result(data_dir: Path, shared_config: Config):
    return roll_forward(PREVIOUS, data_dir, shared_config)


def by_id(path: Path, config: Config):
    return {line.id: line for line in load_register(path, config).lines}


def test_creates_the_new_folder_with_register_prose_settings_and_checklist(result, data_dir: Path) -> None:
    folder = data_dir / "2025-26"
    assert result.folder == folder
    assert result.register == folder / "register.csv"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == ["config.toml", CHECKLIST_FILE, "prose/introduction.md", "prose/outlook.md", "register.csv"]
    # Prose is copied with a first line saying it is not yet reviewed; the rest is last year's, for the officer to rewrite.
    first, rest = (folder / "prose/introduction.md").read_text().split("\n", 1)
    assert first == f"{MARK} for 2025-26: this text was copied from 2024-25. Rewrite it for 2025-26, then delete this line."
    assert rest == (data_dir / "2024-25/prose/introduction.md").read_text()
    assert set(unreviewed(folder)) == {folder / "prose/introduction.md", folder / "prose/outlook.md"}
    assert (folder / CHECKLIST_FILE).read_text(encoding="utf-8") == result.format()
    # Nothing left behind from the work in progress, and the previous year is untouched.
    assert sorted(p.name for p in data_dir.iterdir()) == ["2024-25", "2025-26"]
    assert (data_dir / "2024-25/register.csv").read_bytes() == (FIXTURE / "2024-25/register.csv").read_bytes()


def test_every_line_is_carried_forward_with_its_figures_and_status(result, data_dir: Path, shared_config: Config) -> None:
    old = load_register(data_dir / "2024-25/register.csv", shared_config)
    new = load_register(result.register, shared_config)
    assert [line.id for line in new.lines] == [line.id for line in old.lines]
    assert new.extra_columns == ("contract_ref", ACTION_COLUMN)
    for was, now in zip(old.lines, new.lines):
        # new-year decides nothing: status and dates are the officer's, as they were.
        assert (now.status, now.start_date, now.end_date, now.extension_options, now.notes, now.project) == \
               (was.status, was.start_date, was.end_date, was.extension_options, was.notes, was.project)
        assert dict(now.extra)["contract_ref"] == dict(was.extra)["contract_ref"]
        if now.id not in result.blanked:
            assert now.spend == was.spend
    assert new.lines[-1].id == "G-001" and new.lines[-1].spend is None  # a one-year grant: its money was last year's


def test_ended_agreements_get_an_action_and_their_money_is_blanked_not_kept(result, shared_config: Config) -> None:
    # Ended by 31/03/2025 and not decommissioned: A-001 (31/03/2025, an option left), A-002 (31/10/2024,
    # "ending"), G-001 (a one-year grant). A-003 ended too, decommissioned.
    assert result.ended == ("A-001", "A-002", "G-001")
    # Past the latest end (options and all) before 1 April 2025: the spend cannot be 2025-26's.
    assert result.blanked == ("A-002", "A-003", "G-001")
    lines = by_id(result.register, shared_config)
    assert lines["A-001"].spend == Decimal("40000")  # an option could run it on: kept, to decide
    action = dict(lines["A-002"].extra)[ACTION_COLUMN]
    assert "Ended 31/10/2024" in action and 'status "ending"' in action
    assert "extended" in action and "re-commissioned" in action and "clear this cell" in action
    assert "Confirm spend (was £19,995)" in action
    assert "Confirm spend (was £50,000)" in dict(lines["A-003"].extra)[ACTION_COLUMN]
    assert "Confirm spend (was £12,345.50)" in dict(lines["G-001"].extra)[ACTION_COLUMN]
    assert "options 1" in dict(lines["A-001"].extra)[ACTION_COLUMN]
    assert "Confirm spend" not in dict(lines["A-001"].extra)[ACTION_COLUMN]
    assert dict(lines["A-006"].extra)[ACTION_COLUMN] == ""


def test_checklist_lists_ended_agreements_decisions_options_and_spend(result) -> None:
    assert [i.line_id for i in result.items("ended")] == ["A-001", "A-002", "G-001"]
    assert [i.line_id for i in result.items("decommissioned")] == ["A-003"]

    decisions = {i.line_id: i.text for i in result.items("decision")}
    # A-004: £300,000 -> 6 months' notice before 31/03/2026. A-005: £20,000 -> 3 months before
    # 30/06/2025 (a month end, so 31/03/2025), which fell before the new year began. A-008's falls in 2026-27, so not yet.
    assert set(decisions) == {"A-004", "A-005"}
    assert "decide by 30/09/2025 (6 months' notice)" in decisions["A-004"]
    assert "was due by 31/03/2025, before 2025-26 began" in decisions["A-005"]

    (option,) = result.items("option")
    assert option.line_id == "A-004"
    assert "options 1+1" in option.text
    assert "set end_date to 31/03/2027 and extension_options to 1" in option.text

    spend = {i.line_id: i.text for i in result.items("spend")}
    assert set(spend) == {"A-004", "A-005", "A-006", "A-007", "A-008"}
    assert "£300,000 in 2024-25" in spend["A-004"]
    assert "not separately costed in 2024-25" in spend["A-007"]

    files = {i.text.split(":")[0]: i.text for i in result.items("file")}
    assert "mentions 2024-25 on lines 2, 4" in files["prose/introduction.md"]  # as numbered in the new, marked file
    assert "mentions" not in files["prose/outlook.md"]
    assert "settings copied unchanged" in files["config.toml"]
    assert "not copied" in files["sources.txt"]


def test_printed_checklist_reads_as_a_numbered_list_of_boxes(result) -> None:
    text = result.format()
    assert text.startswith("New edition 2025-26 created in")
    for heading in ("1. Agreements that ended before 01/04/2025 (3)", "2. Decisions due by the end of 2025-26 (2)",
                    "3. Extension options to take or let go (1)", "4. Spend to confirm for 2025-26 (5)",
                    "5. Lines already decommissioned (1)", "6. Files to review (4)"):
        assert heading in text
    assert text.count("[ ]") == len(result.checklist)
    assert max(len(line) for line in text.splitlines() if line.startswith("   ")) <= 100


def test_refuses_to_overwrite_an_existing_new_year(data_dir: Path, shared_config: Config) -> None:
    existing = data_dir / "2025-26"
    existing.mkdir()
    (existing / "register.csv").write_text("officer's own work\n")
    with pytest.raises(InputError) as caught:
        roll_forward(PREVIOUS, data_dir, shared_config)
    (problem,) = caught.value.problems
    assert problem.file == str(existing)
    assert "already exists" in problem.expected and "nothing was changed" in problem.expected
    assert (existing / "register.csv").read_text() == "officer's own work\n"


def test_a_second_run_is_refused(data_dir: Path, shared_config: Config) -> None:
    roll_forward(PREVIOUS, data_dir, shared_config)
    with pytest.raises(InputError, match="already exists"):
        roll_forward(PREVIOUS, data_dir, shared_config)


def test_missing_previous_year_is_explained(tmp_path: Path, shared_config: Config) -> None:
    with pytest.raises(InputError) as caught:
        roll_forward(PREVIOUS, tmp_path, shared_config)
    assert "there is no 2024-25 folder" in caught.value.report()


def test_a_register_with_problems_stops_before_anything_is_written(data_dir: Path, shared_config: Config) -> None:
    register = data_dir / "2024-25/register.csv"
    register.write_text(register.read_text().replace("A-002,commissioning", "A-002,comissioning"))
    with pytest.raises(InputError) as caught:
        roll_forward(PREVIOUS, data_dir, shared_config)
    assert caught.value.problems[0].row == 3
    assert sorted(p.name for p in data_dir.iterdir()) == ["2024-25"]


def test_a_failure_part_way_leaves_no_half_made_folder(data_dir: Path, shared_config: Config, monkeypatch) -> None:
    import pipeline.cycle.newyear as newyear

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(newyear, "_copy_drafts", broken)
    with pytest.raises(OSError):
        roll_forward(PREVIOUS, data_dir, shared_config)
    assert sorted(p.name for p in data_dir.iterdir()) == ["2024-25"]


def test_an_excel_register_is_carried_forward_as_excel(data_dir: Path, shared_config: Config) -> None:
    folder = data_dir / "2024-25"
    write_workbook(load_register(folder / "register.csv", shared_config), shared_config, folder / "register.xlsx")
    (folder / "register.csv").unlink()
    result = roll_forward(PREVIOUS, data_dir, shared_config)
    assert result.register.name == "register.xlsx"
    lines = by_id(result.register, shared_config)
    assert lines["A-001"].status == ""
    assert "Ended 31/03/2025" in dict(lines["A-001"].extra)[ACTION_COLUMN]
    assert dict(lines["A-001"].extra)["contract_ref"] == "C-101"


def _clear_actions(register: Path) -> None:
    """What the officer does when an action is dealt with: empty the cell (the column stays)."""
    with register.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with register.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, ACTION_COLUMN: ""} for r in rows)


def test_last_years_actions_are_replaced_not_piled_up(data_dir: Path, shared_config: Config) -> None:
    first = roll_forward(PREVIOUS, data_dir, shared_config)
    _clear_actions(first.register)
    second = roll_forward(Edition(2025), data_dir, shared_config)
    new = load_register(second.register, shared_config)
    assert new.extra_columns.count(ACTION_COLUMN) == 1
    lines = {line.id: line for line in new.lines}
    # A-004 ended on 31/03/2026: now it has this year's note only, and its status is still the officer's.
    assert lines["A-004"].status == ""
    action = dict(lines["A-004"].extra)[ACTION_COLUMN]
    assert action.startswith("Ended 31/03/2026") and "Decision due" not in action
    # Lines that ended last year and were not decided are listed again.
    assert {"A-001", "A-002", "G-001"} <= set(second.ended)
    assert first.register.exists()


def test_the_real_register_rolls_forward(tmp_path: Path) -> None:
    config = load_config("2024-25")
    shutil.copytree(DATA_DIR / "2024-25", tmp_path / "2024-25")
    result = roll_forward(PREVIOUS, tmp_path, config)
    old = load_register(tmp_path / "2024-25" / result.register.name, config)
    new = load_register(result.register, config)
    assert [line.id for line in new.lines] == [line.id for line in old.lines]
    assert [line.status for line in new.lines] == [line.status for line in old.lines]
    should_mark = {line.id for line in old.lines
                   if line.end_date and line.end_date < date(2025, 4, 1) and line.status != "decommissioned"}
    assert should_mark  # the 2024-25 grants end on 31/03/2025
    assert set(result.ended) == should_mark
    blanked = {line.id for line in new.lines if line.spend is None} - {line.id for line in old.lines if line.spend is None}
    assert blanked == set(result.blanked) and "CSG-001" in blanked  # Safer Streets ended on 31/03/2025
    assert new.total() == old.total() - sum(line.spend for line in old.lines if line.id in blanked)
    ended = {i.line_id for i in result.items("ended")}
    spend = {i.line_id for i in result.items("spend")}
    assert not ended & spend
    assert ended | spend == {line.id for line in old.lines if line.status != "decommissioned"}


def test_a_retitled_action_column_is_reused(data_dir: Path, shared_config: Config) -> None:
    register = data_dir / "2024-25/register.csv"
    rows = register.read_text().splitlines()
    rows[0] += ",New Year Action"
    rows[1:] = [row + "," for row in rows[1:]]  # last year's notes, dealt with and cleared
    register.write_text("\n".join(rows) + "\n")
    result = roll_forward(PREVIOUS, data_dir, shared_config)
    new = load_register(result.register, shared_config)
    assert new.extra_columns == ("contract_ref", "New Year Action")
    actions = {line.id: dict(line.extra)["New Year Action"] for line in new.lines}
    assert actions["A-006"] == ""  # nothing to do for this line this year
    assert actions["A-001"].startswith("Ended 31/03/2025")


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 3, 31), -6, date(2025, 9, 30)),
    (date(2025, 6, 30), -3, date(2025, 3, 31)),  # month ends stay month ends
    (date(2025, 2, 28), -6, date(2024, 8, 31)),
    (date(2025, 5, 15), -3, date(2025, 2, 15)),
    (date(2026, 3, 31), 12, date(2027, 3, 31)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_notice_dates_count_whole_months(day: date, months: int, expected: date) -> None:
    assert shift_months_end(day, months) == expected


def test_check_reminds_the_officer_of_unresolved_actions(result, data_dir: Path) -> None:
    from pipeline.build import check_register

    shutil.copy(Path(__file__).parent.parent / "data" / "config.toml", data_dir / "config.toml")
    summary = check_register("2025-26", data_dir=data_dir)
    assert "still have a new_year_action to resolve" in summary
    assert "A-001" in summary
