"""The Excel workbook: written for the officer, read back without loss, and robust to how Excel
and LibreOffice save it."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl.utils import get_column_letter
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font, PatternFill

from pipeline.config import DATA_DIR, Config, load_config
from pipeline.edition import Edition
from pipeline.input.load import load_register
from pipeline.problems import InputError
from pipeline.input.register import COLUMNS, Line, Register
from pipeline.input.sources import read_table
from pipeline.cycle.workbook import DATE_FORMAT, MAX_WIDTH, MONEY_FORMAT, write_workbook

REAL = DATA_DIR / "2024-25" / "register.csv"


@pytest.fixture(scope="module")
def real(config: Config) -> Register:
    return load_register(REAL, config)


def same(a: Register, b: Register) -> None:
    """Equal registers apart from where they were read from (Line equality ignores row numbers)."""
    assert b.lines == a.lines
    assert b.extra_columns == a.extra_columns


def make_line(ident: str, **changes) -> Line:
    base = Line(id=ident, section="commissioning", term="Short", priority="Prevention", project="Project",
                provider="Provider", spend=Decimal("1000"))
    return dataclasses.replace(base, **changes)


# --- writing and reading back ------------------------------------------------------------------

def test_the_2024_25_register_survives_the_workbook(tmp_path: Path, config: Config, real: Register) -> None:
    path = tmp_path / "register.xlsx"
    write_workbook(real, config, path, edition=Edition(2024))
    same(real, load_register(path, config))


def test_same_register_gives_the_same_bytes(tmp_path: Path, config: Config, real: Register) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(real, config, a, edition=Edition(2024))
    write_workbook(real, config, b, edition=Edition(2024))
    assert a.read_bytes() == b.read_bytes()
    # Not just the same second: nothing in the file comes from the clock.
    with zipfile.ZipFile(a) as z:
        assert {info.date_time for info in z.infolist()} == {(2024, 4, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2024-04-01T00:00:00Z") == 2  # created and modified
    assert str(datetime.now().year) not in core or datetime.now().year == 2024


def test_register_sheet_layout(tmp_path: Path, config: Config, real: Register) -> None:
    path = tmp_path / "register.xlsx"
    write_workbook(real, config, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Register", "Performance", "How to fill in", "Lists", "Performance lists"]
    assert wb["Lists"].sheet_state == "hidden"
    assert wb.active.title == "Register"
    ws = wb["Register"]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(len(COLUMNS))}{len(real) + 1}"
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMN"]
    assert max(widths) == MAX_WIDTH  # notes are long: capped
    assert widths[0] < 15  # ids are short

    first = ws[2]  # VS-001, Victim First
    col = {name: first[i] for i, name in enumerate(COLUMNS)}
    assert col["spend"].value == 500000 and col["spend"].number_format == MONEY_FORMAT
    assert col["start_date"].value == datetime(2024, 4, 1) and col["start_date"].number_format == DATE_FORMAT
    assert col["end_date"].value == datetime(2029, 3, 31) and col["end_date"].number_format == DATE_FORMAT
    blank_spend = next(row for row in ws.iter_rows(min_row=2) if row[0].value == "VU-006")
    assert blank_spend[COLUMNS.index("spend")].value is None
    options = next(row for row in ws.iter_rows(min_row=2) if row[0].value == "VU-001")[COLUMNS.index("extension_options")]
    assert (options.value, options.data_type) == ("1+1", "s")


def test_drop_down_lists_come_from_the_vocabulary(tmp_path: Path, config: Config, real: Register) -> None:
    path = tmp_path / "register.xlsx"
    write_workbook(real, config, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Register"]
    lists = {dv.formula1: dv for dv in ws.data_validations.dataValidation if dv.type == "list"}
    vocab = config.vocabulary
    expected = {"section": vocab.sections, "term": vocab.terms, "priority": vocab.priorities,
                "status": vocab.statuses, "category": vocab.categories,
                "procurement_route": vocab.procurement_routes}
    assert set(lists) == {f"list_{col}" for col in expected}
    for col, values in expected.items():
        dv = lists[f"list_{col}"]
        letter = openpyxl.utils.get_column_letter(COLUMNS.index(col) + 1)
        assert str(dv.sqref) == f"{letter}2:{letter}1000"
        assert dv.allow_blank and dv.showErrorMessage
        name = wb.defined_names[f"list_{col}"]
        (sheet, ref), = name.destinations
        assert sheet == "Lists"
        assert tuple(c.value for (c,) in wb[sheet][ref.replace("$", "")]) == values
    numbers = [dv for dv in ws.data_validations.dataValidation if dv.type in ("decimal", "date")]
    assert len(numbers) == 3


@pytest.mark.slow
def test_validation_reaches_500_rows_below_a_long_register(tmp_path: Path, config: Config) -> None:
    register = Register("x", tuple(make_line(f"L-{i:04d}") for i in range(800)))
    path = tmp_path / "long.xlsx"
    write_workbook(register, config, path)
    ws = openpyxl.load_workbook(path)["Register"]
    assert {str(dv.sqref).split(":")[1][1:] for dv in ws.data_validations.dataValidation} == {"1301"}


def test_long_vocabularies_and_commas_use_the_lists_sheet(tmp_path: Path, config: Config) -> None:
    raw = dict(config.raw)
    many = [f"Priority number {i}, with a comma" for i in range(30)]  # far beyond Excel's 255 characters inline
    raw["vocabulary"] = dict(raw["vocabulary"], priorities=many)
    custom = Config(raw)
    register = Register("x", (make_line("A-1", priority=many[17]),))
    path = tmp_path / "v.xlsx"
    write_workbook(register, custom, path)
    same(register, load_register(path, custom))
    wb = openpyxl.load_workbook(path)
    (_, ref), = wb.defined_names["list_priority"].destinations
    assert [c.value for (c,) in wb["Lists"][ref.replace("$", "")]] == many


@pytest.mark.parametrize("text", ["=1+2", "=HYPERLINK(\"http://example.com\",\"click\")", "+44 116 222 2222",
                                  "-5 on last year", "@risk", "1+1"])
def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, config: Config, text: str) -> None:
    register = Register("x", (make_line("A-1", project=text, notes=text, provider=text, funding_source=text,
                                         extra=(("owner", text),)),), extra_columns=("owner",))
    path = tmp_path / "f.xlsx"
    write_workbook(register, config, path)
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    same(register, load_register(path, config))
    cell = openpyxl.load_workbook(path)["Register"]["E2"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_extra_columns_come_after_notes(tmp_path: Path, config: Config) -> None:
    register = Register("x", (make_line("A-1", extra=(("contract_ref", "C-9"), ("Lead officer", "J Smith"))),),
                        extra_columns=("contract_ref", "Lead officer"))
    path = tmp_path / "e.xlsx"
    write_workbook(register, config, path)
    ws = openpyxl.load_workbook(path)["Register"]
    assert [c.value for c in ws[1]][-3:] == [COLUMNS[-1], "contract_ref", "Lead officer"]
    same(register, load_register(path, config))


def test_pence_are_kept_and_shown(tmp_path: Path, config: Config) -> None:
    register = Register("x", (make_line("A-1", spend=Decimal("12345.50")), make_line("A-2", spend=None)))
    path = tmp_path / "p.xlsx"
    write_workbook(register, config, path)
    ws = openpyxl.load_workbook(path)["Register"]
    assert ws["G2"].number_format == "£#,##0.00"
    same(register, load_register(path, config))


def test_how_to_fill_in_explains_every_column(tmp_path: Path, config: Config, real: Register) -> None:
    path = tmp_path / "register.xlsx"
    write_workbook(real, config, path)
    ws = openpyxl.load_workbook(path)["How to fill in"]
    explained = {row[0]: row[2] for row in ws.iter_rows(values_only=True) if row[0] in COLUMNS}
    assert set(explained) == set(COLUMNS)
    assert all(len(text) > 30 for text in explained.values())
    assert "under review" in explained["status"]  # the allowed values are listed


def test_a_workbook_open_in_excel_is_reported_not_crashed(tmp_path: Path, config: Config, real: Register,
                                                          monkeypatch) -> None:
    import pipeline.cycle.workbook as workbook

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(workbook.os, "replace", locked)
    with pytest.raises(InputError, match="close it and try again"):
        write_workbook(real, config, tmp_path / "register.xlsx")
    assert list(tmp_path.iterdir()) == []  # the temporary file is cleaned up


_text = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40) \
    .map(lambda s: " ".join(unicodedata.normalize("NFC", s).split())).filter(bool)  # as the loader cleans text


@st.composite
def registers(draw) -> Register:
    vocab = load_config().vocabulary
    n = draw(st.integers(1, 6))
    lines = []
    for i in range(n):
        start = draw(st.none() | st.dates(date(2000, 1, 1), date(2090, 1, 1)))
        end = draw(st.none() | st.dates(start or date(2000, 1, 1), date(2099, 12, 31)))
        lines.append(Line(
            id=f"L-{i}", section=draw(st.sampled_from(vocab.sections)), term=draw(st.sampled_from(vocab.terms)),
            priority=draw(st.sampled_from(vocab.priorities)), project=draw(_text), provider=draw(_text),
            spend=draw(st.none() | st.decimals(0, 10_000_000, places=2)),
            funding_source=draw(st.just("") | _text), start_date=start, end_date=end,
            extension_options=draw(st.lists(st.integers(1, 5), max_size=3).map(tuple)),
            status=draw(st.just("") | st.sampled_from(vocab.statuses)),
            category=draw(st.none() | st.sampled_from(vocab.categories)),
            notes=draw(st.just("") | _text), extra=(("extra col", draw(st.just("") | _text)),),
        ))
    return Register("generated", tuple(lines), extra_columns=("extra col",))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(register=registers())
def test_any_valid_register_survives_the_workbook(tmp_path: Path, config: Config, register: Register) -> None:
    path = tmp_path / "h.xlsx"
    write_workbook(register, config, path)
    same(register, load_register(path, config))


# --- reading workbooks as officers save them ----------------------------------------------------

def test_workbook_saved_as_an_officer_would(tmp_path: Path, config: Config) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes["A1"] = "Working notes, not the register"
    ws = wb.create_sheet("2025-26 services")  # renamed, and not the first sheet
    ws["A1"] = "Commissioning register 2025-26"
    ws.merge_cells("A1:N1")
    ws["A2"] = "Draft for the Panel"
    ws.merge_cells("A2:F2")
    headers = ["ID", "Section", "Term", "Priority", "Project", "Provider", "Spend", "Funding source",
               "Start date", "End date", "Extension options", "Status", "Category", "Notes"]
    ws.append([])
    ws.append(headers)
    ws.append(["VS-001", "commissioning", "Long", "Victim Services", "Victim First", "Catch 22", "500,000",
               "MoJ Victims Grant", datetime(2024, 4, 1), datetime(2029, 3, 31), None, "recommissioned", None,
               "Numbers as text with commas"])
    ws.append(["VS-002", "Commissioning ", "long", "Victim Services", "Pathway", "Force", "80000", None,
               "01/04/2024", "2029-03-31", 2, None, None, None])
    ws.append(["VS-003", "grants", "Short", "Prevention", "Grant", "Someone", 12345.5, None, None,
               datetime(2025, 3, 31), "1+1", None, "b", None])
    # Formatting left far below and to the right of the table, as Excel does after a clear-contents.
    for r in range(8, 60):
        ws.cell(row=r, column=3).fill = PatternFill("solid", fgColor="FFFF00")
    for c in range(15, 30):
        ws.cell(row=4, column=c).font = Font(bold=True)
    ws.cell(row=4, column=20, value="   ")
    path = tmp_path / "officer.xlsx"
    wb.save(path)

    register = load_register(path, config)
    assert [line.id for line in register.lines] == ["VS-001", "VS-002", "VS-003"]
    assert [line.row for line in register.lines] == [5, 6, 7]  # the officer's own row numbers
    one, two, three = register.lines
    assert one.spend == Decimal("500000") and one.start_date == date(2024, 4, 1) and one.end_date == date(2029, 3, 31)
    assert two.section == "commissioning" and two.term == "Long" and two.spend == Decimal("80000")
    assert two.start_date == date(2024, 4, 1) and two.extension_options == (2,)
    assert three.spend == Decimal("12345.50") and three.extension_options == (1, 1) and three.category == "b"
    assert register.extra_columns == ()


def test_first_sheet_is_used_when_no_sheet_looks_like_a_register(tmp_path: Path, config: Config) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["id", "section"])
    path = tmp_path / "w.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match="required column is missing"):
        load_register(path, config)


def _patch_sheet(path: Path, old: bytes, new: bytes) -> None:
    """Edit a saved workbook's first sheet XML, to make what Excel writes and openpyxl cannot."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            dst.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def _formula_workbook(path: Path, formula: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append(["A-1", "commissioning", "Short", "Prevention", "P", "Q", formula])
    ws.append(["A-2", "commissioning", "Short", "Prevention", "P", "Q", 5])
    ws["AD2"] = "=1/0"  # workings outside the table are not our business
    wb.save(path)


def test_formulas_use_the_value_excel_saved(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "f.xlsx"
    _formula_workbook(path, "=1000+234")
    _patch_sheet(path, b"<f>1000+234</f><v></v>", b"<f>1000+234</f><v>1234</v>")
    _patch_sheet(path, b'<c r="AD2"><f>1/0</f><v></v></c>', b'<c r="AD2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    assert load_register(path, config).lines[0].spend == Decimal(1234)


def test_a_formula_never_calculated_is_reported(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "f.xlsx"
    _formula_workbook(path, "=SUM(G3:G3)*2")  # openpyxl saves formulas with no result
    with pytest.raises(InputError) as caught:
        load_register(path, config)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "spend", "=SUM(G3:G3)*2")
    assert "no calculated result" in problem.expected and "save it again" in problem.expected


def test_a_formula_showing_an_excel_error_is_reported(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "f.xlsx"
    _formula_workbook(path, "=G3/0")
    _patch_sheet(path, b'<c r="G2"><f>G3/0</f><v></v></c>', b'<c r="G2" t="e"><f>G3/0</f><v>#DIV/0!</v></c>')
    _patch_sheet(path, b'<c r="AD2"><f>1/0</f><v></v></c>', b'<c r="AD2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    with pytest.raises(InputError) as caught:
        load_register(path, config)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "spend")
    assert "Excel error #DIV/0!" in problem.expected


def test_a_text_formula_with_an_empty_result_is_a_blank_cell(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "f.xlsx"
    _formula_workbook(path, '=IF(1,"","x")')
    _patch_sheet(path, b'<c r="G2"><f>IF(1,"","x")</f><v></v></c>', b'<c r="G2" t="str"><f>IF(1,"","x")</f><v></v></c>')
    _patch_sheet(path, b'<c r="AD2"><f>1/0</f><v></v></c>', b'<c r="AD2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    assert load_register(path, config).lines[0].spend is None


def test_password_protected_workbook_is_explained(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError, match="password-protected"):
        load_register(path, config)


@pytest.mark.slow
def test_ten_thousand_rows_are_read(tmp_path: Path, config: Config, real: Register) -> None:
    lines = tuple(dataclasses.replace(real.lines[i % len(real)], id=f"X-{i:05d}") for i in range(10_000))
    path = tmp_path / "big.xlsx"
    write_workbook(Register("big", lines), config, path)
    table = read_table(path)
    assert len(table.rows) == 10_000


# --- LibreOffice --------------------------------------------------------------------------------

def _libreoffice_resave(src: Path, out_dir: Path, profile: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not on PATH: install it (apt-get install libreoffice-calc) - "
                    "these tests check that a register saved by LibreOffice still loads")
    out_dir.mkdir()
    # A private profile: a clean start, and no clash with a LibreOffice the user has open.
    run = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(src)],
        capture_output=True, text=True, timeout=180,
    )
    saved = out_dir / src.name
    if not saved.exists():
        pytest.fail(f"LibreOffice did not convert the workbook (exit {run.returncode}: {run.stderr.strip()}). "
                    "Is LibreOffice Calc installed? (apt-get install libreoffice-calc)")
    return saved


@pytest.mark.slow
def test_register_resaved_by_libreoffice_still_loads(tmp_path: Path, config: Config, real: Register) -> None:
    path = tmp_path / "register.xlsx"
    register = Register("x", (*real.lines, make_line("Z-1", project="=1+2", notes="+44 116", spend=Decimal("10.50"))))
    write_workbook(register, config, path)
    saved = _libreoffice_resave(path, tmp_path / "lo", tmp_path / "profile")
    same(register, load_register(saved, config))
    ws = openpyxl.load_workbook(saved)["Register"]
    assert len([dv for dv in ws.data_validations.dataValidation if dv.type == "list"]) == 6


@pytest.mark.slow
def test_libreoffice_calculates_formulas_the_loader_then_reads(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "formula.xlsx"
    _formula_workbook(path, "=G3*2+1")
    saved = _libreoffice_resave(path, tmp_path / "lo", tmp_path / "profile")
    # LibreOffice saves the result with the formula; the #DIV/0! in P2 is outside the table.
    assert [line.spend for line in load_register(saved, config).lines] == [Decimal(11), Decimal(5)]
