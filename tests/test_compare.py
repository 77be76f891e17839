"""Comparing two years of the register, line by line on the id."""

from __future__ import annotations

import csv
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.analysis.compare import Comparison, compare
from pipeline.exports.changes_csv import CSV_COLUMNS, write_comparison_csv
from pipeline.config import DATA_DIR, load_config
from pipeline.input.load import load_register
from pipeline.input.register import Line, Register


def line(ident: str, spend: str | None = "1000", section: str = "commissioning", project: str | None = None) -> Line:
    return Line(id=ident, section=section, term="Short", priority="Prevention", project=project or f"Project {ident}",
                provider="Provider", spend=None if spend is None else Decimal(spend))


def reg(*lines: Line, source: str = "test") -> Register:
    return Register(source=source, lines=tuple(lines))


def test_identical_registers_have_no_changes() -> None:
    real = load_register(DATA_DIR / "2024-25" / "register.csv", load_config("2024-25"))
    result = compare(real, real)
    assert result.unchanged
    assert result.overall.previous == result.overall.current == real.total()
    assert result.overall.difference == 0 and result.overall.percent == Decimal("0.00")


def test_added_and_ended_lines() -> None:
    result = compare(reg(line("A"), line("B")), reg(line("B"), line("C"), line("D")))
    assert [x.id for x in result.added] == ["C", "D"]
    assert [x.id for x in result.ended] == ["A"]
    assert not result.spend_changes


def test_ids_match_whatever_their_case() -> None:
    result = compare(reg(line("vs-001")), reg(line("VS-001", "1500")))
    assert not result.added and not result.ended
    (change,) = result.spend_changes
    assert change.id == "VS-001"


def test_spend_increase_and_decrease_in_pounds_and_percent() -> None:
    result = compare(reg(line("A", "1000"), line("B", "80000"), line("C", "500")),
                     reg(line("A", "1250"), line("B", "60000"), line("C", "500.00")))
    changes = {c.id: c for c in result.spend_changes}
    assert set(changes) == {"A", "B"}  # 500 and 500.00 are the same amount
    assert (changes["A"].kind, changes["A"].difference, changes["A"].percent) == ("increase", Decimal(250), Decimal("25.00"))
    assert (changes["B"].kind, changes["B"].difference, changes["B"].percent) == ("decrease", Decimal(-20000), Decimal("-25.00"))


def test_spend_from_blank_and_to_blank() -> None:
    result = compare(reg(line("A", None), line("B", "5000"), line("C", None)),
                     reg(line("A", "3000"), line("B", None), line("C", None)))
    changes = {c.id: c for c in result.spend_changes}
    assert set(changes) == {"A", "B"}  # blank both years is no change
    assert changes["A"].kind == "newly costed" and changes["A"].difference == 3000 and changes["A"].percent is None
    assert changes["B"].kind == "no longer costed" and changes["B"].difference == -5000 and changes["B"].percent is None


def test_spend_from_zero_has_no_percentage() -> None:
    (change,) = compare(reg(line("A", "0")), reg(line("A", "10"))).spend_changes
    assert change.kind == "increase" and change.percent is None


def test_category_moves_need_both_maps() -> None:
    was, now = reg(line("A"), line("B"), line("C")), reg(line("A"), line("B"), line("C"), line("N"))
    prev_cat = {"A": "b", "B": "c", "C": "d"}
    curr_cat = {"A": "a", "B": "c", "C": "b", "N": "a"}
    result = compare(was, now, prev_cat, curr_cat)
    assert [(m.id, m.previous, m.current) for m in result.category_moves] == [("A", "b", "a"), ("C", "d", "b")]
    assert compare(was, now, prev_cat, None).category_moves == ()


def test_totals_per_section_and_overall() -> None:
    was = reg(line("A", "100"), line("B", "200", section="grants"), line("C", None))
    now = reg(line("A", "150"), line("D", "50", section="new section"), line("C", "10"))
    result = compare(was, now)
    sections = {t.section: t for t in result.sections}
    assert [t.section for t in result.sections] == ["commissioning", "grants", "new section"]
    assert (sections["commissioning"].previous, sections["commissioning"].current) == (100, 160)
    assert (sections["commissioning"].previous_lines, sections["commissioning"].current_lines) == (2, 2)
    assert (sections["grants"].previous, sections["grants"].current, sections["grants"].percent) == (200, 0, Decimal("-100.00"))
    assert sections["new section"].percent is None  # nothing last year to compare with
    assert (result.overall.section, result.overall.previous, result.overall.current) == (None, 300, 210)
    assert result.overall.difference == -90 and result.overall.percent == Decimal("-30.00")


def test_comparison_is_frozen_data() -> None:
    result = compare(reg(line("A")), reg(line("A")))
    assert isinstance(result, Comparison)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.added = ()  # type: ignore[misc]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_lists_every_change_and_the_totals(tmp_path: Path) -> None:
    was = reg(line("A", "1000"), line("B", "500"), line("E", "70"))
    now = reg(line("A", "1200"), line("B", None), line("N", "30", section="grants"))
    path = tmp_path / "out" / "comparison.csv"
    write_comparison_csv(compare(was, now, {"A": "b"}, {"A": "a"}), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = read_csv(path)
    assert tuple(rows[0]) == CSV_COLUMNS
    kinds = [(r["change"], r["id"] or r["section"]) for r in rows]
    assert kinds == [("added", "N"), ("ended", "E"), ("spend increase", "A"), ("spend no longer costed", "B"),
                     ("category moved", "A"), ("total", "commissioning"), ("total", "grants"), ("total", "all sections")]
    a = rows[2]
    assert (a["previous_spend"], a["current_spend"], a["difference"], a["percent"]) == ("1000", "1200", "200", "20")
    assert rows[1]["difference"] == "-70"  # a figure, left as a number
    assert (rows[4]["previous_category"], rows[4]["current_category"]) == ("b", "a")
    overall = rows[-1]
    assert (overall["previous_spend"], overall["current_spend"]) == ("1570", "1230")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+44 1234", "-cmd", "@SUM(A1)"])
def test_csv_neutralises_text_a_spreadsheet_would_run(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.csv"
    write_comparison_csv(compare(reg(), reg(line("A", project=text))), path)
    row = read_csv(path)[0]
    assert row["project"] == "'" + text
    assert row["id"] == "A"
    for r in read_csv(path):
        for key, value in r.items():
            if key not in ("difference", "percent"):
                assert not value.startswith(("=", "+", "-", "@")), (key, value)


# --- changes to agreements (issue 11) ------------------------------------------------------------

def _agreement(**kw) -> Line:
    from datetime import date

    base = dict(id="VF", section="commissioning", term="Long", priority="Victim Services", project="Victim First",
                provider="Catch 22", spend=Decimal(500000), start_date=date(2024, 4, 1), end_date=date(2029, 3, 31),
                break_dates=(date(2027, 3, 31), date(2028, 3, 31)))
    base.update(kw)
    return Line(**base)


def test_status_end_date_option_and_break_changes_are_listed() -> None:
    from datetime import date

    from pipeline.analysis.compare import line_changes

    took = line_changes(_agreement(end_date=date(2025, 3, 31), extension_options=(1, 1), break_dates=()),
                        _agreement(end_date=date(2026, 3, 31), extension_options=(1,), break_dates=()))
    assert [(c.kind, c.detail) for c in took] == [
        ("option taken", "extension option taken: the end moved from 31/03/2025 to 31/03/2026, with options 1 left")]
    status = line_changes(_agreement(), _agreement(status="under review"))
    assert [(c.kind, c.previous, c.current) for c in status] == [("status", "active", "under review")]
    moved = line_changes(_agreement(), _agreement(end_date=date(2030, 3, 31)))
    assert moved[0].detail == "end date extended from 31/03/2029 to 31/03/2030"
    passed = line_changes(_agreement(), _agreement(), break_passed_before=date(2027, 4, 1), since=date(2026, 4, 1))
    assert [c.detail for c in passed] == ["the break on 31/03/2027 passed and the agreement continues"]
    assert line_changes(_agreement(), _agreement(), date(2028, 4, 1), since=date(2027, 4, 1))[0].previous == "31/03/2028"
    assert line_changes(_agreement(), _agreement(status="decommissioned"), date(2027, 4, 1), date(2026, 4, 1))[0].kind == "status"


def test_category_moves_carry_the_reason() -> None:
    before = Register("p", (_agreement(),))
    after = Register("c", (_agreement(status="under review"),))
    cmp = compare(before, after, {"VF": "a"}, {"VF": "b"}, {"VF": "under review (ends 31/03/2029)"})
    (move,) = cmp.category_moves
    assert (move.previous, move.current, move.reason) == ("a", "b", "under review (ends 31/03/2029)")
    assert cmp.changes("status")[0].current == "under review"
    assert not cmp.unchanged
