"""The performance return and the performance and spend section, on small returns made here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.analysis.performance import analyse, forecast, reported_year
from pipeline.edition import Edition
from pipeline.exports.performance_csv import performance_rows
from pipeline.input.performance import COLUMNS, load_returns, parse_period
from pipeline.input.register import Line, Register
from pipeline.problems import InputError

EDITION = Edition(2024)
HEADER = ",".join(COLUMNS)


def line(ident: str, spend: str | None = "10000", **kw) -> Line:
    base = dict(id=ident, section="commissioning", term="Long", priority="Victim Services", project=f"Service {ident}",
                provider="Provider", spend=None if spend is None else Decimal(spend), funding_source="MoJ grant")
    base.update(kw)
    return Line(**base)


@pytest.fixture
def register(tmp_path: Path) -> Register:
    return Register(str(tmp_path / "register.csv"), (
        line("VS-001", "100000"), line("VS-002", "40000", priority="Prevention", funding_source=""),
        line("VS-003", "20000"), line("PA-001", "5000", term="Partnership")))


def write(folder: Path, *rows: str) -> Path:
    path = folder / "performance.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def row(ident: str, period: str, **values) -> str:
    cells = {c: "" for c in COLUMNS}
    cells.update(id=ident, period=period, **{k: str(v) for k, v in values.items()})
    return ",".join(f'"{cells[c]}"' for c in COLUMNS)


def problems(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


# --- validation -----------------------------------------------------------------------------------

def test_a_numerator_above_its_denominator_is_an_error(tmp_path, register, config):
    write(tmp_path, row("VS-001", "2023-24", satisfied=12, satisfied_of=10))
    with pytest.raises(InputError) as exc:
        load_returns(tmp_path, register, config, date(2024, 4, 1))
    (message,) = problems(exc)
    assert "row 2" in message and "column 'satisfied'" in message and '"12"' in message
    assert "more than satisfied_of (10)" in message


def test_a_period_after_the_paper_date_is_an_error(tmp_path, register, config):
    write(tmp_path, row("VS-001", "2024-25 Q1", referrals=40))
    with pytest.raises(InputError) as exc:
        load_returns(tmp_path, register, config, date(2024, 6, 29))
    (message,) = problems(exc)
    assert "column 'period'" in message and "ends on 30/06/2024, after the paper date (29/06/2024)" in message
    # the day the quarter ends, it may be returned
    write(tmp_path, row("VS-001", "2024-25 Q1", referrals=40))
    assert len(load_returns(tmp_path, register, config, date(2024, 6, 30))) == 1


def test_an_id_not_in_the_register_is_an_error_with_a_suggestion(tmp_path, register, config):
    write(tmp_path, row("VS-01", "2023-24", referrals=3))
    with pytest.raises(InputError) as exc:
        load_returns(tmp_path, register, config, date(2024, 4, 1))
    (message,) = problems(exc)
    assert "column 'id'" in message and "not a line of this edition's register" in message
    assert 'did you mean "VS-001"' in message


def test_every_problem_is_reported_at_once(tmp_path, register, config):
    write(tmp_path,
          row("VS-001", "2023-24", referrals="12.5"),
          row("VS-002", "2023-25"),
          row("VS-003", "2023-24 Q5"),
          row("XX-9", "2023-24", budget="-5"),
          row("VS-001", "2023-24", coping=4),
          row("VS-001", "2023-24", people_supported="ten"))
    with pytest.raises(InputError) as exc:
        load_returns(tmp_path, register, config, date(2024, 4, 1))
    found = problems(exc)
    assert len(found) == 9, found  # rows 6 and 7 also repeat row 2's line and period
    assert any("row 2" in m and "'referrals'" in m and "whole number" in m for m in found)
    assert any("row 3" in m and "is not a financial year" in m for m in found)
    assert any("row 4" in m and "'period'" in m for m in found)
    assert any("row 5" in m and "'id'" in m for m in found)
    assert any("row 5" in m and "'budget'" in m and "cannot be negative" in m for m in found)
    assert any("row 6" in m and "coping_of" in m and "fill in both or neither" in m for m in found)
    assert any("row 7" in m and "'people_supported'" in m for m in found)
    assert any("row 7" in m and "already has a return for 2023-24" in m for m in found)


def test_periods_are_real_quarters_and_years():
    assert parse_period("2023-24 q4").end == date(2024, 3, 31)
    assert parse_period("Q2 2023-24").start == date(2023, 7, 1)
    assert parse_period("2023-24").label == "2023-24"
    for bad in ("2023-25", "2023", "Q5 2023-24", "2023/24", "April 2023"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_blank_is_not_reported_never_zero(tmp_path, register, config):
    write(tmp_path, row("VS-001", "2023-24", referrals=0))
    (r,) = load_returns(tmp_path, register, config, date(2024, 4, 1)).rows
    assert r.referrals == 0 and r.people_supported is None and r.spend is None and r.outcomes == ()


# --- which year, suppression, missing returns -----------------------------------------------------

def test_the_reported_year_is_the_latest_complete_before_the_paper_date():
    assert reported_year(date(2024, 4, 1)) == Edition(2023)
    assert reported_year(date(2024, 11, 30)) == Edition(2023)
    assert reported_year(date(2025, 3, 31)) == Edition(2024)


def test_small_counts_are_suppressed_and_nothing_is_worked_out_from_them(tmp_path, register, config):
    write(tmp_path,
          row("VS-001", "2023-24", referrals=3, people_supported=4, spend=8000, coping=2, coping_of=40,
              satisfied=30, satisfied_of=40),
          row("VS-002", "2023-24", people_supported=5, spend=1000, safer=5, safer_of=8))
    report = analyse(register, load_returns(tmp_path, register, config, date(2024, 4, 1)), EDITION, config,
                     date(2024, 4, 1))
    first = next(p for p in report.services if p.line.id == "VS-001").reported
    assert first.referrals.suppressed and first.people_supported.suppressed
    assert first.cost_per_person is None  # it would reveal the suppressed count
    coping, satisfied = first.outcomes
    assert coping.n.suppressed and coping.percent is None
    assert satisfied.percent == 75
    second = next(p for p in report.services if p.line.id == "VS-002").reported
    assert not second.people_supported.suppressed and second.cost_per_person == 200
    assert second.outcomes[0].percent == 63  # 5 of 8, rounded half up
    rows = performance_rows(report)
    hidden = [r for r in rows if r[0] == "VS-001" and r[7] in ("referrals", "people_supported", "coping")]
    assert hidden and all(r[8] == "" and r[11] == "yes" for r in hidden)  # the published file withholds them too
    assert not any(r[0] == "VS-001" and r[7] == "cost_per_person" and r[8] for r in rows)


def test_a_missing_return_is_named(tmp_path, register, config):
    write(tmp_path, row("VS-001", "2023-24", people_supported=50), row("VS-003", "2022-23", referrals=80))
    report = analyse(register, load_returns(tmp_path, register, config, date(2024, 4, 1)), EDITION, config,
                     date(2024, 4, 1))
    assert [p.line.id for p in report.services] == ["VS-001"]
    # VS-002 sent nothing, VS-003 only an earlier year; the partnership line is not expected to report
    assert [(p.line.id, p.latest and p.latest.label) for p in report.missing] == [("VS-002", None), ("VS-003", "2022-23")]


def test_no_return_file_means_every_expected_line_is_missing(tmp_path, register, config):
    report = analyse(register, load_returns(tmp_path, register, config, date(2024, 4, 1)), EDITION, config,
                     date(2024, 4, 1))
    assert report.services == () and len(report.missing) == 3 and report.total.lines == 0


# --- money ----------------------------------------------------------------------------------------

def test_underspend_by_fund_and_priority(tmp_path, register, config):
    write(tmp_path,
          row("VS-001", "2023-24", budget=100000, spend="92,500"),
          row("VS-002", "2023-24", budget=40000, spend=41000),
          row("VS-003", "2023-24 Q1", budget=5000, spend=4000),
          row("VS-003", "2023-24 Q2", budget=5000, spend=5000),
          row("VS-003", "2023-24 Q3", budget=5000, spend=3000),
          row("VS-003", "2023-24 Q4", budget=5000, spend=6000))
    report = analyse(register, load_returns(tmp_path, register, config, date(2024, 4, 1)), EDITION, config,
                     date(2024, 4, 1))
    funds = {r.key: (r.lines, r.budget, r.spend, r.underspend) for r in report.by_fund}
    assert funds == {"MoJ grant": (2, Decimal(120000), Decimal(110500), Decimal(9500)),
                     "Not recorded": (1, Decimal(40000), Decimal(41000), Decimal(-1000))}
    priorities = [(r.key, r.underspend) for r in report.by_priority]
    assert priorities == [("Victim Services", Decimal(9500)), ("Prevention", Decimal(-1000))]
    assert report.total.underspend == Decimal(8500)


def test_year_to_date_and_the_straight_line_forecast(tmp_path, register, config):
    as_at = date(2024, 10, 15)  # two quarters of 2024-25 have ended
    write(tmp_path,
          row("VS-001", "2024-25 Q1", spend=20000), row("VS-001", "2024-25 Q2", spend=20000),
          row("VS-002", "2024-25 Q1", spend=15000), row("VS-002", "2024-25 Q2", spend=15000),
          row("VS-003", "2024-25 Q1", spend=5000))
    report = analyse(register, load_returns(tmp_path, register, config, as_at), EDITION, config, as_at)
    y = report.in_year
    assert y.quarters == 2 and y.through == date(2024, 9, 30)
    by_id = {f.line.id: f for f in y.lines}
    assert by_id["VS-001"].forecast == 80000 and by_id["VS-001"].underspend == 20000
    assert by_id["VS-002"].forecast == 60000 and by_id["VS-002"].underspend == -20000
    assert [l.id for l in y.not_returned] == ["VS-003"]  # Q2 missing (PA-001, a partnership, is not expected to return)
    assert [f.line.id for f in y.most_under] == ["VS-001"] and [f.line.id for f in y.most_over] == ["VS-002"]
    assert y.total.budget == 140000 and y.total.underspend == 0
    assert forecast(Decimal(40000), Decimal(100000), 2, "to-budget") == 90000


# --- the paper ------------------------------------------------------------------------------------

def test_the_section_in_the_paper_and_the_cards_in_the_html_edition(tmp_path):
    import shutil

    from pipeline.build import compose_edition
    from pipeline.config import DATA_DIR
    from pipeline.paper.model import BulletList, Card, Cards, Paragraph, Table
    from pipeline.writers.html import render_html

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "2024-25", data / "2024-25")
    shutil.copy(DATA_DIR / "config.toml", data / "config.toml")
    write(data / "2024-25",
          row("VS-001", "2023-24", referrals=16000, people_supported=10000, spend=500000, satisfied=3, satisfied_of=4,
              coping=900, coping_of=1000, budget=510000),
          row("VS-001", "2022-23", referrals=18975))
    doc = compose_edition("2024-25", data_dir=data)
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.anchor == "table-performance")
    assert [c.title for c in table.columns] == ["Service", "People supported", "Cost per person (£)",
                                                "Coping and recovering", "Satisfied", "Supported 2022-23"]
    # 3 of 4 satisfied: both counts suppressed, no percentage; 2022-23 returned referrals only
    assert table.rows == (("Victim First", "10,000", "50", "900 of 1,000 (90%)", "under 5 of under 5", ""),)
    texts = ["".join(r.text for r in b.runs) for b in doc.blocks if isinstance(b, Paragraph)]
    assert any(t.startswith("34 services with a fixed term have no return for 2023-24: Victim Pathway Service")
               for t in texts)
    money = next(b for b in doc.blocks if isinstance(b, Table) and b.anchor == "table-spend-against-budget")
    assert money.rows == (("Fund: MoJ Victims Grant", "510,000", "500,000", "10,000"),
                          ("Priority: Victim Services", "510,000", "500,000", "10,000"))
    assert money.totals == (("Total", "510,000", "500,000", "10,000"),)
    # the cards are web-only: in the HTML edition, linked from the paper's lists and tables
    assert all(not isinstance(b, (Card, Cards)) for b in doc.blocks)
    group = next(b for b in doc.web if isinstance(b, Cards))
    card = next(c for c in group.cards if c.title == "Victim First")
    assert dict(card.rows)["What it delivers"].startswith("2023-24: 16,000 referrals, 10,000 people supported")
    html = render_html(doc)
    assert f'<section class="cf-card" id="{card.anchor}"' in html and f'<a href="#{card.anchor}">Victim First</a>' in html
    links = [r for b in doc.blocks if isinstance(b, BulletList) for item in b.items for r in item if r.web_href]
    assert links and all(r.href is None for r in links)  # Word and PDF show the name without a link


# --- the officer's workbook and the new year --------------------------------------------------------

def test_the_workbook_performance_sheet_reads_back_and_has_drop_downs(tmp_path, register, config):
    import openpyxl

    from pipeline.cycle.workbook import write_workbook

    write(tmp_path, row("VS-001", "2023-24", referrals=120, people_supported=100, coping=80, coping_of=90,
                        budget=100000, spend="99,500.50", source="provider return"),
          row("VS-002", "2023-24 Q3", cases_closed=7))
    returns = load_returns(tmp_path, register, config, date(2024, 4, 1))
    book = tmp_path / "book"
    book.mkdir()
    path = book / "register.xlsx"
    write_workbook(register, config, path, edition=EDITION, returns=returns)
    again = load_returns(book, Register(str(path), register.lines), config, date(2024, 4, 1))
    assert again.rows == returns.rows and again.sheet == "Performance"
    ws = openpyxl.load_workbook(path)["Performance"]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"list", "whole", "decimal"}
    period = next(dv for dv in ws.data_validations.dataValidation if dv.formula1 == "performance_period")
    assert period.showInputMessage and "2023-24 Q1" in period.prompt


def test_new_year_carries_the_return_shape_not_its_figures(tmp_path, config):
    import shutil

    from pipeline.config import DATA_DIR
    from pipeline.cycle.newyear import roll_forward

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "2024-25", data / "2024-25")
    shutil.copy(DATA_DIR / "config.toml", data / "config.toml")
    result = roll_forward(Edition(2024), data, config)
    carried = (data / "2025-26" / "performance.csv").read_text(encoding="utf-8")
    assert carried == HEADER + "\n"  # the columns, none of 2024-25's figures
    assert any("performance.csv" in i.text and "without 2024-25's figures" in i.text for i in result.items("file"))


@pytest.mark.slow
def test_a_link_from_the_paper_opens_the_service_card_in_a_browser(tmp_path):
    from pipeline.build import compose_edition
    from pipeline.writers.html import write_html
    from tests.a11y import open_page

    page_file = tmp_path / "paper.html"
    write_html(compose_edition("2024-25"), page_file)
    with open_page(page_file, width=390) as page:
        assert page.evaluate("document.querySelector('details.cf-cards').open") is False  # one line on a phone
        page.click('a[href="#service-vs-001"]')
        page.wait_for_timeout(200)
        assert page.evaluate("document.querySelector('details.cf-cards').open") is True
        card = page.locator("#service-vs-001")
        assert card.is_visible() and "18,975 referrals" in card.inner_text()


def test_a_year_returned_for_some_quarters_is_marked_and_makes_no_outturn(tmp_path, register, config):
    write(tmp_path, row("VS-001", "2023-24 Q1", referrals=30, budget=25000, spend=20000),
          row("VS-001", "2023-24 Q2", referrals=40, budget=25000, spend=21000))
    report = analyse(register, load_returns(tmp_path, register, config, date(2024, 4, 1)), EDITION, config,
                     date(2024, 4, 1))
    (p,) = report.services
    assert p.reported.partial and p.reported.quarters == (1, 2) and p.reported.referrals.value == 70
    assert report.total.lines == 0 and [l.id for l in report.unbudgeted] == ["VS-001"]


def test_the_exports_workbook_carries_the_underspend_by_fund_and_priority(tmp_path, register, config):
    import openpyxl

    from pipeline.exports.workbook import write_exports_workbook

    write(tmp_path,
          row("VS-001", "2023-24", budget=100000, spend="92,500"),
          row("VS-002", "2023-24", budget=40000, spend=41000))
    report = analyse(register, load_returns(tmp_path, register, config, date(2024, 4, 1)), EDITION, config,
                     date(2024, 4, 1))

    class Built:  # the parts of the paper's PaperInput the workbook reads
        performance, edition = report, EDITION
    Built.config = config

    from pipeline.exports import workbook

    sheet = next(s for s in workbook.SHEETS if s.title == "Underspend")
    path = tmp_path / "exports.xlsx"
    write_exports_workbook(path, Built(), sheets=(sheet,))
    rows = list(openpyxl.load_workbook(path)["Underspend"].iter_rows(values_only=True))
    assert rows[0] == ("by", "fund or priority", "lines", "period", "budget", "spend", "underspend")
    by_key = {(r[0], r[1]): r[2:] for r in rows[1:] if r[0]}
    # money as numbers, an overspend negative
    assert by_key[("fund", "MoJ grant")] == (1, "2023-24 outturn", 100000, 92500, 7500)
    assert by_key[("fund", "Not recorded")] == (1, "2023-24 outturn", 40000, 41000, -1000)
    assert by_key[("priority", "Victim Services")][-1] == 7500
