"""The calendar writer: the RFC 5545 text the icalendar library writes for the same events, byte for
byte, parsed back identically by icalendar, folded at 75 octets with CRLF; and the [calendar] settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from icalendar import Calendar, Event
from icalendar.parser import Contentline

from pipeline.analysis.classify import classify
from pipeline.analysis.schedule import decision_points
from pipeline.build import load_edition
from pipeline.config import Config
from pipeline.edition import Edition
from pipeline.exports.calendar import (CalendarSettings, calendar_decisions, calendar_settings,
                                       decision_keys, escape_text, fold, schedule_calendar, write_schedule_ics)
from pipeline.input.register import Line, Register
from pipeline.problems import InputError


def icalendar_model(decisions, edition: Edition, organisation: str) -> bytes:
    """The same calendar built through icalendar's object model (how the export was written before)."""
    cal = Calendar()
    cal.add("prodid", f"-//{organisation}//Commissioning Framework {edition.label}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Commissioning decisions {edition.label}")
    stamp = datetime(edition.start.year, edition.start.month, edition.start.day, tzinfo=timezone.utc)
    keys = decision_keys(decisions)
    for d in decisions:
        line = d.line
        who = f"{line.project} ({line.id})"
        events = ([("exit", d.due, f"Exit: give notice, {who}")] if d.kind == "exit" else
                  [("start", d.start, f"Start work: {d.label.lower()}, {who}"),
                   ("due", d.due, f"Decision due: {d.label.lower()}, {who}")])
        for what, day, summary in events:
            ev = Event()
            ev.add("uid", f"{keys[id(d)]}-{what}@commissioning-framework")
            ev.add("dtstamp", stamp)
            ev.add("sequence", 0)
            ev.add("dtstart", day)
            ev.add("dtend", day + timedelta(days=1))
            ev.add("summary", summary)
            ev.add("description", (
                f"{line.id}, {line.provider}, category {d.item.category}. {d.note[:1].upper()}{d.note[1:]}. "
                f"Work starts {d.start.isoformat()}; decide by {d.due.isoformat()}."))
            ev.add("categories", [d.label, f"Commissioning category {d.item.category}"])
            ev.add("transp", "TRANSPARENT")
            cal.add_component(ev)
    return cal.to_ical()


def parsed(data: bytes) -> list[dict]:
    """Every event as icalendar reads it back: each property's decoded value."""
    cal = Calendar.from_ical(data)
    out = []
    for ev in cal.walk("VEVENT"):
        out.append({
            "uid": str(ev["uid"]), "summary": str(ev["summary"]), "description": str(ev["description"]),
            "dtstart": ev.decoded("dtstart"), "dtend": ev.decoded("dtend"), "dtstamp": ev.decoded("dtstamp"),
            "categories": list(ev["categories"].cats), "transp": str(ev["transp"]), "sequence": ev.decoded("sequence"),
            "keys": sorted(ev.keys()),
        })
    return out


def physical_lines_ok(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    body = data[:-2]
    assert b"\n" not in body.replace(b"\r\n", b""), "a line ends without CR"
    for raw in body.split(b"\r\n"):
        assert len(raw) <= 75, f"{len(raw)} octets: {raw[:40]!r}..."
        raw.decode("utf-8")  # a fold never splits a character


@pytest.fixture(scope="module")
def edition_2024():
    edition, config, reg = load_edition("2024-25")
    return edition, config, reg, decision_points(classify(reg, edition, config), edition, config)


def test_the_2024_25_calendar_is_what_icalendar_writes_byte_for_byte(edition_2024):
    edition, config, _, points = edition_2024
    chosen = calendar_decisions(points, edition, calendar_settings(config))
    ours = schedule_calendar(chosen, edition, config["organisation"]["name"])
    assert ours == icalendar_model(chosen, edition, config["organisation"]["name"])
    assert len(parsed(ours)) == sum(1 if d.kind == "exit" else 2 for d in chosen) > 60
    physical_lines_ok(ours)


# Names that stress escaping and folding: commas, semicolons, backslashes and carets at every position,
# accents, characters of 2, 3 and 4 octets that must never be split across a fold.
AWKWARD = [
    "Café Ŝervice; a, b \\ c ^ d — über-long name " * 3,
    "Women's Aid (Leicestershire), Rape Crisis; \\\\ \\n literal",
    "日本語のサービス名前" * 6,
    "Emoji 🚓🚨 support " * 5,
    "x" * 72 + "\\;,",
    "y" * 73 + "^^^" + "z" * 80,
    "Line with\nnew line and\r\nCRLF",
]


def awkward_points(edition_2024):
    edition, config, reg, points = edition_2024
    out = []
    for k, d in enumerate(points[:len(AWKWARD) * 3]):
        name = AWKWARD[k % len(AWKWARD)]
        line = replace(d.line, project=name, provider=name[::-1], id=f"{d.line.id};{k},é")
        out.append(replace(d, item=replace(d.item, line=line), note=name + d.note))
    return tuple(out)


def test_awkward_text_is_escaped_and_folded_exactly_as_icalendar_does(edition_2024):
    edition = edition_2024[0]
    points = awkward_points(edition_2024)
    for organisation in ("OPCC", "Bureau du Commissaire, Québec; \\ test " * 3):
        ours = schedule_calendar(points, edition, organisation)
        assert ours == icalendar_model(points, edition, organisation)
        physical_lines_ok(ours)
        back = parsed(ours)
        assert back == parsed(icalendar_model(points, edition, organisation))
        assert {e["summary"].split(", ", 1)[1].rsplit(" (", 1)[0] for e in back} == \
            {n.replace("\r\n", "\n").replace("\r", "\n") for n in AWKWARD}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \\^;,éŜ日🚓")) | st.characters(blacklist_categories=("Cs",)),
               max_size=400))
def test_fold_matches_icalendar_on_any_text(text):
    text = text.replace("\r", "").replace("\n", "")
    assert fold(text) == Contentline(text).to_ical().decode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aN\\;,\r\n é")), max_size=40))
def test_text_is_escaped_as_icalendar_escapes_it(text):
    from icalendar import vText

    assert escape_text(text) == vText(text).to_ical().decode("utf-8")


@pytest.mark.parametrize("escape", ["\\", "^", "\\;", "é\\", "🚓^"])
def test_a_fold_never_ends_a_line_on_the_start_of_an_escape(escape):
    for prefix in ("DESCRIPTION:", "SUMMARY:é"):
        for at in range(60, 160):
            text = prefix + "a" * at + escape + "b" * 100
            assert fold(text) == Contentline(text).to_ical().decode("utf-8"), (prefix, at)


def config_with(config: Config, **calendar) -> Config:
    return replace(config, raw={**config.raw, "calendar": {**config.raw.get("calendar", {}), **calendar}})


def dated_line(n: int, end: date, options=()) -> Line:
    return Line(id=f"T-{n:03d}", section="commissioning", term="Med", priority="Prevention", project=f"P{n}",
                provider="Q", spend=Decimal(60000), start_date=date(2020, 4, 1), end_date=end,
                extension_options=options)


def test_the_calendar_holds_decisions_from_the_edition_year_unless_set_to_all(config, tmp_path):
    edition = Edition(2024)
    reg = Register("t.csv", (dated_line(1, date(2024, 5, 31)), dated_line(2, date(2026, 3, 31), (1, 1)),
                             dated_line(3, date(2034, 3, 31))))
    points = decision_points(classify(reg, edition, config), edition, config)
    before = [d for d in points if d.due < edition.start]
    assert before, "the register should give a decision already past due"

    default = calendar_decisions(points, edition, calendar_settings(config))
    assert default == tuple(d for d in points if d.due >= edition.start)
    everything = calendar_decisions(points, edition, calendar_settings(config_with(config, decisions_from="all")))
    assert everything == points

    near = calendar_decisions(points, edition, calendar_settings(config_with(config, years_ahead=3)))
    assert near and all(edition.start <= d.due <= date(2028, 3, 31) for d in near)
    assert len(near) < len(default)

    path = tmp_path / "s.ics"
    write_schedule_ics(path, points, edition, "OPCC", calendar_settings(config))
    uids = {e["uid"] for e in parsed(path.read_bytes())}
    assert len(uids) == sum(1 if d.kind == "exit" else 2 for d in default)
    keys = decision_keys(points)
    assert not any(u.startswith(f"{keys[id(d)]}-") for d in before for u in uids)


@pytest.mark.parametrize("key, value, expected", [
    ("decisions_from", "tomorrow", "expected one of: edition, all"),
    ("years_ahead", -1, "from 0 (no limit) to 50"),
    ("years_ahead", "three", "from 0 (no limit) to 50"),
])
def test_bad_calendar_settings_are_explained(config, key, value, expected):
    with pytest.raises(InputError) as err:
        calendar_settings(config_with(config, **{key: value}))
    message = err.value.report()
    assert f"[calendar] {key}" in message and expected in message and repr(value) in message


def test_the_default_settings_match_the_documented_defaults(config):
    assert calendar_settings(config) == CalendarSettings("edition", 0)
    assert calendar_settings(replace(config, raw={k: v for k, v in config.raw.items() if k != "calendar"})) == \
        CalendarSettings()
