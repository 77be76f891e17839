"""The yearly cycle end to end: roll forward, edit, report; editions side by side."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from pipeline.build import build_all, build_edition
from pipeline.config import load_config
from pipeline.edition import Edition
from pipeline.cycle.newyear import roll_forward

from .conftest import copy_data
from .readback import html_text, docx_paragraphs


@pytest.fixture
def data(tmp_path) -> Path:
    return copy_data(tmp_path)


def _edit(path: Path, edit) -> None:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0].keys())
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        w.writerows(rows)


def _review_all(folder: Path) -> None:
    """What the officer does once last year's words are right for the new year: delete the mark line."""
    from pipeline.input.review import is_mark, unreviewed

    for path in unreviewed(folder):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(l for l in lines if not is_mark(l)), encoding="utf-8")
    # and fills in the cover report's meeting details, which new-year cleared and a final paper needs
    paper = folder / "paper.toml"
    paper.write_text(paper.read_text(encoding="utf-8").replace(
        "[front]\n", '[front]\ndate = 2025-07-09\nagenda_item = "8"\nauthor = "A. Officer"\ncontact = "a@example.org"\n', 1),
        encoding="utf-8")


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_new_year_then_edit_then_report_shows_what_changed(data, tmp_path):
    roll_forward(Edition(2024), data, load_config("2024-25", data))
    reg = data / "2025-26" / "register.csv"

    def edit(rows):
        out = []
        for r in rows:
            if r["project"] == "Safer Streets 5 Melton":
                continue  # funding ended: the line is removed
            if r["project"] == "Helpline and Engagement (DA Services)":  # re-commissioned for five years
                r.update(start_date="01/04/2025", end_date="31/03/2030", extension_options="", status="recommissioned")
            if r["project"] == "CSP - Leicester City PLF":
                r["spend"] = "280,000"
            r["new_year_action"] = ""
            out.append(r)
        out.append({**rows[0], "id": "NEW-001", "project": "Immediate Justice", "provider": "OPCC", "section": "grants",
                    "term": "Short", "priority": "Prevention", "spend": "500,000", "start_date": "", "end_date": "31/03/2026",
                    "extension_options": "", "break_dates": "", "status": "", "notes": "", "new_year_action": ""})
        return out

    _edit(reg, edit)
    _review_all(data / "2025-26")
    result = build_edition("2025-26", data_dir=data, build_dir=tmp_path / "build")
    text = " ".join(html_text(result.out_dir / "commissioning-framework-2025-26.html").split())
    word = " ".join(" ".join(docx_paragraphs(result.out_dir / "commissioning-framework-2025-26.docx")).split())
    for t in (text, word):
        assert "Changes since 2024-25" in t
        assert "Immediate Justice" in t and "Safer Streets 5 Melton" in t
        assert "271,818" in t and "280,000" in t and "+8,182" in t
    changes = list(csv.DictReader((result.out_dir / "changes-since-2024-25.csv").open(encoding="utf-8-sig")))
    kinds = {(r["change"], r["id"]) for r in changes}
    assert ("added", "NEW-001") in kinds and ("ended", "CSG-001") in kinds and ("spend increase", "CS-001") in kinds
    moved = {r["id"]: (r["previous_category"], r["current_category"]) for r in changes if r["change"] == "category moved"}
    assert moved["VS-005"] == ("b", "a")  # re-commissioned: decision made, now committed
    why = {r["id"]: r["detail"] for r in changes if r["change"] == "category moved"}
    assert why["VS-005"].startswith("re-commissioned and runs to 31/03/2030")
    details = {(r["change"], r["id"]): r["detail"] for r in changes}
    assert details[("status", "VS-005")] == "status changed from active to recommissioned"
    assert details[("end date", "VS-005")] == "end date extended from 31/03/2025 to 31/03/2030"
    for t in (text, word):
        assert "status changed from active to recommissioned" in t


def _resolve_all(rows):
    for r in rows:
        r["new_year_action"] = ""
    return rows


@pytest.mark.slow
def test_editions_build_side_by_side_and_a_later_one_never_touches_an_earlier_one(data, tmp_path):
    roll_forward(Edition(2024), data, load_config("2024-25", data))
    _edit(data / "2025-26" / "register.csv", _resolve_all)
    _review_all(data / "2025-26")
    build = tmp_path / "build"
    results = build_all(data_dir=data, build_dir=build)
    assert [r.edition.label for r in results] == ["2024-25", "2025-26"]
    before = _hashes(build / "2024-25")
    _edit(data / "2025-26" / "register.csv", lambda rows: rows[:-1])
    build_edition(None, data_dir=data, build_dir=build)  # no year: the latest edition
    assert _hashes(build / "2024-25") == before
    assert (build / "2025-26" / "changes-since-2024-25.csv").exists()


@pytest.mark.slow
def test_when_only_prose_changed_charts_are_reused(data, tmp_path, monkeypatch):
    build = tmp_path / "build"
    build_edition("2024-25", data_dir=data, build_dir=build)
    charts_before = _hashes(build / "2024-25" / "charts")
    (data / "2024-25" / "prose" / "outlook.md").write_text("A new outlook paragraph.\n", encoding="utf-8")

    import pipeline.paper.charts

    def no_drawing(*args, **kwargs):
        raise AssertionError("charts were redrawn although only prose changed")

    monkeypatch.setattr(pipeline.paper.charts, "render_charts", no_drawing)
    result = build_edition("2024-25", data_dir=data, build_dir=build)
    assert not result.skipped
    assert "A new outlook paragraph." in html_text(result.out_dir / "commissioning-framework-2024-25.html")
    assert _hashes(build / "2024-25" / "charts") == charts_before


@pytest.mark.slow
def test_unresolved_new_year_actions_stop_the_report_unless_it_is_a_draft(data, tmp_path):
    from pipeline.problems import InputError

    roll_forward(Edition(2024), data, load_config("2024-25", data))
    with pytest.raises(InputError) as info:
        build_edition("2025-26", data_dir=data, build_dir=tmp_path / "build")
    report = info.value.report()
    assert "column 'new_year_action'" in report and "row 2" not in report.split("\n")[0]
    assert "--draft" in report and not (tmp_path / "build" / "2025-26").exists()
    result = build_edition("2025-26", data_dir=data, build_dir=tmp_path / "build", draft=True)
    html = html_text(result.out_dir / "commissioning-framework-2025-26.html")
    assert "Commissioning Framework 2025-26 (draft)" in html and "this is a draft" in html


@pytest.mark.slow
def test_new_year_will_not_roll_an_unfinished_year_forward(data):
    from pipeline.problems import InputError

    roll_forward(Edition(2024), data, load_config("2024-25", data))
    with pytest.raises(InputError) as info:
        roll_forward(Edition(2025), data, load_config("2025-26", data))
    assert "still has new-year actions to resolve" in info.value.report()
    assert not (data / "2026-27").exists()


@pytest.mark.slow
def test_two_registers_in_one_edition_are_refused_until_one_is_chosen(data, config):
    from pipeline.build import check_register
    from pipeline.problems import InputError
    from pipeline.cycle.workbook import write_workbook
    from pipeline.input.load import load_register

    reg = load_register(data / "2024-25" / "register.csv", config)
    write_workbook(reg, config, data / "2024-25" / "register.xlsx")
    with pytest.raises(InputError) as info:
        check_register("2024-25", data_dir=data)
    assert "register.csv, register.xlsx" in info.value.report()
    (data / "2024-25" / "config.toml").write_text('[register]\nfile = "register.xlsx"\n', encoding="utf-8")
    assert "register.xlsx: 64 lines" in check_register("2024-25", data_dir=data)


def test_a_missing_edition_lists_the_ones_that_exist(data):
    from pipeline.build import check_register
    from pipeline.problems import InputError

    with pytest.raises(InputError) as info:
        check_register("2030-31", data_dir=data)
    assert "editions under data/: 2024-25" in info.value.report()


@pytest.mark.slow
def test_leftovers_of_killed_builds_are_cleared_and_the_chart_cache_stays_small(data, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    dead = build / ".2024-25.building-999999999"  # no process has this id
    dead.mkdir()
    (dead / "half-written.docx").write_bytes(b"PK")
    for i in range(12):
        (build / ".cache" / f"stale-{i:02d}").mkdir(parents=True)
    build_edition("2024-25", data_dir=data, build_dir=build)
    assert not dead.exists()
    assert len([p for p in (build / ".cache").iterdir()]) <= 8
