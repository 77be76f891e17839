"""Reading the register is bounded: a file too big once unpacked, or with too many rows, is refused in
seconds with the limit to raise ([limits] in data/config.toml); a file with thousands of mistakes lists
the first ones and how many more; only visible sheets are read and the sheet used is named.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.input.load import load_register
from pipeline.input.sources import read_table
from pipeline.problems import InputError

from .conftest import copy_data

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "hostile"
YEAR = "2024-25"
REGISTER = ROOT / "data" / YEAR / "register.csv"


def base_rows() -> tuple[list[str], list[list[str]]]:
    with REGISTER.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def refused(path: Path, config) -> str:
    with pytest.raises(InputError) as info:
        load_register(path, config)
    return info.value.report()


@pytest.mark.slow
def test_a_workbook_that_unpacks_to_hundreds_of_megabytes_is_refused_in_seconds(tmp_path, config):
    # A real "zip bomb": the register's own workbook with its sheet padded by 250 MB of rows that
    # compress to almost nothing, as a 15 MB file unpacking to gigabytes did.
    bomb = tmp_path / "register.xlsx"
    with zipfile.ZipFile(CORPUS / "first_sheet.xlsx") as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
                out.write(head)
                row = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>padding</t></is></c></row>' % (n, n)
                               for n in range(1000, 1100))
                for _ in range(250 * 1024 * 1024 // len(row)):
                    out.write(row)
                out.write(b"</sheetData>" + tail)
    assert bomb.stat().st_size < 20 * 1024 * 1024
    report = refused(bomb, config)
    assert "unpacks to" in report and "more than the 100.0 MB" in report and "[limits]" in report, report


@pytest.mark.slow
def test_a_register_with_more_rows_than_the_limit_is_refused(tmp_path, config):
    header, rows = base_rows()
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for n in range(config.limits.register_rows + 1):
            writer.writerow([f"X-{n}", *rows[0][1:]])
    report = refused(path, config)
    assert "more than 100,000 rows" in report and "register_rows" in report, report


def test_the_row_limit_names_the_sheet_of_a_workbook(tmp_path):
    data = copy_data(tmp_path)
    (data / YEAR / "config.toml").write_text("[limits]\nregister_rows = 50\n", encoding="utf-8")
    config = load_config(YEAR, data)
    report = refused(CORPUS / "first_sheet.xlsx", config)
    assert "sheet 'Sheet1'" in report and "more than 50 rows" in report, report


@pytest.mark.slow
def test_thousands_of_mistakes_list_the_first_two_hundred_and_count_the_rest(tmp_path, config):
    header, rows = base_rows()
    spend = header.index("spend")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for n in range(5000):
        row = [f"X-{n}", *rows[0][1:]]
        row[spend] = "lots"
        writer.writerow(row)
    path = tmp_path / "register.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    report = refused(path, config)
    lines = report.splitlines()
    assert len(lines) == 202, f"{len(lines)} lines printed"
    assert "... and 4,800 more problems not listed" in lines[-1]


def test_the_delimiter_is_the_one_under_which_the_columns_are_recognised(tmp_path):
    header, rows = base_rows()
    text = ";".join([*header, "Notes, comments"]) + "\n" + "\n".join(";".join([*r, "x"]) for r in rows[:3]) + "\n"
    path = tmp_path / "register.csv"
    path.write_text(text.replace('"', ""), encoding="utf-8")
    table = read_table(path, known=tuple(header))
    assert table.header[:3] == ("id", "section", "term") and table.header[-1] == "Notes, comments"


@pytest.mark.slow
def test_check_names_the_sheet_it_read_and_never_a_hidden_one():
    proc = subprocess.run([sys.executable, "-m", "invoke", "check", "--register", str(CORPUS / "hidden_stale_sheet.xlsx")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "read from the sheet 'Register 2024-25'" in proc.stdout, proc.stdout
