"""The exports as the officer and the public open them: every published CSV in LibreOffice Calc, and the
exports workbook (.xlsx) in openpyxl and in Calc.

Calc is run as its Text Import dialog starts for these files: fields separated by comma, semicolon *and*
tab (the settings Calc ships with, which the officer rarely changes), text in double quotes, and UTF-8,
which Calc picks for a file that starts with the UTF-8 byte order mark (Excel on Windows needs that mark
too, or it reads the file in the Windows code page and shows £ as Â£). Written the old way, with only
fields holding a comma quoted, two of the five CSVs came apart at every semicolon outside quotes, each
row's later columns moved along: the review schedule (break dates are listed as 2027-03-31;2028-03-31)
and the contracts register (descriptions); the control test below shows it. Opened without a character
set chosen (as `soffice --convert-to` does by default), Calc reads any UTF-8 file as Latin-1: the mark
shows as ï»¿ before the first header and £ as Â£, whatever the file does; the dialog avoids that.

The edition is 2025-26 rolled forward from a 2024-25 register with its transparency columns filled in
(made-up numbers, never real ones), so all five CSVs are built: the schedule, the forward plan, the
contracts register, the 360Giving grants and the changes since 2024-25.
"""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.build import build_edition, load_edition
from pipeline.config import load_config
from pipeline.cycle.newyear import roll_forward
from pipeline.edition import Edition
from pipeline.exports.workbook import SHEETS, write_exports_workbook

from .conftest import copy_data
from .test_transparency import EDITION_SETTINGS, complete, edit_register

pytestmark = pytest.mark.slow  # whole builds, a browser or LibreOffice: left out of `invoke test --fast`

YEAR, NEXT = "2024-25", "2025-26"
WORKBOOK = f"commissioning-exports-{NEXT}.xlsx"
CSVS = ("review-schedule.csv", "forward-plan.csv", "contracts-register.csv", "grants-360giving.csv",
        f"changes-since-{YEAR}.csv")
# How Calc's Text Import dialog starts for our files (see the module docstring): separators , ; and tab,
# text delimiter ", UTF-8, from row 1, standard column types, quoted fields not forced to text, special
# numbers detected (dates), formulas not evaluated.
CALC_IMPORT = "Text - txt - csv (StarCalc):44/59/9,34,76,1,,0,false,true,false,false,false,-1,false"
GARBLED = ("\ufeff", "ï»¿", "Â", "Ã", "\ufffd")


def awkward(rows):
    rows = complete(rows)
    for r in rows:
        if r["id"] == "VU-001":
            r["provider_org_id"] = "GB-COH-01234567"  # a company number with a leading zero
            r["notes"] = "Café-based service; victims and witnesses; £1,000 a month"
        if r["id"] == "PR-008":
            r["project"] = "=SUM(A1:A9)"  # text a spreadsheet would run
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sheets")
    data = copy_data(tmp)
    edit_register(data / YEAR / "register.csv", awkward)
    (data / YEAR / "config.toml").write_text(EDITION_SETTINGS, encoding="utf-8")
    roll_forward(Edition(2024), data, load_config(YEAR, data))
    out = tmp / "build" / NEXT
    build_edition(NEXT, data_dir=data, out=out, build_dir=tmp / "cache", force=True, draft=True, skip=("pdf",))
    return out


def calc_convert(files: list[Path], to: str, out: Path, infilter: str | None = None) -> None:
    """Open each file in LibreOffice Calc and save it as `to`, in one run of soffice."""
    out.mkdir(parents=True, exist_ok=True)
    profile = out / "profile"  # a private profile: no settings from anyone's Calc
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    proc = subprocess.run([*cmd, "--convert-to", to, "--outdir", str(out), *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def as_calc_shows(value) -> str:
    """A cell Calc read, as the CSV wrote it: numbers plainly, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def calc_sheet(path: Path) -> list[list[str]]:
    ws = load_workbook(path).active
    return [[as_calc_shows(v) for v in row] for row in ws.iter_rows(values_only=True)]


# --- the CSVs in Calc -------------------------------------------------------------------------------

def test_every_csv_opens_in_calc_as_it_was_written(built, tmp_path):
    files = [built / name for name in CSVS]
    assert all(f.exists() for f in files), [f.name for f in files if not f.exists()]
    calc_convert(files, "xlsx", tmp_path, CALC_IMPORT)
    for f in files:
        written = read_csv(f)
        shown = calc_sheet(tmp_path / (f.stem + ".xlsx"))
        width = len(written[0])
        assert len(shown) == len(written), f"{f.name}: {len(shown)} rows in Calc, {len(written)} written"
        assert shown[0] == written[0], f"{f.name}: the header came out as {shown[0][:3]}..."
        for n, (theirs, ours) in enumerate(zip(shown, written), start=1):
            assert len(theirs) == width, f"{f.name} row {n}: {len(theirs)} columns in Calc, {width} written"
            for title, got, want in zip(written[0], theirs, ours):
                assert not any(g in got for g in GARBLED), f"{f.name} row {n}, {title}: {got!r}"
                if got != want:  # Calc reads numbers as numbers: the same value
                    assert float(got) == float(want), f"{f.name} row {n}, {title}: {got!r}, written {want!r}"
    contracts = {r[0]: dict(zip(shown_header := calc_sheet(tmp_path / "contracts-register.xlsx")[0], r))
                 for r in calc_sheet(tmp_path / "contracts-register.xlsx")[1:]}
    assert contracts["VU-001"]["Supplier Registration Number"] == "GB-COH-01234567"
    assert contracts["VU-001"]["Description"] == "Café-based service; victims and witnesses; £1,000 a month"
    assert "Over £10,000 (Specified Information Order)" in shown_header
    assert contracts["PR-008"]["Title"] == "'=SUM(A1:A9)"  # shown as text, never run


def test_the_old_csvs_are_what_calc_garbled(built, tmp_path):
    """The control: the same rows written as before (only fields holding a comma quoted) come apart in
    Calc at the semicolons, so the test above can fail."""
    old = tmp_path / "old"
    old.mkdir()
    for name in CSVS:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(read_csv(built / name))
        (old / name).write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
    calc_convert([old / n for n in CSVS], "xlsx", tmp_path / "calc", CALC_IMPORT)
    split = [n for n in CSVS if any(len(r) > len(read_csv(old / n)[0])
                                    for r in calc_sheet(tmp_path / "calc" / (Path(n).stem + ".xlsx")))]
    # The review schedule's break dates (2027-03-31;2028-03-31) and the contracts register's descriptions.
    assert set(split) == {"review-schedule.csv", "contracts-register.csv"}, split


def test_the_csvs_are_what_excel_needs(built):
    """Excel on Windows: UTF-8 only with the byte order mark, CRLF lines, comma-separated, quoted."""
    for name in CSVS:
        raw = (built / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf\"")
        assert raw.count(b"\r\n") == raw.count(b"\n") > 1
        header = raw[3:raw.index(b"\r\n")].decode("utf-8")
        assert header.startswith('"') and header.endswith('"') and '","' in header


# --- the workbook ---------------------------------------------------------------------------------

def rows_of(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row)) for row in ws.iter_rows(min_row=2)]


def test_the_workbook_has_a_sheet_per_export_with_typed_cells(built):
    wb = load_workbook(built / WORKBOOK)
    assert wb.sheetnames == ["Forward plan", "Review schedule", "Contracts register", "Underspend"] == [s.title for s in SHEETS]
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        assert all(c.font.bold for c in ws[1])
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(8 <= w <= 62 for w in widths), (ws.title, widths)
    contracts = {r["Reference"].value: r for r in rows_of(wb["Contracts register"])}
    vu = contracts["VU-001"]
    # Identifiers and registration numbers as text, the zero kept.
    assert vu["Supplier Company or Charity Number"].value == "01234567"
    assert vu["Supplier Company or Charity Number"].data_type == "s"
    assert vu["Supplier Registration Number"].value == "GB-COH-01234567"
    # Dates as dates, money as numbers.
    assert isinstance(vu["End Date"].value, datetime) and vu["End Date"].number_format == "DD/MM/YYYY"
    assert isinstance(vu["Value (GBP)"].value, (int, float)) and vu["Value (GBP)"].number_format.startswith("£")
    # Text that looks like a formula stays text.
    assert contracts["PR-008"]["Title"].value == "=SUM(A1:A9)" and contracts["PR-008"]["Title"].data_type == "s"
    plan = rows_of(wb["Forward plan"])
    assert plan and all(isinstance(r["decision_due"].value, datetime) for r in plan)
    assert all(r["id"].data_type == "s" for r in plan)
    schedule = rows_of(wb["Review schedule"])
    assert {type(r["decisions"].value) for r in schedule} == {int}
    # The same rows as the published CSVs.
    assert len(plan) == len(read_csv(built / "forward-plan.csv")) - 1
    assert len(schedule) == len(read_csv(built / "review-schedule.csv")) - 1
    assert len(contracts) == len(read_csv(built / "contracts-register.csv")) - 1


def test_calc_keeps_the_workbooks_text_and_dates(built, tmp_path):
    calc_convert([built / WORKBOOK], "xlsx", tmp_path / "calc")
    wb = load_workbook(tmp_path / "calc" / WORKBOOK)
    contracts = {r["Reference"].value: r for r in rows_of(wb["Contracts register"])}
    assert contracts["VU-001"]["Supplier Company or Charity Number"].value == "01234567"
    assert isinstance(contracts["VU-001"]["End Date"].value, datetime)


def test_the_workbook_is_byte_identical_from_the_same_inputs(built, tmp_path, monkeypatch):
    from pipeline.analysis.classify import classify
    from pipeline.analysis.schedule import decision_points, schedule
    from pipeline.paper.compose import PaperInput

    data = built.parent.parent / "data"
    edition, config, reg = load_edition(NEXT, data_dir=data)
    items = classify(reg, edition, config)
    analysis = PaperInput(edition, config, reg, items, schedule(items, edition, config), None,
                        decisions=decision_points(items, edition, config))
    write_exports_workbook(tmp_path / "a.xlsx", analysis)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    write_exports_workbook(tmp_path / "b.xlsx", analysis)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes() == (built / WORKBOOK).read_bytes()
    assert load_workbook(tmp_path / "a.xlsx").properties.modified == datetime(2025, 4, 1)


def test_adding_a_sheet_is_one_declaration(built, tmp_path):
    from pipeline.exports.workbook import MONEY, SheetSpec

    extra = SheetSpec("Underspend", lambda a: ("id", "underspend"),
                      lambda a: [[l.id, "1200"] for l in a.register][:3], {"underspend": MONEY})
    from pipeline.analysis.classify import classify
    from pipeline.analysis.schedule import schedule
    from pipeline.paper.compose import PaperInput

    data = built.parent.parent / "data"
    edition, config, reg = load_edition(NEXT, data_dir=data)
    items = classify(reg, edition, config)
    write_exports_workbook(tmp_path / "x.xlsx", PaperInput(edition, config, reg, items, schedule(items, edition, config),
                                                         None), (*SHEETS[:1], extra))
    wb = load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames == ["Forward plan", "Underspend"]
    assert wb["Underspend"]["B2"].value == 1200 and wb["Underspend"].freeze_panes == "A2"
