"""Funding scenarios on small registers written in the test: what ends or shrinks, when the provider must
be told, the gap against the base case and its offsets, bad scenario files, the what-if command."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.analysis.classify import classify
from pipeline.analysis.gap import funding_gap
from pipeline.analysis.scenarios import ENDS, GAINS, SHRINKS
from pipeline.build import load_edition
from pipeline.exports.scenarios_csv import COLUMNS, scenario_rows
from pipeline.scenario_edition import edition_scenarios
from pipeline.paper.model import Document, Table
from pipeline.paper.scenario_tables import summary_table
from pipeline.problems import InputError
from pipeline.whatif import what_if
from pipeline.writers.print_layout import load_words, print_edition

ROOT = Path(__file__).resolve().parent.parent
HEADER = "id,section,term,priority,project,provider,spend,funding_source,start_date,end_date,extension_options,status,notes,posts"
# A small register: two MoJ grants ending with the year, a long contract on the victims grant, a fund
# the office can repurpose, a line proposed for decommissioning, and one the office runs itself.
ROWS = [
    "G-1,grants,Short,Victim Services,Advocacy,Helping Hands,60000,MoJ grant,,31/03/2025,,,,3",
    "G-2,grants,Short,Victim Services,Counselling,Talk Well,20000,MoJ grant,,31/03/2025,,,,",
    "C-1,commissioning,Long,Victim Services,Victim Hub,Catch 22,500000,MoJ Victims Grant,01/04/2024,31/03/2029,,,,12",
    "F-1,commissioning,Annual,Various,Safety Fund,Grants Panel Ltd,400000,OPCC budget,,,,,,",
    "W-1,commissioning,Short,Prevention,Schools Centre,Warning Zone,50000,,,31/03/2025,1,under review,,",
    "O-1,commissioning,Annual,Various,Emergent Issues,OPCC,40000,,,,,,,",
]


def edition(tmp_path: Path, scenarios: str = "", offsets: str = "", paper_date: str = "", rows=ROWS) -> Path:
    """A data folder holding the project's settings and a 2024-25 edition made of the rows given."""
    data = tmp_path / "data"
    folder = data / "2024-25"
    folder.mkdir(parents=True)
    (data / "config.toml").write_bytes((ROOT / "data" / "config.toml").read_bytes())
    (folder / "register.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    if paper_date:
        (folder / "config.toml").write_text(f"[edition]\npaper_date = {paper_date}\n", encoding="utf-8")
    if offsets:
        (folder / "paper.toml").write_text(offsets, encoding="utf-8")
    if scenarios:
        (folder / "scenarios.toml").write_text(scenarios, encoding="utf-8")
    return data


def worked_out(data: Path):
    ed, config, reg = load_edition("2024-25", None, data)
    items = classify(reg, ed, config)
    return ed, config, reg, items, edition_scenarios(reg, items, ed, config, data / "2024-25")


OFFSETS = """
[[offsets]]
kind = "decommission"
lines = ["W-1"]

[[offsets]]
kind = "repurpose"
lines = ["F-1"]
note = "amount to be decided"
"""


def effect(outcome, ident, change):
    return next(e for e in outcome.effects if e.line.id == ident and e.change == change)


def test_base_case_gap_is_the_external_money_ending_and_the_offsets_against_it(tmp_path):
    data = edition(tmp_path, offsets=OFFSETS, scenarios="""
[[scenarios]]
name = "Nothing new"
[[scenarios.changes]]
kind = "funder-ends"
funder = "MoJ grant"
on = 2025-03-31
""")
    ed, config, reg, items, result = worked_out(data)
    paper_gap = funding_gap(items, (), ed, config)
    base = result.base
    # The paper's funding gap (analysis/gap.py) is the base case's gap.
    assert base.gap.gap == paper_gap.ending == Decimal(80000)
    assert base.gap.covered == Decimal(50000)  # Warning Zone decommissioned; the fund's amount not decided
    assert base.gap.undecided == 1 and base.gap.remainder == Decimal(30000)
    (s,) = result.outcomes
    # The grants already end on 31/03/2025 in the register: the scenario reconciles with the base case.
    assert s.gap.gap == base.gap.gap and s.gap_change == 0
    assert s.funding == base.funding
    assert {e.line.id for e in s.ending} == {"G-1", "G-2", "W-1"}
    # Every month, the funding by source adds up to the funding of all lines.
    for k in range(len(s.months)):
        assert sum(series[k] for _, series in s.by_source) == s.funding[k]
    # The first year holds every line's spend (all run the whole year).
    assert s.year_totals(ed)[0][1] == Decimal(1070000)


def test_a_cut_that_ends_a_service_names_the_day_and_the_notice_date(tmp_path):
    data = edition(tmp_path, scenarios="""
[[scenarios]]
name = "Victims grant withdrawn"
[[scenarios.changes]]
kind = "funder-cut"
funder = "MoJ Victims Grant"
from = 2025-04-01
percent = 100
""")
    ed, config, reg, items, result = worked_out(data)
    (s,) = result.outcomes
    e = effect(s, "C-1", ENDS)
    assert e.when == date(2025, 3, 31)
    assert e.notice_by == date(2024, 9, 30)  # £500,000 is in the 6-month notice band
    assert not e.notice_passed
    assert s.gap.gap == result.base.gap.gap + Decimal(500000)
    # Funding of C-1 stops in April 2025: the months after carry none of its money.
    c1 = s.funding_of(["C-1"])
    assert c1[11].quantize(Decimal("0.01")) == Decimal("41666.67") and c1[12] == 0
    assert sum(c1).quantize(Decimal("0.01")) == Decimal(500000)
    assert s.posts == (Decimal(12), 1, 0)


def test_a_cut_by_percentage_shrinks_the_service_and_reconciles_month_by_month(tmp_path):
    data = edition(tmp_path, scenarios="""
[[scenarios]]
name = "Victims grant cut"
[[scenarios.changes]]
kind = "funder-cut"
funder = "moj victims grant"
from = 2025-04-01
percent = 4.2
""")
    ed, config, reg, items, result = worked_out(data)
    (s,) = result.outcomes
    e = effect(s, "C-1", SHRINKS)
    assert (e.before, e.after, e.when) == (Decimal(500000), Decimal(479000), date(2025, 4, 1))
    assert s.gap_change == Decimal(21000)
    # Over the three years the scenario has exactly two years of the cut less than the base case.
    assert (sum(result.base.funding) - sum(s.funding)).quantize(Decimal("0.01")) == Decimal(42000)
    years = dict((y.label, v) for y, v in s.year_totals(ed))
    assert years["2024-25"] == dict((y.label, v) for y, v in result.base.year_totals(ed))["2024-25"]


def test_a_repurposed_fund_shrinks_the_fund_funds_the_named_lines_and_counts_as_an_offset(tmp_path):
    data = edition(tmp_path, offsets=OFFSETS, scenarios="""
[[scenarios]]
name = "A quarter of the fund to the MoJ services"
[[scenarios.changes]]
kind = "repurpose"
lines = ["F-1"]
to = ["G-1", "G-2"]
from = 2025-04-01
share = 0.25

[[scenarios.drop_offsets]]
kind = "repurpose"
lines = ["F-1"]
""")
    ed, config, reg, items, result = worked_out(data)
    (s,) = result.outcomes
    fund = effect(s, "F-1", SHRINKS)
    assert (fund.before, fund.after) == (Decimal(400000), Decimal(300000))
    assert fund.notice_by == date(2024, 9, 30)
    g1, g2 = effect(s, "G-1", GAINS), effect(s, "G-2", GAINS)
    assert (g1.after, g2.after) == (Decimal(75000), Decimal(25000))  # shared by their spend, 3:1
    assert g1.notice_by is None
    # The offsets: Warning Zone (£50,000) and the £100,000 moved; the undecided offset was dropped.
    assert s.gap.covered == Decimal(150000) and s.gap.undecided == 0
    assert s.gap.remainder == s.gap.gap - Decimal(150000) == Decimal(-70000)
    # Money moved, not lost: what G-1 and G-2 receive is what the fund gives up, so the total is unchanged.
    assert s.funding[12] == result.base.funding[12]
    table = summary_table(s, "t", "c", {k: k for k in ("figure", "value", "gap", "offsets", "remainder", "services",
                                                        "notice", "posts")}, "01/04/2024")
    assert dict(table.rows)["remainder"] == "none: the offsets cover the gap with £70,000 to spare"


def test_a_notice_date_already_passed_at_the_paper_date_is_flagged(tmp_path):
    data = edition(tmp_path, paper_date="2024-11-01", scenarios="""
[[scenarios]]
name = "Grants end early"
[[scenarios.changes]]
kind = "funder-ends"
funder = "MoJ grant"
on = 2024-12-31
""")
    ed, config, reg, items, result = worked_out(data)
    (s,) = result.outcomes
    g1, g2 = effect(s, "G-1", ENDS), effect(s, "G-2", ENDS)
    assert g1.notice_by == date(2024, 6, 30) and g1.notice_passed  # £60,000: six months' notice
    assert g2.notice_by == date(2024, 9, 30) and g2.notice_passed  # £20,000: three months'
    assert s.months[0] == date(2024, 11, 1) and len(s.months) == 36
    table = summary_table(s, "t", "c", {k: k for k in ("figure", "value", "gap", "offsets", "remainder", "services",
                                                        "notice", "posts")}, "01/11/2024")
    rows = dict(table.rows)
    assert rows["notice"] == "30/06/2024 (Advocacy); 2 dates have already passed at 01/11/2024"
    assert rows["posts"] == "3 in 1 service; not recorded for 1 more"
    csv_rows = scenario_rows(result)
    assert [r[COLUMNS.index("notice_passed")] for r in csv_rows] == ["yes", "yes"]
    assert [r[COLUMNS.index("posts")] for r in csv_rows] == ["3", ""]  # blank: not recorded, never 0


def test_unknown_funder_line_and_keys_are_named_with_file_scenario_and_key(tmp_path):
    data = edition(tmp_path, scenarios="""
[[scenarios]]
name = "Typos"
[[scenarios.changes]]
kind = "funder-cut"
funder = "MoJ grnat"
from = 2025-04-01
percent = 140

[[scenarios.changes]]
kind = "decommission"
lines = ["W-9"]

[[scenarios.changes]]
kind = "extnd"
lines = ["W-1"]

[[scenarios]]
name = "Typos"
colour = "red"
[[scenarios.changes]]
kind = "extend"
lines = ["G-1"]
""")
    with pytest.raises(InputError) as caught:
        worked_out(data)
    text = str(caught.value)
    where = f"{data / '2024-25' / 'scenarios.toml'}, scenario 1 \"Typos\""
    assert f"{where}, change 1, key 'funder': found \"MoJ grnat\"; no line of the register has this funding_source; " \
           f"did you mean \"MoJ grant\"?" in text
    assert f"{where}, change 1, key 'percent': found \"140\"" in text
    assert f"{where}, change 2, key 'lines': found \"W-9\"; no line of the register has this id; did you mean \"W-1\"?" in text
    assert f"{where}, change 3, key 'kind': found \"extnd\"; did you mean \"extend\"?" in text
    assert "scenario 2 \"Typos\", key 'name': found \"Typos\"; another scenario already has this name" in text
    assert "scenario 2 \"Typos\", key 'colour'" in text
    assert "G-1\"; this line has no extension option" in text
    assert len(caught.value.problems) == 7


def test_a_change_that_reaches_no_service_is_refused(tmp_path):
    data = edition(tmp_path, scenarios="""
[[scenarios]]
name = "Cut after the end"
[[scenarios.changes]]
kind = "funder-cut"
funder = "MoJ grant"
from = 2025-04-01
percent = 10
""")
    with pytest.raises(InputError) as caught:
        worked_out(data)
    assert 'no line funded by "MoJ grant" runs on 01/04/2025, when the cut starts (its 2 lines end by 31/03/2025)' \
           in str(caught.value)


def test_an_offset_naming_an_unknown_line_is_refused(tmp_path):
    data = edition(tmp_path, offsets='[[offsets]]\nkind = "repurpose"\nlines = ["F-2"]\nshare = 1.5\n',
                   scenarios='[[scenarios]]\nname = "x"\n[[scenarios.changes]]\nkind = "extend"\nlines = ["W-1"]\n')
    with pytest.raises(InputError) as caught:
        worked_out(data)
    assert "paper.toml, column 'offsets[1].share': found \"1.5\"" in str(caught.value)
    # paper.toml's offsets are read as the decision paper reads them: a value it can read, naming a line
    # the register lacks, is refused with the line
    data = edition(tmp_path / "unknown", offsets='[[offsets]]\nkind = "repurpose"\nlines = ["F-2"]\nshare = 0.5\n',
                   scenarios='[[scenarios]]\nname = "x"\n[[scenarios.changes]]\nkind = "extend"\nlines = ["W-1"]\n')
    with pytest.raises(InputError) as caught:
        worked_out(data)
    assert "offsets[1].lines" in str(caught.value) and '"F-2"' in str(caught.value)


def test_posts_column_blank_is_not_recorded_and_bad_values_are_reported(tmp_path):
    data = edition(tmp_path, rows=[*ROWS[:1], "G-3,grants,Short,Victim Services,Outreach,Reach,1000,,,,,,,two"])
    with pytest.raises(InputError) as caught:
        load_edition("2024-25", None, data)
    assert "column 'posts': found \"two\"; expected the number of people or posts" in str(caught.value)
    good = edition(tmp_path / "b")
    _, _, reg = load_edition("2024-25", None, good)
    assert reg.lines[0].posts == Decimal(3) and reg.lines[1].posts is None


def test_web_only_tables_stay_out_of_the_print_editions():
    web = Table("t-web", "All services", (), (), web_only=True)
    kept = Table("t-print", "Summary", (), ())
    doc = Document("T", "S", "A", "Sub", date(2024, 4, 1), (kept, web))
    printed = print_edition(doc, load_words())
    assert kept in printed.body and web not in printed.body


def test_what_if_prints_the_table_for_an_unsaved_scenario(tmp_path):
    data = edition(tmp_path, offsets=OFFSETS)
    text = what_if(year="2024-25", data_dir=data, cut=["MoJ Victims Grant=10%"], start="2025-04-01")
    assert "Gap               £130,000 a year, £50,000 more than the base case" in text
    assert "C-1 Victim Hub (Catch 22): reduced, MoJ Victims Grant cut by 10% from 01/04/2025; £500,000 a year -> " \
           "£450,000 a year; tell the provider by 30/09/2024" in text
    assert not (data / "2024-25" / "scenarios.toml").exists()
    renewed = what_if(year="2024-25", data_dir=data, renew=["MoJ grant=50%"])
    assert "Gap               £40,000 a year, £40,000 less than the base case" in renewed


def test_what_if_bad_arguments_get_messages_and_exit_2():
    run = subprocess.run([sys.executable, "-m", "invoke", "what-if", "--cut", "MoJ grnat=ten%"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "invoke what-if, --cut: found \"MoJ grnat=ten%\"; a cut needs the date it starts: add --from 2025-04-01" \
           in run.stderr
    assert "Traceback" not in run.stderr


def test_funding_by_source_month_by_month_adds_up_to_each_case(tmp_path):
    from pipeline.exports.scenarios_csv import funding_rows

    data = edition(tmp_path, scenarios='[[scenarios]]\nname = "Cut"\n[[scenarios.changes]]\nkind = "funder-cut"\n'
                                      'funder = "MoJ Victims Grant"\nfrom = 2025-04-01\namount = 50000\n')
    *_, result = worked_out(data)
    rows = funding_rows(result)
    cut = [r for r in rows if r[0] == "Cut" and r[1] == "MoJ Victims Grant"]
    assert len(cut) == 36 and cut[11][2:] == ["2025-03", "41666.67"] and cut[12][2:] == ["2025-04", "37500.00"]
    sources = {r[1] for r in rows}
    assert sources == {"MoJ grant", "MoJ Victims Grant", "OPCC budget", "not recorded"}
