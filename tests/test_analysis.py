"""Categories, review schedule and funding outlook: rules pinned at their boundaries, and the 2024-25 outcomes."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from icalendar import Calendar

from pipeline.build import load_edition
from pipeline.analysis.classify import ANNUAL, classify, classify_line, override_warnings
from pipeline.edition import Edition, parse_edition
from pipeline.exports.calendar import write_schedule_ics
from pipeline.exports.schedule_csv import write_schedule_csv
from pipeline.analysis.outlook import outlook
from pipeline.problems import InputError
from pipeline.input.register import Line, Register
from pipeline.analysis.schedule import by_quarter, schedule

Y = Edition(2024)


def line(**kw) -> Line:
    base = dict(id="T-1", section="commissioning", term="Med", priority="Prevention", project="P", provider="Q",
                spend=Decimal(10000))
    base.update(kw)
    return Line(**base)


def cat(config, **kw) -> str:
    return classify_line(line(**kw), Y, config)[0]


# --- edition years -----------------------------------------------------------------------

def test_edition_year_spans_april_to_march():
    e = parse_edition("2024-25")
    assert (e.start, e.end, e.short_label) == (date(2024, 4, 1), date(2025, 3, 31), "24/25")
    assert parse_edition("1999-00").end == date(2000, 3, 31)


@pytest.mark.parametrize("bad", ["2024", "24-25", "2024-26", "../x", "2024-25/..", ""])
def test_malformed_edition_year_is_refused_clearly(bad):
    with pytest.raises(InputError) as info:
        parse_edition(bad)
    assert "financial year written like 2024-25" in info.value.report()


# --- category rules at their boundaries --------------------------------------------------------

def test_no_end_date_is_reviewed_in_the_annual_budget_round(config):
    assert cat(config) == ANNUAL
    assert "budget round" in classify_line(line(term="Partnership"), Y, config)[1]


def test_exactly_twelve_months_is_d_and_a_day_more_is_not(config):
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2025, 3, 31)) == "d"
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2025, 4, 1)) == "c"


def test_ending_on_the_last_day_of_the_year_is_b_and_a_day_later_is_not(config):
    assert cat(config, start_date=date(2022, 4, 1), end_date=date(2025, 3, 31)) == "b"
    assert cat(config, start_date=date(2022, 4, 1), end_date=date(2025, 4, 1)) == "c"


def test_missing_start_date_depends_on_the_section(config):
    # A grant with no start is funded for the edition year only; a contract with no start ending this year needs a decision.
    assert cat(config, section="grants", end_date=date(2025, 3, 31)) == "d"
    assert cat(config, section="commissioning", end_date=date(2025, 3, 31)) == "b"


def test_recent_start_running_beyond_the_medium_term_is_a(config):
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2028, 4, 1)) == "a"
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2028, 3, 31)) == "c"  # medium term ends 31/03/2028
    assert cat(config, start_date=date(2019, 4, 1), end_date=date(2029, 3, 31)) == "c"  # not recent
    assert cat(config, status="recommissioned", end_date=date(2029, 3, 31)) == "a"


def test_review_horizon_is_configurable(config):
    from pipeline.config import Config

    wider = Config({**config.raw, "classify": {**config["classify"], "review_horizon_months": 6}})
    l = line(start_date=date(2022, 4, 1), end_date=date(2025, 9, 30))
    assert classify_line(l, Y, config)[0] == "c"
    assert classify_line(l, Y, wider)[0] == "b"


def test_override_wins_but_both_letters_are_kept_and_warned(config):
    reg = Register("t", (line(category="a", end_date=date(2025, 3, 31), start_date=date(2022, 4, 1)),))
    (c,) = classify(reg, Y, config)
    assert (c.category, c.computed, c.disagrees) == ("a", "b", True)
    assert "sets category a, but the rules give b" in override_warnings((c,))[0]


def test_reasons_name_the_dates_used(config):
    reason = classify_line(line(end_date=date(2025, 3, 31), extension_options=(2,)), Y, config)[1]
    assert reason == "ends 31/03/2025, within 2024-25, with a 2-year option"


def test_2024_25_outcomes(config):
    edition, config, reg = load_edition("2024-25")
    by_project = {}
    for c in classify(reg, edition, config):
        by_project.setdefault(c.line.project, set()).add(c.category)
    assert by_project["Victim First"] == {"a"}
    assert by_project["Helpline and Engagement (DA Services)"] == {"b"}
    assert by_project["Sexual Violence and Abuse Services"] == {"b"}
    for sm in ("Leicester City Substance Misuse", "Leicestershire County Substance Misuse", "Rutland County Substance Misuse"):
        assert by_project[sm] == {"c"}
    for grant in ("Project 360", "DA Perpetrator Programme, Jenkins Centre", "Safer Streets 5 VAWG", "Serious Violence Duty"):
        assert by_project[grant] == {"d"}
    assert by_project["CSP - Leicester City PLF"] == {ANNUAL}
    assert len(classify(reg, edition, config)) == 64  # nothing dropped


# --- schedule ----------------------------------------------------------------------------------

def test_schedule_dates_follow_options_notice_and_value(config):
    big = line(id="B", spend=Decimal(435455), end_date=date(2025, 3, 31), extension_options=(2,))
    small = line(id="S", spend=Decimal(20000), end_date=date(2025, 3, 31), extension_options=(1, 1))
    items = classify(Register("t", (big, small)), Y, config)
    rb, rs = sorted(schedule(items, Y, config), key=lambda r: r.item.line.id)
    assert rb.latest_end == date(2027, 3, 31) and rs.latest_end == date(2027, 3, 31)
    assert (rb.decision_due, rb.review_start) == (date(2024, 9, 30), date(2023, 9, 30))  # 6 months notice, 12 lead
    assert (rs.decision_due, rs.review_start) == (date(2024, 12, 31), date(2024, 6, 30))  # 3 months notice, 6 lead
    assert rb.overdue and not rs.overdue


def test_review_starting_on_the_first_day_of_the_year_is_not_overdue(config):
    l = line(spend=Decimal(1000), end_date=date(2024, 12, 31))  # 3 + 6 months before: 1 April 2024
    (r,) = schedule(classify(Register("t", (l,)), Y, config), Y, config)
    assert r.review_start == date(2024, 3, 31) and r.overdue
    l2 = line(spend=Decimal(1000), end_date=date(2025, 1, 1))
    (r2,) = schedule(classify(Register("t", (l2,)), Y, config), Y, config)
    assert r2.review_start >= Y.start and not r2.overdue


def test_schedule_is_ordered_by_decision_and_grouped_by_quarter(config):
    edition, config, reg = load_edition("2024-25")
    review = schedule(classify(reg, edition, config), edition, config)
    assert [r.decision_due for r in review] == sorted(r.decision_due for r in review)
    assert len(review) == sum(1 for l in reg if l.end_date)
    groups = by_quarter(review)
    assert groups[0][0] == "2024-25 Q2 (July to September 2024)"
    assert sum(len(g) for _, g in groups) == len(review)


# --- outlook -----------------------------------------------------------------------------------

def test_cliff_edge_totals_by_source_and_priority(config):
    edition, config, reg = load_edition("2024-25")
    look = outlook(reg, edition, config)
    ending = [l for l in reg if l.end_date and l.end_date <= edition.end and not l.extension_options]
    assert look.ending_total == sum(l.spend for l in ending)
    sources = dict(look.ending_by_source)
    moj = sum(l.spend for l in reg if l.funding_source == "MoJ grant")
    assert sources["MoJ grant"] == moj == Decimal(807202)
    assert sum(sources.values()) == sum(dict(look.ending_by_priority).values()) == look.ending_total
    assert look.years[0].committed + look.years[0].annual == reg.total()


def test_years_ahead_split_committed_optional_and_annual(config):
    lines = (line(id="A", spend=Decimal(100), end_date=date(2026, 3, 31)),
             line(id="B", spend=Decimal(10), end_date=date(2025, 3, 31), extension_options=(1,)),
             line(id="C", spend=Decimal(1)))
    look = outlook(Register("t", lines), Y, config)
    nxt = look.years[1]
    assert (nxt.committed, nxt.optional, nxt.annual) == (Decimal(100), Decimal(10), Decimal(1))
    assert look.ending == ()  # B has an option, so it is not a cliff edge


# --- exports ---------------------------------------------------------------------------------

def test_schedule_csv_has_every_line_and_neutralises_formulas(config, tmp_path):
    reg = Register("t", (line(project="=HYPERLINK(\"http://x\")", provider="@evil", end_date=date(2025, 3, 31)),
                         line(id="T-2", provider="-1+1")))
    items = classify(reg, Y, config)
    path = tmp_path / "s.csv"
    write_schedule_csv(path, items, schedule(items, Y, config))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert len(rows) == 2
    assert rows[0]["project"] == "'=HYPERLINK(\"http://x\")" and rows[0]["provider"] == "'@evil"
    assert rows[1]["provider"] == "'-1+1"
    assert rows[0]["end_date"] == "2025-03-31" and rows[0]["overdue"] in ("yes", "no")
    for col in ("id", "project", "provider", "section", "priority", "spend", "category", "computed_category", "reason",
                "start_date", "end_date", "latest_end_date", "review_start", "decision_due", "overdue"):
        assert col in rows[0]


def test_calendar_has_a_review_start_and_decision_event_per_dated_line(config, tmp_path):
    edition, config, reg = load_edition("2024-25")
    review = schedule(classify(reg, edition, config), edition, config)
    path = tmp_path / "s.ics"
    write_schedule_ics(path, review, edition, "OPCC")
    cal = Calendar.from_ical(path.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2 * len(review)
    vf = [e for e in events if str(e["summary"]).split(": ", 1)[1] == "Victim First (Catch 22)"]
    assert {e.decoded("dtstart") for e in vf} == {date(2027, 9, 30), date(2028, 9, 30)}
    assert len({str(e["uid"]) for e in events}) == len(events)
    write_schedule_ics(tmp_path / "again.ics", review, edition, "OPCC")
    assert (tmp_path / "again.ics").read_bytes() == path.read_bytes()


def test_an_agreement_that_ended_before_the_year_began_needs_a_decision(config):
    # A rolled-forward grant still showing last year's end date is not "funded for this year".
    c, reason = classify_line(line(section="grants", end_date=date(2024, 3, 31)), Y, config)
    assert c == "b" and "ended 31/03/2024, before 2024-25 began" in reason
