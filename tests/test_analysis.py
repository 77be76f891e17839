"""Categories, review schedule and funding outlook: rules pinned at their boundaries, and the 2024-25 outcomes."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from icalendar import Calendar

from pipeline.build import load_edition
from pipeline.analysis.classify import ANNUAL, COMPLETING, DECOMMISSIONED, UNDATED, classify, classify_line, data_gaps, override_warnings
from pipeline.edition import Edition, parse_edition
from pipeline.exports.calendar import write_schedule_ics
from pipeline.exports.schedule_csv import write_schedule_csv
from pipeline.analysis.gap import funding_gap
from pipeline.analysis.outlook import outlook
from pipeline.problems import InputError
from pipeline.input.register import Line, Register
from pipeline.analysis.decisions import decisions_for, rules
from pipeline.analysis.outlook import shares
from pipeline.analysis.schedule import by_quarter, decision_points, schedule
from pipeline.config import Config

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


def with_settings(config, table: str, **values) -> Config:
    return Config({**config.raw, table: {**config.raw.get(table, {}), **values}})


def points(config, *lines, edition=Y, as_at=None):
    items = classify(Register("t", lines), edition, config, as_at)
    return decision_points(items, edition, config, as_at)


# --- category rules: status first, then dates ---------------------------------------------------

def test_partnership_and_annual_lines_without_an_end_date_are_reviewed_in_the_budget_round(config):
    assert cat(config, term="Partnership") == ANNUAL
    assert cat(config, term="Annual") == ANNUAL
    assert "budget round" in classify_line(line(term="Partnership"), Y, config)[1]


@pytest.mark.parametrize("term", ["Short", "Med", "Long"])
def test_a_fixed_term_line_without_an_end_date_is_a_gap_not_an_annual_line(config, term):
    c, reason = classify_line(line(term=term), Y, config)
    assert c == UNDATED and "no end date recorded" in reason
    assert points(config, line(term=term)) == ()


def test_exactly_twelve_months_is_d_and_a_day_more_is_not(config):
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2025, 3, 31)) == "d"
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2025, 4, 1)) == "c"


def test_ending_on_the_last_day_of_the_year_is_b_and_a_day_later_is_not(config):
    assert cat(config, start_date=date(2022, 4, 1), end_date=date(2025, 3, 31)) == "b"
    assert cat(config, start_date=date(2022, 4, 1), end_date=date(2025, 4, 1)) == "c"


def test_a_grant_with_no_start_date_is_not_printed_as_one_years_funding(config):
    c, reason = classify_line(line(section="grants", end_date=date(2025, 3, 31)), Y, config)
    assert c == "b" and "start not recorded" in reason and "only" not in reason


def test_the_single_year_assumption_is_opt_in_and_says_it_is_an_assumption(config):
    assuming = with_settings(config, "classify", assume_single_year_sections=["grants"])
    c, reason = classify_line(line(section="grants", end_date=date(2025, 3, 31)), Y, assuming)
    assert c == "d" and reason.startswith("assumed funded for 2024-25 only (start not recorded)")


def test_recent_start_running_beyond_the_medium_term_is_a(config):
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2028, 4, 1)) == "a"
    assert cat(config, start_date=date(2024, 4, 1), end_date=date(2028, 3, 31)) == "c"  # medium term ends 31/03/2028
    assert cat(config, start_date=date(2019, 4, 1), end_date=date(2029, 3, 31)) == "c"  # not recent
    assert cat(config, status="recommissioned", end_date=date(2029, 3, 31)) == "a"


def test_review_horizon_is_configurable(config):
    wider = with_settings(config, "classify", review_horizon_months=6)
    l = line(start_date=date(2022, 4, 1), end_date=date(2025, 9, 30))
    assert classify_line(l, Y, config)[0] == "c"
    assert classify_line(l, Y, wider)[0] == "b"


def test_under_review_is_b_whatever_the_end_date(config):
    c, reason = classify_line(line(status="under review", end_date=date(2027, 3, 31)), Y, config)
    assert c == "b" and reason == "under review (ends 31/03/2027)"
    assert cat(config, status="under review", term="Annual") == "b"


def test_a_decommissioned_line_leaves_the_categories_the_decisions_and_the_money_at_risk(config):
    gone = line(id="G", status="decommissioned", end_date=date(2025, 3, 31), spend=Decimal(5000))
    ended = line(id="E", status="decommissioned", end_date=date(2024, 3, 31), section="grants")
    items = classify(Register("t", (gone, ended)), Y, config)
    assert [c.category for c in items] == [DECOMMISSIONED, DECOMMISSIONED]
    assert items[0].reason == "decommissioned; ends 31/03/2025" and items[1].reason == "decommissioned; ended 31/03/2024"
    assert not any(c.lapsed for c in items)
    found = decision_points(items, Y, config)
    assert [(d.kind, d.line.id, d.overdue) for d in found] == [("exit", "G", False)]  # a notice step, not a decision
    assert schedule(items, Y, config) == ()
    gap = funding_gap(items, (), Y, config)
    assert (gap.funders, gap.completions, gap.options, gap.reviewed) == ((), (), (), ())


def test_a_planned_completion_is_shown_as_such_not_as_lost_capacity(config):
    done = line(id="SS5", section="grants", status="ending", end_date=date(2025, 3, 31), spend=Decimal(348902),
                funding_source="Home Office")
    items = classify(Register("t", (done,)), Y, config)
    assert items[0].category == COMPLETING and "completes as agreed on 31/03/2025" in items[0].reason
    assert decision_points(items, Y, config) == ()
    gap = funding_gap(items, (), Y, config)
    assert gap.funders == () and gap.completions_total == Decimal(348902)


def test_a_line_past_its_end_date_with_no_decision_is_lapsed(config):
    l = line(section="grants", end_date=date(2024, 3, 31))
    (c,) = classify(Register("t", (l,)), Y, config)
    assert c.category == "b" and c.lapsed and c.reason == "lapsed: ended 31/03/2024 with no decision recorded"
    (d,) = decision_points((c,), Y, config)
    assert d.kind == "grant-end" and d.overdue
    assert ("agreements past their end date with no decision recorded", (l,)) in data_gaps((c,), config)


def test_the_paper_date_is_a_setting_of_the_edition_not_the_clock(config):
    l = line(end_date=date(2024, 10, 31))
    assert not classify(Register("t", (l,)), Y, config)[0].lapsed  # paper date defaults to 1 April 2024
    later = with_settings(config, "edition", paper_date="2024-11-15")
    assert classify(Register("t", (l,)), Y, later)[0].lapsed
    from datetime import date as d
    toml_date = with_settings(config, "edition", paper_date=d(2024, 11, 15))
    assert classify(Register("t", (l,)), Y, toml_date)[0].lapsed


def test_override_wins_but_both_letters_are_kept_and_warned(config):
    reg = Register("t", (line(category="a", end_date=date(2025, 3, 31), start_date=date(2022, 4, 1)),
                         line(id="T-2", category="c", status="decommissioned", end_date=date(2025, 3, 31))))
    c, gone = classify(reg, Y, config)
    assert (c.category, c.computed, c.disagrees) == ("a", "b", True)
    assert (gone.category, gone.computed) == ("c", DECOMMISSIONED)
    warnings = override_warnings((c, gone))
    assert "sets category a, but the rules give b" in warnings[0]
    assert "sets category c, but the rules give decommissioned" in warnings[1]


def test_reasons_name_the_dates_used_and_say_when_the_start_is_not_recorded(config):
    reason = classify_line(line(end_date=date(2025, 3, 31), extension_options=(2,)), Y, config)[1]
    assert reason == "ends 31/03/2025, within 2024-25, with a 2-year option; start not recorded"


def test_2024_25_outcomes(config):
    edition, config, reg = load_edition("2024-25")
    items = classify(reg, edition, config)
    by_id = {c.line.id: c for c in items}
    assert by_id["VS-001"].category == "a"  # Victim First
    assert by_id["VS-005"].category == by_id["VS-006"].category == "b"  # Freeva, options to take this year
    for sm in ("VU-001", "VU-002", "VU-003"):
        assert by_id[sm].category == "c"
    for under_review in ("PR-014", "CS-010", "VA-001"):  # Warning Zone, Neighbourhood Watch, Safety Fund
        assert by_id[under_review].category == "b" and by_id[under_review].reason.startswith("under review")
    for done in ("CSG-001", "CSG-002", "CSG-003", "PRG-002"):  # Safer Streets 5, Serious Violence Duty
        assert by_id[done].category == COMPLETING
    for gap in ("VSG-012", "VU-004", "PR-013"):  # ISVA Funding, Recovery Hub, Pathfinder
        assert by_id[gap].category == UNDATED
    assert by_id["CS-001"].category == ANNUAL
    assert not any("only" in c.reason for c in items)  # no grant is said to be one year's funding
    assert len(items) == 64  # nothing dropped
    gaps = dict(data_gaps(items, config))
    assert {l.id for l in gaps["fixed-term lines with no end date"]} == {"VSG-012", "VU-004", "PR-013"}
    assert len(gaps["grants with no start date"]) == 17  # every grant: the seed dates none of them


# --- decision points --------------------------------------------------------------------------

def test_each_break_is_its_own_decision_and_recommissioning_runs_from_the_latest_end(config):
    vf = line(id="VF", term="Long", spend=Decimal(500000), start_date=date(2024, 4, 1), end_date=date(2029, 3, 31),
              break_dates=(date(2027, 3, 31), date(2028, 3, 31)), status="recommissioned")
    found = points(config, vf)
    assert [(d.kind, d.on, d.due, d.start) for d in found] == [
        ("break", date(2027, 3, 31), date(2026, 9, 30), date(2025, 9, 30)),  # 6 months' notice, 12 months' review
        ("break", date(2028, 3, 31), date(2027, 9, 30), date(2026, 9, 30)),
        # whole-life value £2.5m (60 months): the route decided 18 months before the end (work on it
        # starting 12 months before that), the award 6 months before the end, the new agreement the day after
        ("recommission", date(2029, 3, 31), date(2027, 9, 30), date(2026, 9, 30)),
    ]
    assert (found[-1].award, found[-1].begins) == (date(2028, 9, 30), date(2029, 4, 1))
    assert "whole-life value £2,500,000 (60 months from 01/04/2024)" in found[-1].note


def test_extension_options_are_decided_in_turn_from_the_current_end(config):
    sm = line(id="SM", spend=Decimal(219287), end_date=date(2026, 3, 31), extension_options=(1, 1))
    found = points(config, sm)
    assert [(d.kind, d.on, d.due) for d in found] == [
        ("extension", date(2026, 3, 31), date(2025, 9, 30)),
        ("extension", date(2027, 3, 31), date(2026, 9, 30)),
        ("recommission", date(2028, 3, 31), date(2027, 3, 31)),  # route decision: 12 months before the end
    ]
    assert found[-1].award == date(2027, 11, 30)
    assert "option 1 of 2" in found[0].note and "to 31/03/2027" in found[0].note


def test_freeva_helpline_needs_a_recommissioning_milestone_in_2025_26(config):
    helpline = line(id="VS-005", spend=Decimal(435455), end_date=date(2025, 3, 31), extension_options=(2,))
    option, recommission = points(config, helpline)
    # due 30/09/2024, after the paper date: not overdue, but work on it should already have started
    assert option.kind == "extension" and option.due == date(2024, 9, 30) and not option.overdue and option.late_start
    assert recommission.on == date(2027, 3, 31)
    assert Edition(2025).start <= recommission.due <= Edition(2025).end  # the route decision falls in 2025-26
    assert "whole-life value £1,306,365" in recommission.note and "start not recorded" in recommission.note


def test_a_grant_end_is_a_sustainability_decision(config):
    g = line(section="grants", spend=Decimal(30000), end_date=date(2025, 3, 31))
    (d,) = points(config, g)
    assert (d.kind, d.due, d.start) == ("grant-end", date(2024, 12, 31), date(2024, 6, 30))


def test_lead_times_come_from_the_settings(config):
    slower = Config({**config.raw, "decisions": {**config["decisions"], "procurement_bands": [
        {"min_value": 0, "lead_months": 24, "mobilisation_months": 6}]}})
    (d,) = points(slower, line(spend=Decimal(1000), end_date=date(2027, 3, 31)))
    assert (d.due, d.award) == (date(2025, 3, 31), date(2026, 9, 30))  # route 24 months, award 6 months before


def test_overdue_only_when_the_decision_date_has_passed_and_a_late_start_is_said_apart(config):
    l = line(section="grants", spend=Decimal(1000), end_date=date(2024, 12, 31))  # due 30/09/2024, work from 31/03/2024
    (d,) = points(config, l)
    assert d.start == date(2024, 3, 31) and d.due == date(2024, 9, 30)
    assert d.late_start and not d.overdue  # work should have started; the decision is not late
    (d2,) = points(config, line(section="grants", spend=Decimal(1000), end_date=date(2025, 1, 1)))
    assert d2.start >= Y.start and not d2.overdue and not d2.late_start
    (d3,) = points(config, l, as_at=date(2024, 3, 1))
    assert not d3.overdue and not d3.late_start
    (d4,) = points(config, l, as_at=date(2024, 10, 1))  # the date has passed: overdue
    assert d4.overdue and not d4.late_start


def test_breaks_and_options_already_past_at_the_paper_date_are_not_scheduled(config):
    l = line(spend=Decimal(1000), start_date=date(2020, 4, 1), end_date=date(2026, 3, 31),
             break_dates=(date(2023, 3, 31), date(2025, 3, 31)))
    assert [d.on for d in points(config, l) if d.kind == "break"] == [date(2025, 3, 31)]


def test_review_schedule_keeps_one_item_per_line_with_its_next_decision(config):
    vf = line(id="VF", spend=Decimal(500000), start_date=date(2024, 4, 1), end_date=date(2029, 3, 31),
              break_dates=(date(2027, 3, 31),))
    other = line(id="O", spend=Decimal(1000), end_date=date(2025, 3, 31))
    items = classify(Register("t", (vf, other)), Y, config)
    review = schedule(items, Y, config)
    assert [r.item.line.id for r in review] == ["O", "VF"]
    assert review[1].next.kind == "break" and len(review[1].decisions) == 2
    assert review[1].decision_due == date(2026, 9, 30)


def test_2024_25_schedule_is_ordered_and_grouped_by_quarter(config):
    edition, config, reg = load_edition("2024-25")
    items = classify(reg, edition, config)
    review = schedule(items, edition, config)
    assert [r.decision_due for r in review] == sorted(r.decision_due for r in review)
    groups = by_quarter(review)
    assert sum(len(g) for _, g in groups) == len(review)
    found = decision_points(items, edition, config)
    vf = [(d.kind, d.on) for d in found if d.line.id == "VS-001"]
    assert vf == [("break", date(2027, 3, 31)), ("break", date(2028, 3, 31)), ("recommission", date(2029, 3, 31))]
    assert not any(d.line.id in ("CSG-001", "PRG-002") for d in found)  # planned completions need no decision


# --- money at risk by cause ------------------------------------------------------------------------

def test_2024_25_money_at_risk_leads_with_the_moj_cliff_edge(config):
    edition, config, reg = load_edition("2024-25")
    items = classify(reg, edition, config)
    gap = funding_gap(items, (), edition, config)
    assert [(f.funder, f.total, f.ends) for f in gap.funders] == [("MoJ grant", Decimal(807202), date(2025, 3, 31))]
    assert len(gap.lines) == 12
    assert gap.completions_total == Decimal(348902) + Decimal(194313)
    assert {l.id for l in gap.reviewed} == {"PR-014", "CS-010", "VA-001"}
    assert sum(l.spend for l in gap.reviewed) == Decimal(469995)
    assert {l.id for l in gap.options} == {"VS-005", "VS-006", "PR-008", "PR-009"}
    every = [l.id for l in (*gap.lines, *gap.completions, *gap.reviewed, *gap.options)]
    assert len(every) == len(set(every))  # each line counts once


def test_external_funding_is_every_source_but_the_offices_own(config):
    mine = line(id="M", spend=Decimal(10), end_date=date(2025, 3, 31), funding_source="OPCC budget")
    theirs = line(id="H", spend=Decimal(20), end_date=date(2025, 3, 31), funding_source="Home Office")
    blank = line(id="B", spend=Decimal(40), end_date=date(2025, 3, 31))
    items = classify(Register("t", (mine, theirs, blank)), Y, config)
    gap = funding_gap(items, (), Y, config)
    assert [(f.funder, f.total) for f in gap.funders] == [("Home Office", Decimal(20))]  # not the blank or own


def test_percentages_add_up_to_their_total():
    parts = [Decimal(1), Decimal(1), Decimal(1)]
    assert shares(parts) == [Decimal(34), Decimal(33), Decimal(33)]
    assert sum(shares([Decimal(807202), Decimal(543215), Decimal(469995), Decimal(664558), Decimal(90000)])) == 100
    assert sum(shares([Decimal(2), Decimal(3), Decimal(5)], 1)) == Decimal(100)


def test_years_ahead_split_committed_optional_and_annual(config):
    lines = (line(id="A", spend=Decimal(100), end_date=date(2026, 3, 31)),
             line(id="B", spend=Decimal(10), end_date=date(2025, 3, 31), extension_options=(1,)),
             line(id="C", spend=Decimal(1), term="Annual"),
             line(id="D", spend=Decimal(1000), end_date=date(2027, 3, 31), status="decommissioned"))
    items = classify(Register("t", lines), Y, config)
    look = outlook(Register("t", lines), Y, config, items)
    nxt = look.years[1]
    assert (nxt.committed, nxt.optional, nxt.annual) == (Decimal(100), Decimal(10), Decimal(1))
    assert funding_gap(items, (), Y, config).ending == 0  # B has an option, so it is not a cliff edge


# --- exports ---------------------------------------------------------------------------------

def test_schedule_csv_has_every_line_and_neutralises_formulas(config, tmp_path):
    reg = Register("t", (line(project="=HYPERLINK(\"http://x\")", provider="@evil", end_date=date(2025, 3, 31)),
                         line(id="T-2", provider="-1+1", term="Annual")))
    items = classify(reg, Y, config)
    path = tmp_path / "s.csv"
    write_schedule_csv(path, items, schedule(items, Y, config))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert len(rows) == 2
    assert rows[0]["project"] == "'=HYPERLINK(\"http://x\")" and rows[0]["provider"] == "'@evil"
    assert rows[1]["provider"] == "'-1+1"
    assert rows[0]["end_date"] == "2025-03-31" and rows[0]["overdue"] in ("yes", "no")
    assert rows[0]["next_decision"] == "Re-commissioning" and rows[1]["next_decision"] == ""


def test_forward_plan_has_one_row_per_decision_in_due_order(config, tmp_path):
    from pipeline.exports.schedule_csv import write_forward_plan_csv

    edition, config, reg = load_edition("2024-25")
    found = decision_points(classify(reg, edition, config), edition, config)
    path = tmp_path / "plan.csv"
    write_forward_plan_csv(path, found)
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert len(rows) == len(found)
    assert [r["decision_due"] for r in rows] == sorted(r["decision_due"] for r in rows)
    vf = [r for r in rows if r["id"] == "VS-001"]
    assert [r["kind"] for r in vf] == ["Break clause", "Break clause", "Re-commissioning"]
    # "overdue" only where the decision's date has passed at the paper date (1 April 2024): none here
    assert all(r["overdue"] == ("yes" if r["decision_due"] < "2024-04-01" else "no") for r in rows)


def test_calendar_has_every_decision_and_each_event_names_the_line(config, tmp_path):
    edition, config, reg = load_edition("2024-25")
    found = decision_points(classify(reg, edition, config), edition, config)
    path = tmp_path / "s.ics"
    write_schedule_ics(path, found, edition, "OPCC")
    cal = Calendar.from_ical(path.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == sum(1 if d.kind == "exit" else 2 for d in found)
    assert all(any(f"({d.line.id})" in str(e["summary"]) for d in found) for e in events)
    vf = [e for e in events if "(VS-001)" in str(e["summary"]) and str(e["summary"]).startswith("Decision due")]
    # the two breaks, then the re-commissioning route decision (18 months before 31/03/2029)
    assert sorted(e.decoded("dtstart") for e in vf) == [date(2026, 9, 30), date(2027, 9, 30), date(2027, 9, 30)]
    assert len({str(e["uid"]) for e in events}) == len(events)
    write_schedule_ics(tmp_path / "again.ics", found, edition, "OPCC")
    assert (tmp_path / "again.ics").read_bytes() == path.read_bytes()
