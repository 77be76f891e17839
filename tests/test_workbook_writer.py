"""The exports workbook's own .xlsx writer (pipeline/exports/xlsx.py) against the openpyxl writer it
replaced, kept here as the oracle: the same sheets, cells, types, number formats, fonts, fills, column
widths, frozen header, filter and print settings, read back with openpyxl; and, with the openpyxl the
oracle was written for, the same bytes.

Run on the 2024-25 edition and on a
sheet of awkward values: formula-like text, padded text, markup characters, non-ASCII, leading zeros,
decimals, impossible dates, blanks, text longer than a cell may hold.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.exports import workbook as wbmod
from pipeline.exports.workbook import COUNT, DATE, MONEY, SHEETS, SheetSpec, write_exports_workbook
from pipeline.writers.reproducible import normalise_zip


# --- the oracle: the openpyxl writer as it was ---------------------------------------------------

def _oracle_cell(ws, text: str, kind: str):
    if text == "":
        return None, 0
    if kind == DATE and (day := wbmod._date(text)) is not None:
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = wbmod.DATE_FORMAT
        return cell, 10
    if kind in (MONEY, COUNT) and (amount := wbmod._number(text)) is not None:
        whole = amount == amount.to_integral_value()
        if kind == MONEY:
            cell = WriteOnlyCell(ws, value=int(amount) if whole else amount)
            cell.number_format = "£#,##0" if whole else "£#,##0.00"
            return cell, len(f"£{amount:,.2f}")
        return int(amount) if whole else amount, len(text)
    if not text.startswith(wbmod._FORMULA_START):
        return text, len(text)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell, len(text)


def _oracle_sheet(wb, spec, analysis) -> None:
    ws = wb.create_sheet(spec.title)
    headers = spec.columns(analysis)
    kinds = [spec.types.get(h, "text") for h in headers]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    widths = [len(h) + 3 for h in headers]
    rows = []
    for row in spec.rows(analysis):
        cells = []
        for c, (text, kind) in enumerate(zip(row, kinds)):
            cell, width = _oracle_cell(ws, str(text), kind)
            cells.append(cell)
            widths[c] = max(widths[c], width)
        rows.append(cells)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, wbmod.MIN_WIDTH), wbmod.MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    header = []
    for title in headers:
        cell = WriteOnlyCell(ws, value=title)
        cell.data_type = "s"
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    for cells in rows:
        ws.append(cells)


def oracle_workbook(analysis, sheets) -> bytes:
    from pipeline.analysis.dates import paper_date

    moment = datetime.combine(paper_date(analysis.edition, analysis.config), datetime.min.time())
    wb = Workbook(write_only=True)
    for spec in sheets:
        _oracle_sheet(wb, spec, analysis)
    wb.properties.creator = str(analysis.config["organisation"]["name"])
    wb.properties.title = f"Commissioning Framework {analysis.edition.label}: forward plan, review schedule, contracts"
    wb.properties.created = wb.properties.modified = moment
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    times = re.compile(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:(?:modified|created)>)")

    def fix_times(name: str, data: bytes) -> bytes:
        return times.sub(lambda m: m.group(1) + stamp + m.group(2), data) if name == "docProps/core.xml" else data

    return normalise_zip(buffer.getvalue(), moment.timetuple()[:6], fix_times)


# --- comparing ------------------------------------------------------------------------------------

def _described(data: bytes) -> dict:
    """Everything a reader sees in a workbook, as openpyxl reads it back."""
    wb = load_workbook(io.BytesIO(data))
    seen = {"sheets": wb.sheetnames, "creator": wb.properties.creator, "title": wb.properties.title,
            "created": wb.properties.created, "modified": wb.properties.modified,
            "names": {n: [str(d.attr_text) for d in ws.defined_names.values()] for n, ws in zip(wb.sheetnames, wb)}}
    for ws in wb:
        seen[ws.title] = {
            "cells": [[(c.coordinate, c.value, type(c.value).__name__, c.data_type, c.number_format, c.font.b,
                        c.fill.fgColor.rgb, c.fill.fill_type, c.quotePrefix) for c in row] for row in ws.iter_rows()],
            "widths": {k: (d.width, d.customWidth) for k, d in ws.column_dimensions.items()},
            "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "print_titles": str(ws.print_title_rows),
            "page": (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
                     ws.sheet_properties.pageSetUpPr.fitToPage),
        }
    return seen


@pytest.fixture(scope="module")
def analysis():
    from pipeline.analysis.classify import classify
    from pipeline.analysis.dates import paper_date
    from pipeline.analysis.performance import analyse
    from pipeline.analysis.schedule import decision_points, schedule
    from pipeline.build import load_edition
    from pipeline.config import DATA_DIR
    from pipeline.input.performance import load_returns
    from pipeline.paper.compose import PaperInput

    edition, config, reg = load_edition("2024-25")
    items = classify(reg, edition, config)
    as_at = paper_date(edition, config)
    performance = analyse(reg, load_returns(DATA_DIR / edition.label, reg, config, as_at), edition, config, as_at)
    return PaperInput(edition, config, reg, items, schedule(items, edition, config), None,
                      decisions=decision_points(items, edition, config), performance=performance)


AWKWARD = [
    ["=SUM(A1:A9)", "+44 116 000", "-", "@home", "2024-03-31", "12.50", "3"],
    [" padded ", "a & b < c > d \"q\" 'a'", "Café £1,000 – 10%", "0123", "2024-02-30", "-1200", "2.5"],
    ["", "", "", "", "", "", ""],
    ["line\r\nbreak\ttab", "😀 beyond the BMP", "x" * 40000, "1e5", "31/03/2025", "£12", "0012"],
    ["=", "N/A", "TRUE", "12", "1899-12-31", "0.10", "-7"],
    ["a", "b", "c", "d", "1900-02-28", "1200000.00", ""],
]
AWKWARD_SPEC = SheetSpec("Awkward values", lambda a: ("t1", "t2", "t3", "t4", "day", "money", "count"),
                         lambda a: AWKWARD, {"day": DATE, "money": MONEY, "count": COUNT})


def _same(analysis, sheets, tmp_path) -> tuple[bytes, bytes]:
    write_exports_workbook(tmp_path / "new.xlsx", analysis, sheets)
    new, old = (tmp_path / "new.xlsx").read_bytes(), oracle_workbook(analysis, sheets)
    assert _described(new) == _described(old)
    return new, old


def test_the_edition_workbook_reads_back_as_the_openpyxl_writer_wrote_it(analysis, tmp_path):
    new, old = _same(analysis, SHEETS, tmp_path)
    described = _described(new)
    assert described["sheets"] == ["Forward plan", "Review schedule", "Contracts register", "Underspend"]
    assert all(len(described[s]["cells"]) > 1 for s in described["sheets"][:3])  # (2024-25 has no spend return)
    if openpyxl.__version__ == "3.1.5":  # the version the oracle's bytes were checked against
        assert new == old


def test_awkward_values_read_back_as_the_openpyxl_writer_wrote_them(analysis, tmp_path):
    new, old = _same(analysis, (SHEETS[0], AWKWARD_SPEC), tmp_path)
    cells = {c.coordinate: c for row in load_workbook(io.BytesIO(new))["Awkward values"].iter_rows() for c in row}
    assert cells["A2"].value == "=SUM(A1:A9)" and cells["A2"].data_type == "s" and cells["A2"].quotePrefix
    assert cells["D3"].value == "0123" and cells["A3"].value == " padded "
    assert cells["E2"].value == datetime(2024, 3, 31) and cells["E2"].number_format == "DD/MM/YYYY"
    assert cells["E3"].value == "2024-02-30"  # not a day: kept as the text it is
    assert cells["F2"].value == Decimal("12.5") or cells["F2"].value == 12.5
    assert cells["F2"].number_format == "£#,##0.00" and cells["F3"].number_format == "£#,##0"
    assert len(cells["C5"].value) == 32767
    if openpyxl.__version__ == "3.1.5":
        assert new == old


def test_text_that_looks_like_an_excel_error_stays_text(analysis, tmp_path):
    # The one deliberate difference from openpyxl, which made "#N/A" an error value, not the text it is.
    spec = SheetSpec("Errors", lambda a: ("t",), lambda a: [["#N/A"], ["#DIV/0!"]])
    write_exports_workbook(tmp_path / "x.xlsx", analysis, (spec,))
    ws = load_workbook(tmp_path / "x.xlsx")["Errors"]
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [("#N/A", "s"), ("#DIV/0!", "s")]


def test_the_same_inputs_give_the_same_bytes(analysis, tmp_path):
    write_exports_workbook(tmp_path / "a.xlsx", analysis)
    write_exports_workbook(tmp_path / "b.xlsx", analysis)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_a_control_character_is_refused_as_openpyxl_refused_it(analysis, tmp_path):
    spec = SheetSpec("Bad", lambda a: ("t",), lambda a: [["bell\x07"]])
    with pytest.raises(ValueError):
        write_exports_workbook(tmp_path / "x.xlsx", analysis, (spec,))


def test_excel_serial_days():
    from pipeline.exports.xlsx import date_serial
    from openpyxl.utils.datetime import to_excel

    for day in (date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(2024, 3, 31), date(2099, 12, 31)):
        assert date_serial(day) == to_excel(day)
