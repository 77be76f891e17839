"""The loader: the 2024-25 register reproduces the published totals; bad input is refused clearly."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.input.load import load_register
from pipeline.problems import InputError
from pipeline.input.register import Line

from .conftest import GOOD_ROW, HEADER, ROOT

REGISTER = ROOT / "data" / "2024-25" / "register.csv"


def problems_for(path, config) -> list[str]:
    with pytest.raises(InputError) as info:
        load_register(path, config)
    return [str(p) for p in info.value.problems]


def test_2024_25_register_reproduces_the_published_totals(config):
    reg = load_register(REGISTER, config)
    commissioning, grants = reg.in_section("commissioning"), reg.in_section("grants")
    assert (len(commissioning), len(grants)) == (47, 17)
    assert reg.total(commissioning) == Decimal("4654011")
    assert reg.total(grants) == Decimal("2020226")
    blanks = [l.project for l in reg if l.spend is None]
    assert blanks == ["Adults Safeguarding Board", "Adults Safeguarding Board"]


def test_2024_25_register_carries_the_dates_the_paper_states(config):
    lines = {l.project: l for l in load_register(REGISTER, config)}
    assert lines["Victim First"].start_date == date(2024, 4, 1)
    assert lines["Victim First"].end_date == date(2029, 3, 31)
    helpline = lines["Helpline and Engagement (DA Services)"]
    assert helpline.end_date == date(2025, 3, 31) and helpline.extension_options == (2,)
    assert lines["Leicester City Substance Misuse"].extension_options == (1, 1)
    assert lines["Project 360"].end_date == date(2025, 3, 31)


def test_csv_and_xlsx_load_to_identical_tables(config, tmp_path):
    import openpyxl
    import csv

    rows = list(csv.reader(REGISTER.open(encoding="utf-8")))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    for r in rows:
        ws.append(r)
    xlsx = tmp_path / "register.xlsx"
    wb.save(xlsx)
    from_csv, from_xlsx = load_register(REGISTER, config), load_register(xlsx, config)
    assert from_csv.lines == from_xlsx.lines
    assert from_csv.frame().drop(columns="row").equals(from_xlsx.frame().drop(columns="row"))


def test_headers_are_case_insensitive_trimmed_and_in_any_order_and_extras_are_kept(config, write_csv):
    path = write_csv(" Project ,ID,Provider,SPEND,Priority,Term,Section,Contract Manager\n"
                     "Victim First,VS-001,Catch 22,£500,000.50,victim services,long,Commissioning,J. Smith\n"
                     .replace("£500,000.50", '"£500,000.50"'))
    reg = load_register(path, config)
    line = reg.lines[0]
    assert (line.priority, line.term, line.section) == ("Victim Services", "Long", "commissioning")
    assert line.spend == Decimal("500000.50")
    assert reg.extra_columns == ("Contract Manager",) and line.extra == (("Contract Manager", "J. Smith"),)


def test_utf8_bom_and_excel_style_dates_are_accepted(config, write_csv):
    path = write_csv("\ufeff" + HEADER + "\n" + GOOD_ROW + "\n")
    assert load_register(path, config).lines[0].start_date == date(2024, 4, 1)


def test_text_is_trimmed_and_control_characters_removed_with_a_note(config, write_csv):
    path = write_csv(HEADER + "\n" + GOOD_ROW.replace("Catch 22", "  Catch\x0722\x00 ") + "\n")
    reg = load_register(path, config)
    assert reg.lines[0].provider == "Catch 22"
    assert any("row 2" in w and "provider" in w for w in reg.warnings)


# --- one test per rejection ----------------------------------------------------------------

def test_missing_required_column_is_named(config, write_csv):
    path = write_csv("id,section,term,priority,project,spend\nX-1,grants,Short,Prevention,P,1\n")
    msgs = problems_for(path, config)
    assert any("row 1" in m and "'provider'" in m and "missing" in m for m in msgs)


def test_blank_id_and_blank_project_are_refused(config, write_csv):
    row = GOOD_ROW.replace("VS-001", "").replace("Victim First", "")
    msgs = problems_for(write_csv(HEADER + "\n" + row + "\n"), config)
    assert any("row 2" in m and "'id'" in m and "blank" in m for m in msgs)
    assert any("row 2" in m and "'project'" in m and "blank" in m for m in msgs)


def test_duplicate_id_names_both_rows(config, write_csv):
    msgs = problems_for(write_csv(HEADER + "\n" + GOOD_ROW + "\n" + GOOD_ROW.replace("VS-001", "vs-001") + "\n"), config)
    assert msgs == [m for m in msgs if "row 3" in m and "'id'" in m and "row 2" in m]


@pytest.mark.parametrize("column,old,new,suggestion", [
    ("section", "commissioning", "comissioning", "commissioning"),
    ("term", "Long", "Lnog", None),
    ("priority", "Victim Services", "Victim Service", "Victim Services"),
    ("status", "recommissioned", "re-commisioned", "recommissioned"),
    ("category", ",,\n", ",e,\n", None),
])
def test_unknown_vocabulary_is_refused_with_a_suggestion(config, write_csv, column, old, new, suggestion):
    row = GOOD_ROW + "\n"
    row = row.replace(old, new, 1)
    msgs = problems_for(write_csv(HEADER + "\n" + row), config)
    assert len(msgs) == 1
    assert "row 2" in msgs[0] and f"'{column}'" in msgs[0] and "expected one of" in msgs[0]
    if suggestion:
        assert f'did you mean "{suggestion}"' in msgs[0]


def test_impossible_date_is_refused(config, write_csv):
    msgs = problems_for(write_csv(HEADER + "\n" + GOOD_ROW.replace("31/03/2029", "31/02/2025") + "\n"), config)
    assert len(msgs) == 1 and "row 2" in msgs[0] and "'end_date'" in msgs[0] and '"31/02/2025"' in msgs[0]
    assert "does not exist" in msgs[0]


def test_unreadable_date_format_is_refused(config, write_csv):
    msgs = problems_for(write_csv(HEADER + "\n" + GOOD_ROW.replace("01/04/2024", "April 2024") + "\n"), config)
    assert "'start_date'" in msgs[0] and "01/04/2024 (day first)" in msgs[0]


def test_end_before_start_is_refused(config, write_csv):
    msgs = problems_for(write_csv(HEADER + "\n" + GOOD_ROW.replace("31/03/2029", "31/03/2023") + "\n"), config)
    assert len(msgs) == 1 and "row 2" in msgs[0] and "'end_date'" in msgs[0] and "before the start date" in msgs[0]


@pytest.mark.parametrize("spend,expected", [
    ('"£12,x00"', "amount in pounds"),
    ("-500", "negative"),
    ("(500)", "negative"),
    ("12.345", "amount in pounds"),
])
def test_spend_that_is_not_money_or_negative_is_refused(config, write_csv, spend, expected):
    msgs = problems_for(write_csv(HEADER + "\n" + GOOD_ROW.replace('"500,000"', spend) + "\n"), config)
    assert len(msgs) == 1 and "row 2" in msgs[0] and "'spend'" in msgs[0] and expected in msgs[0]


@pytest.mark.parametrize("options", ["1+", "one", "1,1", "0"])
def test_malformed_extension_options_are_refused(config, write_csv, options):
    row = GOOD_ROW.replace(",,recommissioned", f",{options!r},recommissioned".replace("'", '"'))
    msgs = problems_for(write_csv(HEADER + "\n" + row + "\n"), config)
    assert len(msgs) == 1 and "'extension_options'" in msgs[0] and "row 2" in msgs[0]


def test_empty_file_is_refused(config, write_csv):
    assert "empty" in problems_for(write_csv(""), config)[0]


def test_header_without_rows_is_refused(config, write_csv):
    assert "no services are listed" in problems_for(write_csv(HEADER + "\n\n"), config)[0]


def test_binary_file_is_not_a_table(config, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary" in problems_for(path, config)[0]


def test_file_that_is_not_a_spreadsheet_is_refused(config, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_text("id,project\n1,x\n")
    assert "not an Excel workbook" in problems_for(path, config)[0]


def test_unsupported_file_type_is_refused(config, tmp_path):
    path = tmp_path / "register.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert "save the register as .xlsx" in problems_for(path, config)[0]


def test_every_problem_is_listed_at_once(config, write_csv):
    rows = [GOOD_ROW.replace("Victim Services", "Victim Service"),
            GOOD_ROW.replace("VS-001", "VS-002").replace('"500,000"', '"£12,x00"'),
            GOOD_ROW.replace("VS-001", "VS-003").replace("31/03/2029", "31/02/2025")]
    msgs = problems_for(write_csv("\n".join([HEADER, *rows]) + "\n"), config)
    # Each names the line's id with its row, so the officer finds it even after sorting the sheet.
    assert [m.split(",")[1].strip() for m in msgs] == ["line VS-001 at row 2", "line VS-002 at row 3",
                                                       "line VS-003 at row 4"]


def test_message_is_plain_english_without_a_traceback(config, write_csv):
    with pytest.raises(InputError) as info:
        load_register(write_csv(HEADER + "\n" + GOOD_ROW.replace("Victim Services", "Victim Service") + "\n"), config)
    report = info.value.report()
    assert report.startswith("Found 1 problem to fix")
    assert "Traceback" not in report and 'did you mean "Victim Services"' in report


# --- property: any valid register loads without loss --------------------------------------

_text = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "Zs", "P", "S"), max_codepoint=0x2FFF),
                min_size=1, max_size=30).map(lambda s: unicodedata.normalize("NFC", " ".join(s.split()))).filter(bool)


@st.composite
def registers(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    vocab_sections, terms = ["commissioning", "grants"], ["Long", "Med", "Short", "Partnership", "Annual", "TBC"]
    priorities = ["Victim Services", "Vulnerability", "Prevention", "Community Safety", "Partnerships", "Various"]
    rows = []
    for i in range(n):
        spend = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10_000_000)))
        start = draw(st.one_of(st.none(), st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 1, 1))))
        end = None if start is None else draw(st.dates(min_value=start, max_value=date(2035, 1, 1)))
        rows.append(Line(
            id=f"L-{i:04d}", section=draw(st.sampled_from(vocab_sections)), term=draw(st.sampled_from(terms)),
            priority=draw(st.sampled_from(priorities)), project=draw(_text), provider=draw(_text),
            spend=None if spend is None else Decimal(spend), start_date=start, end_date=end,
            extension_options=draw(st.sampled_from([(), (1,), (2,), (1, 1)])), notes=draw(st.one_of(st.just(""), _text)),
        ))
    return rows


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=registers(), money_style=st.sampled_from(["{:d}", "{:,d}", "£{:,d}"]), uk_dates=st.booleans())
def test_any_valid_register_loads_without_loss(config, tmp_path, lines, money_style, uk_dates):
    import csv

    path = tmp_path / "generated.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER.split(","))
        for l in lines:
            fmt = (lambda d: d.strftime("%d/%m/%Y")) if uk_dates else (lambda d: d.isoformat())
            w.writerow([l.id, l.section, l.term, l.priority, l.project, l.provider,
                        "" if l.spend is None else money_style.format(int(l.spend)), "",
                        fmt(l.start_date) if l.start_date else "", fmt(l.end_date) if l.end_date else "",
                        l.extension_text, "", "", l.notes])
    reg = load_register(path, config)
    assert reg.lines == tuple(lines)
    assert reg.total() == sum((l.spend for l in lines if l.spend is not None), Decimal(0))


def test_totals_and_heading_rows_pasted_from_the_paper_are_explained(config, write_csv):
    text = "\n".join([HEADER, GOOD_ROW, ',,TOTAL,,,,"4,654,011",,,,,,,', ",,Grants,,,,,,,,,,,", 'TOTAL,,,,,,"1",,,,,,,']) + "\n"
    msgs = problems_for(write_csv(text), config)
    assert len(msgs) == 3
    assert "row 3" in msgs[0] and "totals row" in msgs[0]
    assert "row 4" in msgs[1] and '"Grants"' in msgs[1] and "heading" in msgs[1]
    assert "row 5" in msgs[2] and "totals row" in msgs[2]


def test_blank_id_message_reads_naturally(config, write_csv):
    msgs = problems_for(write_csv(HEADER + "\n" + GOOD_ROW.replace("VS-001", "") + "\n"), config)
    assert "every line needs an id" in msgs[0]


def test_an_unreadable_end_date_is_reported_once_not_again_through_the_break_dates(config, write_csv):
    header = HEADER + ",break_dates"
    row = GOOD_ROW.replace("31/03/2029", "31/13/2029") + ",31/03/2027"
    msgs = problems_for(write_csv(header + "\n" + row + "\n"), config)
    assert len(msgs) == 1 and "'end_date'" in msgs[0] and "31/13/2029" in msgs[0]
    blank_end = GOOD_ROW.replace("31/03/2029", "") + ",31/03/2027"
    (msg,) = problems_for(write_csv(header + "\n" + blank_end + "\n"), config)
    assert "'break_dates'" in msg and "need an end_date" in msg
