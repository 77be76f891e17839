"""The calendar updates itself in the officer's calendar: imported one after another, as Outlook and
Thunderbird import them, successive calendars leave no duplicate and no stale event.

A calendar program matches events by UID and replaces the one it holds only with a higher SEQUENCE
(RFC 5546; Thunderbird skips an item whose UID it holds otherwise), and removes one sent as cancelled.
Each import below is done twice: with icalendar (Python) and with ical.js (Thunderbird's parser, run by
node from tests/icaljs/, installed there by .ci/run), by the same rules.

The builds are real `report` builds of a private copy of data/: the 2024-25 edition, a rebuild, a
moved end date, a removed line, a trial (`check`) and a failed build, then `new-year` and 2025-26.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from icalendar import Calendar

from pipeline.build import build_edition, check_edition
from pipeline.config import load_config
from pipeline.cycle.newyear import roll_forward
from pipeline.edition import Edition
from pipeline.exports.calendar_state import STATE_FILE, read_state
from pipeline.problems import InputError

from .conftest import copy_data

pytestmark = pytest.mark.slow  # whole builds, a browser or LibreOffice: left out of `invoke test --fast`

ROOT = Path(__file__).resolve().parent.parent
ICALJS = ROOT / "tests" / "icaljs"
YEAR, NEXT = "2024-25", "2025-26"


# --- importing, as a calendar program does ------------------------------------------------------------

def import_with_icalendar(files: list[bytes]) -> dict[str, dict]:
    store: dict[str, dict] = {}
    for data in files:
        for ev in Calendar.from_ical(data).walk("VEVENT"):
            uid, sequence = str(ev["uid"]), int(ev.get("sequence", 0))
            stamp = ev.decoded("dtstamp")
            held = store.get(uid)
            if held and (held["sequence"] > sequence or (held["sequence"] == sequence and held["stamp"] >= stamp)):
                continue
            if str(ev.get("status", "")).upper() == "CANCELLED":
                store.pop(uid, None)
                continue
            store[uid] = {"sequence": sequence, "stamp": stamp, "summary": str(ev["summary"]),
                          "start": ev.decoded("dtstart").isoformat()}
    return {uid: {k: v for k, v in e.items() if k != "stamp"} for uid, e in store.items()}


def import_with_icaljs(paths: list[Path]) -> dict[str, dict]:
    module = ICALJS / "node_modules" / "ical.js"
    if shutil.which("node") is None or not module.is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/icaljs` (node and npm needed); "
                    ".ci/run does this")
    proc = subprocess.run(["node", str(ICALJS / "import.mjs"), *map(str, paths)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = {}
    for e in json.loads(proc.stdout):
        start = e["start"]  # ical.js writes an all-day date as 2024-04-30
        out[e["uid"]] = {"sequence": e["sequence"], "summary": e["summary"], "start": start}
    return out


def live_events(data: bytes) -> dict[str, dict]:
    """What the file itself says is current: its events less the cancelled ones."""
    return import_with_icalendar([data])


def events(data: bytes) -> dict[str, dict]:
    return {str(ev["uid"]): {"sequence": int(ev["sequence"]), "status": str(ev.get("status", "")),
                             "summary": str(ev["summary"]), "start": ev.decoded("dtstart").isoformat(),
                             "stamp": ev.decoded("dtstamp").isoformat()}
            for ev in Calendar.from_ical(data).walk("VEVENT")}


def assert_imports_cleanly(paths: list[Path], since: str = "") -> None:
    """Imported in order into one calendar: exactly the last file's current events, each once, as it says.
    `since`: the last edition's first day; reminders of earlier editions dated before it are history
    (those decisions have passed, they were not withdrawn), so they may stay."""
    expected = live_events(paths[-1].read_bytes())
    assert expected
    for name, got in (("icalendar", import_with_icalendar([p.read_bytes() for p in paths])),
                      ("ical.js", import_with_icaljs(paths))):
        stale = sorted(u for u in set(got) - set(expected) if got[u]["start"] >= since)
        missing = sorted(set(expected) - set(got))
        assert not stale, f"{name}: events left over from an earlier file: {stale[:5]}"
        assert not missing, f"{name}: events of the last file not taken: {missing[:5]}"
        outdated = [u for u in expected if got[u] != expected[u]]
        assert not outdated, f"{name}: an older version kept: {[(got[u], expected[u]) for u in outdated[:3]]}"
        # A decision published twice under two UIDs would show as a stale copy above; and within the
        # calendar each reminder appears once.
        shown = [(e["summary"], e["start"]) for e in got.values()]
        assert len(set(shown)) == len(shown), f"{name}: a reminder twice"


# --- the builds -------------------------------------------------------------------------------------

def edit(register: Path, change) -> None:
    with register.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    rows = change(rows)
    with register.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        w.writerows(rows)


def set_field(line_id: str, field: str, value: str):
    def change(rows):
        for r in rows:
            if r["id"] == line_id:
                r[field] = value
        return rows
    return change


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Every calendar of the story, kept in order, with the record after each step."""
    tmp = tmp_path_factory.mktemp("calendar")
    data = copy_data(tmp)
    state = data / YEAR / STATE_FILE
    kept: dict[str, Path] = {}
    records: dict[str, bytes] = {}

    def build(name: str, year: str = YEAR, **kwargs) -> None:
        out = tmp / "build" / year
        build_edition(year, data_dir=data, out=out, build_dir=tmp / "cache", force=True, skip=("pdf",), **kwargs)
        kept[name] = tmp / f"{name}.ics"
        shutil.copyfile(out / "review-schedule.ics", kept[name])
        records[name] = (data / year / STATE_FILE).read_bytes()

    state.unlink()  # as an edition's first calendar: no record yet
    build("first")
    build("rebuilt")
    mtime = state.stat().st_mtime_ns
    build("rebuilt-again")
    records["mtime-unchanged"] = b"yes" if state.stat().st_mtime_ns == mtime else b"no"

    register = data / YEAR / "register.csv"
    edit(register, set_field("CS-010", "end_date", "2025-01-31"))  # the re-commissioning dates move
    build("moved")
    edit(register, set_field("PR-008", "project", "Renamed project"))  # the name only: same dates, new version
    build("reworded")
    edit(register, lambda rows: [r for r in rows if r["id"] != "PR-002"])  # the line is gone
    build("removed")

    # A trial and a failed build change nothing in the record, whatever they would publish.
    edit(register, set_field("CS-010", "end_date", "2025-02-28"))
    before = state.read_bytes()
    check_edition(YEAR, data_dir=data, build_dir=tmp / "cache")
    records["after-check"] = state.read_bytes()
    import pipeline.writers.docx as docx

    real = docx.write_docx

    def fail(*args, **kwargs):
        raise RuntimeError("Word writer failed")

    docx.write_docx = fail
    try:
        with pytest.raises(RuntimeError):
            build("failed")
    finally:
        docx.write_docx = real
    records["after-failure"] = state.read_bytes()
    records["before-trial"] = before
    edit(register, set_field("CS-010", "end_date", "2025-01-31"))  # back as "removed" published it

    roll_forward(Edition(2024), data, load_config(YEAR, data))
    build("next", NEXT, draft=True)
    return kept, records, data


def test_uids_name_the_line_and_the_decision_never_its_date_or_edition(story):
    kept, _, _ = story
    first = events(kept["first"].read_bytes())
    assert "CS-010-recommission-1-start@commissioning-framework" in first
    assert "VS-001-break-1-due@commissioning-framework" in first and "VS-001-break-2-due@commissioning-framework" in first
    for uid, e in first.items():
        assert "2024" not in uid and "2025" not in uid and YEAR not in uid, uid
        line = uid.split("-")[0] + "-" + uid.split("-")[1]
        assert f"({line})" in e["summary"]  # each event still names its line
    assert {e["sequence"] for e in first.values()} == {0}
    assert {e["stamp"] for e in first.values()} == {"2024-04-01T00:00:00+00:00"}  # the edition's date


def test_a_rebuild_of_the_same_inputs_gives_the_same_bytes_and_record(story):
    kept, records, _ = story
    assert kept["first"].read_bytes() == kept["rebuilt"].read_bytes() == kept["rebuilt-again"].read_bytes()
    assert records["first"] == records["rebuilt"] == records["rebuilt-again"]
    assert records["mtime-unchanged"] == b"yes"  # an unchanged record is not even rewritten


def test_a_moved_date_updates_the_same_events_with_a_higher_sequence(story):
    kept, _, _ = story
    before, after = events(kept["rebuilt"].read_bytes()), events(kept["moved"].read_bytes())
    uid = "CS-010-recommission-1-due@commissioning-framework"
    assert after[uid]["sequence"] == before[uid]["sequence"] + 1 and after[uid]["start"] != before[uid]["start"]
    unchanged = [u for u in before if u in after and not u.startswith("CS-010-")]
    assert unchanged and all(after[u]["sequence"] == before[u]["sequence"] for u in unchanged)
    assert_imports_cleanly([kept["rebuilt"], kept["moved"]])


def test_a_text_change_alone_is_a_new_version_too(story):
    kept, _, _ = story
    before, after = events(kept["moved"].read_bytes()), events(kept["reworded"].read_bytes())
    changed = {u for u in after if after[u]["sequence"] != before[u]["sequence"]}
    assert changed and all(u.startswith("PR-008-") for u in changed)
    assert all(after[u]["start"] == before[u]["start"] for u in changed)
    assert_imports_cleanly([kept["moved"], kept["reworded"]])


def test_a_decision_that_no_longer_exists_is_sent_as_cancelled(story):
    kept, records, _ = story
    before, after = events(kept["reworded"].read_bytes()), events(kept["removed"].read_bytes())
    gone = [u for u in before if u.startswith("PR-002-")]
    assert gone
    for uid in gone:
        assert after[uid]["status"] == "CANCELLED" and after[uid]["sequence"] == before[uid]["sequence"] + 1
        assert after[uid]["summary"].startswith("Cancelled: ") and "(PR-002)" in after[uid]["summary"]
    assert_imports_cleanly([kept["reworded"], kept["removed"]])
    # ... and from the very first calendar on, through every change.
    assert_imports_cleanly([kept["first"], kept["moved"], kept["reworded"], kept["removed"]])


def test_neither_check_nor_a_failed_build_advances_the_record(story):
    _, records, _ = story
    assert records["after-check"] == records["before-trial"] == records["removed"]
    assert records["after-failure"] == records["removed"]


def test_the_next_edition_updates_this_years_events_instead_of_adding_them_again(story):
    kept, _, data = story
    assert (data / NEXT / STATE_FILE).exists()  # new-year carried the record
    this_year, next_year = events(kept["removed"].read_bytes()), events(kept["next"].read_bytes())
    common = set(this_year) & set(next_year)
    assert len(common) >= 30, f"only {len(common)} events kept their UIDs into {NEXT}"
    assert_imports_cleanly([kept["removed"], kept["next"]], since="2025-04-01")
    assert_imports_cleanly([kept["first"], kept["removed"], kept["next"]], since="2025-04-01")
    # Stamped with the new edition's date, so the new versions are newer to a calendar too.
    assert {e["stamp"] for e in next_year.values()} == {"2025-04-01T00:00:00+00:00"}
    # Decisions whose date has passed are not cancelled: they happened.
    assert not [u for u, e in next_year.items() if e["status"] == "CANCELLED" and not u.startswith("PR-002-")]


def test_a_decision_outside_the_window_is_not_cancelled(tmp_path):
    data = copy_data(tmp_path)
    out, cache = tmp_path / "build" / YEAR, tmp_path / "cache"
    build_edition(YEAR, data_dir=data, out=out, build_dir=cache, force=True, skip=("pdf",))
    full = events((out / "review-schedule.ics").read_bytes())
    (data / YEAR / "config.toml").write_text("[calendar]\nyears_ahead = 1\n", encoding="utf-8")
    build_edition(YEAR, data_dir=data, out=out, build_dir=cache, force=True, skip=("pdf",))
    near = events((out / "review-schedule.ics").read_bytes())
    assert len(near) < len(full) and not [e for e in near.values() if e["status"]]
    (data / YEAR / "config.toml").write_text("", encoding="utf-8")
    build_edition(YEAR, data_dir=data, out=out, build_dir=cache, force=True, skip=("pdf",))
    assert events((out / "review-schedule.ics").read_bytes()) == full  # back, unchanged, same versions


def test_a_damaged_record_is_explained_and_nothing_is_built(tmp_path):
    data = copy_data(tmp_path)
    state = data / YEAR / STATE_FILE
    out = tmp_path / "build" / YEAR
    build_edition(YEAR, data_dir=data, out=out, build_dir=tmp_path / "cache", force=True, skip=("pdf",))
    rows = state.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",0,published,", ",one,published,", 1)
    state.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = (out / "review-schedule.ics").read_bytes()
    with pytest.raises(InputError) as caught:
        build_edition(YEAR, data_dir=data, out=out, build_dir=tmp_path / "cache", force=True, skip=("pdf",))
    message = caught.value.report()
    assert STATE_FILE in message and "row 2" in message and "sequence" in message and "whole number" in message
    assert (out / "review-schedule.ics").read_bytes() == before
    with pytest.raises(InputError):
        read_state(state)


def test_the_published_record_of_2024_25_is_what_a_build_of_it_leaves():
    """data/2024-25/calendar-published.csv is committed at its fixed point: building the edition as it is
    (into a scratch folder) would not change it."""
    from pipeline.build import load_edition
    from pipeline.config import DATA_DIR
    from pipeline.exports.calendar import calendar_and_record, calendar_inputs
    from pipeline.analysis.classify import classify
    from pipeline.analysis.schedule import decision_points

    edition, config, reg = load_edition(YEAR)
    points = decision_points(classify(reg, edition, config), edition, config)
    _, record = calendar_and_record(points, edition, config["organisation"]["name"],
                                    calendar_inputs(config, edition, DATA_DIR))
    assert record == (DATA_DIR / YEAR / STATE_FILE).read_bytes()


def test_the_record_keeps_awkward_text_exactly_so_a_rebuild_is_a_fixed_point(tmp_path):
    """Names with commas, quotes, semicolons, line breaks and characters of every width survive the
    record, so rebuilding against it changes nothing; dropping their line cancels their events."""
    from pipeline.build import load_edition
    from pipeline.exports.calendar import CalendarInputs, CalendarSettings, calendar_and_record
    from pipeline.exports.calendar_state import save_state

    from .test_calendar import awkward_points

    edition, config, reg = load_edition(YEAR)
    from pipeline.analysis.classify import classify
    from pipeline.analysis.schedule import decision_points

    points = awkward_points((edition, config, reg, decision_points(classify(reg, edition, config), edition, config)))
    assert any("\n" in d.line.project for d in points) and any("," in d.line.id for d in points)
    settings = CalendarSettings("all", 0)
    first, record = calendar_and_record(points, edition, "OPCC", CalendarInputs(settings, {}, edition.start, edition.start))
    path = tmp_path / STATE_FILE
    save_state(path, record)
    history = read_state(path)
    again, record_again = calendar_and_record(points, edition, "OPCC", CalendarInputs(settings, history, edition.start,
                                                                                      edition.start))
    assert again == first and record_again == record
    gone = points[1:]
    later, _ = calendar_and_record(gone, edition, "OPCC", CalendarInputs(settings, history, edition.start, edition.start))
    cancelled = {u: e for u, e in events(later).items() if e["status"] == "CANCELLED"}
    dropped = {u for u in events(first) if u.startswith(points[0].line.id + "-")}
    assert set(cancelled) == dropped and all(e["sequence"] == 1 for e in cancelled.values())


def test_a_build_of_another_register_file_does_not_touch_the_editions_record(tmp_path):
    data = copy_data(tmp_path)
    state = data / YEAR / STATE_FILE
    before = state.read_bytes()
    other = tmp_path / "trial.csv"
    other.write_text((data / YEAR / "register.csv").read_text(encoding="utf-8").replace("2029-03-31", "2030-03-31"),
                     encoding="utf-8")
    build_edition(YEAR, register=other, data_dir=data, out=tmp_path / "build" / YEAR, build_dir=tmp_path / "cache",
                  force=True, skip=("pdf",))
    assert state.read_bytes() == before
    # The edition's own register, even named explicitly, is the edition's build: its change is recorded.
    shutil.copyfile(other, data / YEAR / "register.csv")
    build_edition(YEAR, register=data / YEAR / "register.csv", data_dir=data, out=tmp_path / "build" / YEAR,
                  build_dir=tmp_path / "cache", force=True, skip=("pdf",))
    after = read_state(state)
    assert state.read_bytes() != before
    assert {r.sequence for u, r in after.items() if u.startswith("VS-001-recommission-")} == {1}
