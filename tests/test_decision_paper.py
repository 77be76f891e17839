"""The decision paper (issue 19): the funding gap against the officer's offsets, the Panel's cover report,
decisions shared by agreement, dates in stages, nothing inferred passing as fact. Small registers made
here, with the officer's edits: a line proposed for decommissioning, three lines under one agreement,
a date marked inferred, a final build without its meeting date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.analysis.classify import classify
from pipeline.analysis.gap import funding_gap
from pipeline.analysis.outlook import outlook
from pipeline.analysis.schedule import decision_points
from pipeline.build import build_edition, compose_edition
from pipeline.edition import Edition
from pipeline.input.paper_settings import Offset, read_paper_settings
from pipeline.input.register import Line, Register
from pipeline.problems import InputError

from .conftest import ROOT

Y = Edition(2024)
HEADER = ("id,section,term,priority,project,provider,spend,funding_source,start_date,end_date,extension_options,"
          "status,notes,agreement,option_holder,decide_with,decision_by,inferred")
# A small register: three MoJ grants ending with the year, a planned completion, a contract with an
# option, a line under review, a fund, and three out-of-court contracts.
ROWS = [
    "G-1,grants,Short,Victim Services,Advice,A,\"30,000\",MoJ grant,,2025-03-31,,,,,,,,",
    "G-2,grants,Short,Victim Services,Counselling,B,\"20,000\",MoJ grant,,2025-03-31,,,,,,,,",
    "G-3,grants,Short,Prevention,Perpetrators,C,\"50,000\",MoJ grant,,2025-03-31,,,,,,,,",
    "G-4,grants,Short,Community Safety,Streets,D,\"40,000\",Home Office,,2025-03-31,,ending,,,,,,",
    "C-1,commissioning,Med,Victim Services,Helpline,E,\"100,000\",,,2025-03-31,2,,,,,,,",
    "C-2,commissioning,Short,Prevention,Schools centre,F,\"10,000\",,,2025-03-31,1,under review,,,,,,",
    "C-3,commissioning,Annual,Various,Safety Fund,PCC,\"60,000\",,,,,under review,,,,,,",
    "O-1,commissioning,Short,Prevention,Out of court one,G,\"9,000\",,,2025-03-31,,,,,,,,",
    "O-2,commissioning,Short,Prevention,Out of court two,H,\"2,000\",,,2025-03-31,1,,,,,,,",
    "O-3,commissioning,Short,Prevention,Out of court three,I,\"3,000\",,,2025-03-31,1,,,,,,,",
]
FINAL = '''[front]
meeting = "Police and Crime Panel"
date = 2024-07-10
agenda_item = "7"
report_of = "Police and Crime Commissioner"
author = "A. Officer, Commissioning Manager"
contact = "a.officer@example.org"
'''


def make_data(tmp_path: Path, rows=ROWS, paper: str = FINAL, edit=None) -> Path:
    """A private data/ with the project's settings and a small 2024-25 register written here."""
    import shutil

    data = tmp_path / "data"
    (data / "2024-25").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "config.toml", data / "config.toml")
    text = "\n".join([HEADER, *rows]) + "\n"
    if edit:
        text = edit(text)
    (data / "2024-25" / "register.csv").write_text(text, encoding="utf-8")
    (data / "2024-25" / "paper.toml").write_text(paper, encoding="utf-8")
    return data


def words(doc) -> str:
    from pipeline.paper.model import BulletList, Heading, Paragraph, Table

    out = []
    for b in (*doc.front, *doc.blocks):
        if isinstance(b, Paragraph):
            out.append("".join(r.text for r in b.runs))
        elif isinstance(b, BulletList):
            out.extend("".join(r.text for r in item) for item in b.items)
        elif isinstance(b, Heading):
            out.append(b.text)
        elif isinstance(b, Table):
            out.append(b.caption)
            out.extend(" | ".join(row) for row in (*b.rows, *b.totals))
    return "\n".join(out)


def table(doc, anchor: str):
    from pipeline.paper.model import Table

    return next(b for b in (*doc.front, *doc.blocks) if isinstance(b, Table) and b.anchor == anchor)


# --- the gap (pure) ---------------------------------------------------------------------------

def line(**kw) -> Line:
    base = dict(id="T-1", section="grants", term="Short", priority="Prevention", project="P", provider="Q",
                spend=Decimal(10000), end_date=date(2025, 3, 31), funding_source="MoJ grant")
    base.update(kw)
    return Line(**base)


def test_gap_counts_external_money_ending_and_nothing_else(config):
    lines = (line(id="A", spend=Decimal(30000)), line(id="B", spend=Decimal(20000), funding_source="Home Office"),
             line(id="done", status="ending", spend=Decimal(5000)),  # planned completion: no risk
             line(id="opt", section="commissioning", extension_options=(1,), spend=Decimal(7000)),  # a decision
             line(id="rev", status="under review", spend=Decimal(9000)),  # a local choice
             line(id="own", funding_source="OPCC", spend=Decimal(4000)),  # the office's own budget
             line(id="later", end_date=date(2026, 3, 31)))  # ends after the year
    items = classify(Register("t", lines), Y, config)
    gap = funding_gap(items, (), Y, config)
    assert [(f.funder, f.total, f.ends) for f in gap.funders] == [("MoJ grant", Decimal(30000), date(2025, 3, 31)),
                                                                   ("Home Office", Decimal(20000), date(2025, 3, 31))]
    assert gap.ending == Decimal(50000)
    assert [l.id for l in gap.completions] == ["done"] and [l.id for l in gap.options] == ["opt"]
    assert [l.id for l in gap.reviewed] == ["rev"]
    assert gap.remainder == Decimal(50000)  # no offsets recorded


def test_offsets_decommission_amount_share_and_undecided(config):
    lines = (line(id="A", spend=Decimal(100000)), line(id="WZ", section="commissioning", spend=Decimal(10000), funding_source=""),
             line(id="F", term="Annual", end_date=None, spend=Decimal(40000), funding_source=""))
    items = classify(Register("t", lines), Y, config)
    decided = (Offset("decommission", ("WZ",)), Offset("repurpose", ("F",), share=Decimal("0.25")),
               Offset("other", ("A",), amount=Decimal(5000)))
    gap = funding_gap(items, decided, Y, config)
    assert [o.value for o in gap.offsets] == [Decimal(10000), Decimal(10000), Decimal(5000)]
    assert gap.offset_total == Decimal(25000)
    assert gap.remainder == Decimal(75000)
    # The same register with the fund's amount not decided: the remainder depends on it (never invented).
    open_ = funding_gap(items, (Offset("decommission", ("WZ",)), Offset("repurpose", ("F",))), Y, config)
    assert open_.offsets[1].value is None and open_.remainder is None
    assert open_.left_before_undecided == Decimal(90000)
    # Scenarios call the same function with other offsets and get other answers.
    assert funding_gap(items, (), Y, config).remainder == Decimal(100000)


# --- paper.toml: offsets, draft, final build ------------------------------------------------------

def test_offsets_are_validated_naming_paper_toml_the_offset_and_the_key(tmp_path):
    bad = FINAL + '''
[[offsets]]
kind = "sell"
lines = ["C-2"]

[[offsets]]
kind = "repurpose"
lines = ["C-3"]
amount = 1000
share = 0.5

[[offsets]]
kind = "repurpose"
lines = ["C-3"]
share = 2

[[offsets]]
kind = "decommission"
lines = ["C-2"]
amount = 5

[[offsets]]
kind = "decommission"
lines = ["NOPE-9"]
'''
    data = make_data(tmp_path, paper=bad)
    with pytest.raises(InputError) as info:
        compose_edition("2024-25", data_dir=data)
    text = info.value.report()
    assert "paper.toml, column 'offsets[1].kind': found \"sell\"; expected one of: decommission, repurpose, other" in text
    assert "offsets[2].share" in text and "give an amount or a share, not both" in text
    assert "offsets[3].share" in text and "at most 1" in text
    assert "offsets[4].amount" in text and "leave out amount and share" in text
    # the unknown line is reported once the register is read, with the others fixed
    fixed = FINAL + '\n[[offsets]]\nkind = "decommission"\nlines = ["NOPE-9"]\n'
    (data / "2024-25" / "paper.toml").write_text(fixed, encoding="utf-8")
    with pytest.raises(InputError) as info:  # a final build refuses; a draft leaves the offset out (below)
        build_edition("2024-25", data_dir=data, out=tmp_path / "out", force=True)
    assert "offsets[1].lines': found \"NOPE-9\"; no line of the register has this id" in info.value.report()


def test_a_final_build_without_its_meeting_date_is_refused_naming_paper_toml_and_the_field(tmp_path):
    data = make_data(tmp_path, paper=FINAL.replace("date = 2024-07-10\n", "").replace('agenda_item = "7"\n', ""))
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        build_edition("2024-25", data_dir=data, out=out, force=True)
    text = info.value.report()
    assert "paper.toml, column 'front.date'" in text and "paper.toml, column 'front.agenda_item'" in text
    assert "front.author" not in text  # only what is missing
    assert "draft = true" in text
    assert not out.exists()  # nothing built


def test_a_declared_draft_shows_placeholders_and_says_draft(tmp_path):
    data = make_data(tmp_path, paper='draft = true\n[front]\nmeeting = "Police and Crime Panel"\n')
    doc = compose_edition("2024-25", data_dir=data)
    front = table(doc, "table-front-sheet")
    rows = dict(front.rows)
    assert rows["Date of meeting"] == "[to be completed]" and rows["Contact"] == "[to be completed]"
    assert doc.version == "Draft" and "(draft)" in doc.title


# --- the argument on the front sheet, in the warning, the table and the figure ---------------------

def test_proposed_decommissioning_reaches_front_sheet_warning_and_gap_table(tmp_path):
    paper = FINAL + '\n[[offsets]]\nkind = "decommission"\nlines = ["C-2"]\n\n[[offsets]]\nkind = "repurpose"\nlines = ["C-3"]\n'
    doc = compose_edition("2024-25", data_dir=make_data(tmp_path, paper=paper))
    text = words(doc)
    front = "\n".join(words(type(doc)(**{**doc.__dict__, "blocks": ()})).splitlines())
    # MoJ grant £100,000 ends; decommissioning the schools centre frees £10,000; the fund is undecided
    assert "MoJ grant funding of £100,000 ends by 31/03/2025 (3 lines)" in front
    assert "decommission Schools centre (£10,000)" in front and "repurpose Safety Fund (amount not decided)" in front
    assert "Gap left: £90,000 before the amount not yet decided" in front
    warning = next(l for l in text.splitlines() if l.startswith("Warning:"))
    assert "£100,000" in warning and "£10,000" in warning and "£90,000" in warning
    gap = table(doc, "table-funding-gap")
    assert gap.rows[0] == ("MoJ grant ends", "3", "£100,000", "31/03/2025")
    assert gap.rows[1][0] == "Decommission Schools centre" and gap.rows[1][2] == "-£10,000"
    assert gap.rows[2][2] == "not decided"
    assert gap.totals[0][0] == "Gap left before the amounts not yet decided" and gap.totals[0][2] == "£90,000"
    # planned completions are listed as no risk, not counted in the gap
    assert "planned completions (1 line, £40,000) end as agreed and need no decision" in text


def test_the_outlook_figure_quotes_the_same_gap(tmp_path, config):
    from pipeline.paper.charts import draw_funding_outlook, gap_words

    data = make_data(tmp_path, paper=FINAL + '\n[[offsets]]\nkind = "decommission"\nlines = ["C-2"]\n')
    from pipeline.build import _analyse, load_edition

    edition, config, reg = load_edition("2024-25", data_dir=data)
    _, _, _, look, _ = _analyse(edition, config, reg, None, read_paper_settings(data / "2024-25").offsets)
    drawing = draw_funding_outlook(look, edition, config)
    assert gap_words(look) == "MoJ grant £100,000 ends by 31/03/2025; proposals cover £10,000, leaving £90,000"
    assert gap_words(look) in drawing.alt
    column = [c.title for c in drawing.data.columns].index("Of which external funding ends in 2024-25")
    assert drawing.data.rows[0][column] == "£100,000"


def test_fixed_term_lines_with_no_end_date_are_never_annual_budget_money(config):
    lines = (line(id="isva", term="Med", end_date=None, spend=Decimal(669809)),
             line(id="csp", term="Annual", end_date=None, spend=Decimal(1000)))
    items = classify(Register("t", lines), Y, config)
    look = outlook(Register("t", lines), Y, config, items)
    assert [(y.annual, y.undated) for y in look.years[:2]] == [(Decimal(1000), Decimal(669809)),
                                                                (Decimal(1000), Decimal(0))]


# --- decisions an officer would sign ----------------------------------------------------------------

def grouped(text: str) -> str:
    """The officer's edit: the three out-of-court contracts share one agreement; the options are the
    councils'; the schools centre is tied to it; one date is marked inferred."""
    out = []
    for row in text.splitlines():
        if row.startswith("O-"):
            row = row[: row.rindex(",,,,,")] + ",Out-of-court contracts,,,,"
        if row.startswith("O-3"):
            row = row + "end_date"
        out.append(row)
    return "\n".join(out) + "\n"


def test_three_lines_under_one_agreement_share_one_decision_and_one_set_of_dates(tmp_path):
    data = make_data(tmp_path, edit=grouped)
    from pipeline.build import load_edition

    edition, config, reg = load_edition("2024-25", data_dir=data)
    assert [l.agreement for l in reg.lines if l.id.startswith("O-")] == ["Out-of-court contracts"] * 3
    assert reg.lines[-1].inferred == ("end_date",)
    points = decision_points(classify(reg, edition, config), edition, config)
    per_line = {i: [(d.kind, d.due, d.award) for d in points if d.line.id == i] for i in ("O-1", "O-2", "O-3")}
    assert per_line["O-1"] == per_line["O-2"] == per_line["O-3"]  # one set of dates, though O-1 has no option
    assert [k for k, *_ in per_line["O-1"]] == ["extension", "recommission"]
    doc = compose_edition("2024-25", data_dir=data)
    due = table(doc, "table-decisions-1")
    rows = [r for r in due.rows if r[0].startswith("Out-of-court contracts")]
    assert len(rows) == 1  # one row for the agreement, its lines named once in the services section
    assert rows[0][0] == "Out-of-court contracts (3 lines) (Out of court three: dates inferred)"
    assert rows[0][1] == "14,000"
    assert rows[0][2].startswith("Extension option (take it or let it end): by 31/12/2024")
    # re-commissioning is dated in stages: route decision, award, new agreement
    (recommission,) = [d for d in points if d.line.id == "O-1" and d.kind == "recommission"]
    assert (recommission.due, recommission.award, recommission.begins) == (
        date(2025, 9, 30), date(2026, 1, 31), date(2026, 4, 1))
    text = words(doc)
    assert "Out of court three, I: £3,000; to 31/03/2025 (inferred)." in text


def test_a_partner_held_option_is_the_partners_decision_with_the_date_for_the_offices_view(tmp_path):
    def partner(text):
        return text.replace('C-1,commissioning,Med,Victim Services,Helpline,E,"100,000",,,2025-03-31,2,,,,,,,',
                            'C-1,commissioning,Med,Victim Services,Helpline,E,"100,000",,,2025-03-31,2,,,,City Council,,,')
    doc = compose_edition("2024-25", data_dir=make_data(tmp_path, edit=partner))
    row = next(r for r in table(doc, "table-decisions-1").rows if r[0] == "Helpline")
    assert "Extension option, held by City Council: the office gives its view by 30/09/2024" in row[2]


def test_a_tied_line_is_decided_no_later_than_the_agreement_it_follows(tmp_path, config):
    lines = (line(id="SM1", section="commissioning", term="Long", spend=Decimal(200000), end_date=date(2026, 3, 31),
                  extension_options=(1, 1), agreement="SM", funding_source=""),
             line(id="SM2", section="commissioning", term="Long", spend=Decimal(100000), end_date=date(2026, 3, 31),
                  extension_options=(1, 1), agreement="SM", funding_source=""),
             line(id="P", section="commissioning", spend=Decimal(130000), end_date=date(2027, 3, 31),
                  decide_with="SM", funding_source=""))
    found = decision_points(classify(Register("t", lines), Y, config), Y, config)
    first_sm = min(d.due for d in found if d.line.id == "SM1")
    assert first_sm == date(2025, 9, 30)  # the shared option, 6 months' notice before 31/03/2026
    assert all(d.due <= first_sm for d in found if d.line.id == "P")
    assert {d.due for d in found if d.line.id == "SM1"} == {d.due for d in found if d.line.id == "SM2"}


def test_every_line_under_review_has_a_dated_decision(tmp_path, config):
    fund = line(id="F", term="Annual", end_date=None, status="under review", funding_source="")
    dated = line(id="D", term="Annual", end_date=None, status="under review", funding_source="",
                 decision_by=date(2024, 11, 30))
    found = decision_points(classify(Register("t", (fund, dated)), Y, config), Y, config, as_at=date(2024, 4, 1))
    by_id = {d.line.id: d for d in found if d.kind == "review"}
    assert by_id["F"].due == date(2024, 6, 30) and by_id["F"].window  # 3 months from the paper date
    assert by_id["D"].due == date(2024, 11, 30) and not by_id["D"].window  # the officer's date


def test_overdue_is_said_only_of_a_date_that_has_passed(tmp_path):
    doc = compose_edition("2024-25", data_dir=make_data(tmp_path))
    text = words(doc)
    assert "overdue" not in text.replace('"Overdue" means', "")  # nothing is past its date on 1 April 2024
    assert "(work should have started 31/12/2023)" in text  # said in words, not as "overdue"
    late = make_data(tmp_path / "late")
    (late / "config.toml").write_text((late / "config.toml").read_text().replace('paper_date = ""',
                                                                                  'paper_date = 2024-10-15'))
    text = words(compose_edition("2024-25", data_dir=late))
    assert "by 30/09/2024 (overdue: this date has passed)" in text


def test_the_rules_behind_the_dates_are_stated_from_config(tmp_path):
    data = make_data(tmp_path)
    cfg = (data / "config.toml").read_text().replace("review_window_months = 3", "review_window_months = 5")
    (data / "config.toml").write_text(cfg)
    text = words(compose_edition("2024-25", data_dir=data))
    assert "A line under review with no date recorded: within 5 months of the paper date" in text
    assert "route decided 18, 12, 9, 6 months and award made 6, 4, 3, 2 months before the latest end" in text
    assert "Notice before a break, option or grant end: 6, 6, 3 months" in text


# --- the register's new columns ------------------------------------------------------------------------

def test_new_register_columns_are_validated_with_row_column_and_value(tmp_path):
    def broken(text):
        return (text.replace('C-2,commissioning,Short,Prevention,Schools centre,F,"10,000",,,2025-03-31,1,under review,,,,,,',
                             'C-2,commissioning,Short,Prevention,Schools centre,F,"10,000",,,2025-03-31,1,under review,,,,Nowhere,31/13/2024,finish_date')
                + "")
    data = make_data(tmp_path, edit=broken)
    with pytest.raises(InputError) as info:
        compose_edition("2024-25", data_dir=data)
    text = info.value.report()
    assert "column 'inferred': found \"finish_date\"" in text and "start_date, end_date" in text
    assert "column 'decision_by': found \"31/13/2024\"" in text
    data2 = make_data(tmp_path / "2", edit=lambda t: t.replace(
        'C-2,commissioning,Short,Prevention,Schools centre,F,"10,000",,,2025-03-31,1,under review,,,,,,',
        'C-2,commissioning,Short,Prevention,Schools centre,F,"10,000",,,2025-03-31,1,under review,,,,Nowhere,,'))
    with pytest.raises(InputError) as info:
        compose_edition("2024-25", data_dir=data2)
    assert "column 'decide_with': found \"Nowhere\"; no line names this agreement" in info.value.report()


def test_an_inferred_date_is_marked_in_the_forward_plan_calendar_and_timeline(tmp_path, config):
    from icalendar import Calendar

    from pipeline.analysis.schedule import schedule
    from pipeline.build import load_edition
    from pipeline.exports.calendar import write_schedule_ics
    from pipeline.paper.charts import draw_timeline

    data = make_data(tmp_path, edit=grouped)  # O-3's end date is marked inferred
    edition, config, reg = load_edition("2024-25", data_dir=data)
    items = classify(reg, edition, config)
    points = decision_points(items, edition, config)
    marked = [d for d in points if d.line.id == "O-3"]
    assert marked and all(d.note.endswith("(based on an inferred end date, not recorded)") for d in marked)
    assert not any("inferred" in d.note for d in points if d.line.id == "O-1")
    path = tmp_path / "s.ics"
    write_schedule_ics(path, points, edition, "OPCC")
    events = [e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT") if "(O-3)" in str(e["summary"])]
    assert events and all("inferred" in " ".join(str(e["description"]).split()) for e in events)
    drawing = draw_timeline(schedule(items, edition, config, points=points), edition, config)
    row = next(r for r in drawing.data.rows if r[0] == "O-3")
    assert row[4] == "31/03/2025 (inferred)"
    # drawn apart: a dashed, dotted bar, named in the legend
    labels = [t.get_text() for t in drawing.figure.legends[0].get_texts()]
    assert "Dates inferred, not recorded" in labels
    assert any(c.get_label() == "_funded_dates_inferred" and len(c) == 1 for c in drawing.figure.axes[0].containers)


@pytest.mark.slow
def test_a_draft_from_another_register_leaves_out_an_offset_whose_line_it_lacks_and_says_so(tmp_path):
    paper = ('draft = true\n' + FINAL + '\n[[offsets]]\nkind = "decommission"\nlines = ["NOPE-9"]\n'
             '\n[[offsets]]\nkind = "decommission"\nlines = ["C-2"]\n')
    data = make_data(tmp_path, paper=paper)
    result = build_edition("2024-25", data_dir=data, out=tmp_path / "out", force=True, build_dir=tmp_path / "b")
    assert any("offsets[1].lines" in w and "NOPE-9" in w and "left out of the funding gap" in w
               for w in result.warnings)
    doc = compose_edition("2024-25", data_dir=data)
    gap = table(doc, "table-funding-gap")
    assert [r[0] for r in gap.rows] == ["MoJ grant ends", "Decommission Schools centre"]


def test_an_edition_without_paper_toml_builds_only_as_a_draft(tmp_path):
    data = make_data(tmp_path)
    (data / "2024-25" / "paper.toml").unlink()
    doc = compose_edition("2024-25", data_dir=data)
    assert doc.version == "Draft" and "(draft)" in doc.title
    assert dict(table(doc, "table-front-sheet").rows)["Date of meeting"] == "[to be completed]"


def test_check_refuses_what_a_final_report_would_refuse(tmp_path):
    from pipeline.build import check_edition

    data = make_data(tmp_path, paper=FINAL.replace('contact = "a.officer@example.org"\n', ""))
    with pytest.raises(InputError) as info:
        check_edition("2024-25", data_dir=data, build_dir=tmp_path / "b")
    assert "front.contact" in info.value.report()
