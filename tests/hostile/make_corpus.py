"""Generate the corpus of broken and hostile registers that tests/test_hostile.py feeds to the build.

    python tests/hostile/make_corpus.py            # rewrite every file next to this script

Every file starts from the real 2024-25 register (so the edition's prose, which quotes named lines
such as Victim First, still composes) and breaks or poisons it in one way. The generated files are
committed, so the tests never need LibreOffice: the one workbook saved by LibreOffice
(libreoffice.xlsx, formula_error_libreoffice.xlsx) is only remade when soffice is installed. Output is
deterministic (fixed seeds, fixed zip times and document dates) so re-running gives no diff.

What each file must do (build, or be refused with which message) is the table in test_hostile.py.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BASE = ROOT / "data" / "2024-25" / "register.csv"
ZIP_TIME = (2024, 4, 1, 0, 0, 0)

# Text that must come out of the build literally, whatever it looks like.
SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
JINJA = "{{ 7*7 }}"
JINJA_BLOCK = "{% include '/etc/passwd' %}"
JINJA_MORE = "{{ config.__class__ }} {# hidden #} ${7*7}"
MD_LINK = "[click me](javascript:alert(1))"
MD_MARKS = "**bold** _em_ `code` # not a heading"
MD_MORE = "![pixel](http://evil.example/p.png) <https://evil.example> | a | b |"
FORMULAS = ("=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", '=HYPERLINK("http://evil.example","x")')


# --- helpers --------------------------------------------------------------------------------------

def base() -> tuple[list[str], list[list[str]]]:
    with BASE.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def col(header: list[str], name: str) -> int:
    return header.index(name)


def row_of(rows: list[list[str]], ident: str) -> list[str]:
    return next(r for r in rows if r[0] == ident)


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_text(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def write_bytes(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def edited(name: str, edits: dict[tuple[str, str], str], encoding: str = "utf-8") -> None:
    """The base register with cells replaced: {(id, column): new value}."""
    header, rows = base()
    for (ident, column), value in edits.items():
        row_of(rows, ident)[col(header, column)] = value
    write_text(name, csv_text(header, rows), encoding)


def normalise_zip(path: Path) -> None:
    """Fixed entry times and order, and fixed document dates, so regenerating gives the same bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(n, src.read(n)) for n in src.namelist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-04-01T00:00:00Z", data)
                data = re.sub(rb"<cp:revision>[^<]*</cp:revision>", b"<cp:revision>1</cp:revision>", data)
            if name == "docProps/app.xml":
                data = re.sub(rb"<Application>[^<]*</Application>", b"<Application>corpus</Application>", data)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())


def workbook(name: str, sheets: list[tuple[str, list[list[object]]]], formulas_as_text: bool = True) -> None:
    """An .xlsx written by openpyxl: [(sheet title, rows)]. Strings starting with = stay text unless told."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        if formulas_as_text:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"  # a text cell that merely starts with '='
    path = HERE / name
    wb.save(path)
    normalise_zip(path)


def workbook_with(name: str, build) -> None:
    """An .xlsx written by openpyxl, shaped by build(workbook): hidden sheets, merged cells, number formats."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    build(wb)
    path = HERE / name
    wb.save(path)
    normalise_zip(path)


def raw_lines(name: str, change) -> None:
    """The base register as text, with change(lines) editing its lines as typed (quotes and all)."""
    lines = BASE.read_text(encoding="utf-8-sig").splitlines()
    write_text(name, "\n".join(change(lines)) + "\n")


def soffice_xlsx(name: str, text: str) -> bool:
    """Save `text` (CSV) as .xlsx with LibreOffice, as an officer on a Linux desktop would."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print(f"  (soffice not found: keeping the committed {name})", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (Path(name).stem + ".csv")
        src.write_text(text, encoding="utf-8")
        # 44 = comma, 34 = double quote, 76 = UTF-8, 1 = start at row 1.
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                        "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180)
        out = Path(tmp) / (Path(name).stem + ".xlsx")
        shutil.copy(out, HERE / name)
    normalise_zip(HERE / name)
    return True


# --- the corpus -----------------------------------------------------------------------------------

def refused_files() -> None:
    header, rows = base()

    # Columns.
    h = [c for c in header if c != "provider"]
    write_text("missing_column.csv", csv_text(h, [[v for c, v in zip(header, r) if c != "provider"] for r in rows]))
    h = ["projct" if c == "project" else c for c in header]
    write_text("misspelt_column.csv", csv_text(h, rows))
    h = header + ["Start Date"]
    write_text("duplicate_column.csv", csv_text(h, [r + [r[col(header, "start_date")]] for r in rows]))

    # Required cells.
    edited("blank_id.csv", {("VU-004", "id"): ""})
    edited("blank_id_invisible.csv", {("VU-004", "id"): " \u200b\t "})
    edited("blank_project.csv", {("PR-008", "project"): ""})
    edited("duplicate_id.csv", {("VU-004", "id"): "VS-003"})
    edited("duplicate_id_case.csv", {("VU-004", "id"): "vs-003"})

    # Vocabularies, each with a near miss the message should suggest.
    edited("unknown_section.csv", {("VU-004", "section"): "grant"})
    edited("unknown_term.csv", {("VU-004", "term"): "Medium"})
    edited("unknown_priority.csv", {("VU-004", "priority"): "Victim Service"})
    edited("unknown_status.csv", {("VU-004", "status"): "under-review"})
    edited("unknown_category.csv", {("VU-004", "category"): "e"})

    # Values.
    edited("impossible_date.csv", {("VS-001", "end_date"): "31/02/2025"})
    edited("unreadable_date.csv", {("VS-002", "start_date"): "April 2024"})
    edited("end_before_start.csv", {("VS-002", "start_date"): "2025-04-01", ("VS-002", "end_date"): "2025-03-31"})
    edited("bad_spend.csv", {("VU-004", "spend"): "£12,x00"})
    edited("negative_spend.csv", {("VU-004", "spend"): "-500"})
    edited("formula_spend.csv", {("VU-004", "spend"): "=SUM(A1:A9)"})
    edited("bad_options.csv", {("VU-001", "extension_options"): "1+"})
    edited("far_future_date.csv", {("VU-001", "end_date"): "31/12/9999"})
    edited("ancient_date.csv", {("VU-004", "end_date"): "31/03/0001"})

    # A year past 2200 once every extension option is taken (the schedule's date arithmetic would overflow).
    edited("extension_overflow.csv", {("VU-001", "end_date"): "31/12/2199", ("VU-001", "extension_options"): "99+99+99"})

    # A date column formatted as General in Excel, saved to CSV as serial numbers.
    edited("serial_dates.csv", {("VU-001", "end_date"): "45747"})

    # Totals rows copied from the paper, with the labels officers use.
    header_t, rows_t = base()
    blank = [""] * len(header_t)
    total_spend = [*blank[:4], "Total spend", *blank[5:6], "4,654,011", *blank[7:]]
    grand = ["Grand total (£)", *blank[1:6], "6,674,237", *blank[7:]]
    write_text("totals_rows.csv", csv_text(header_t, [*rows_t[:47], total_spend, *rows_t[47:], grand]))

    # A quote opened and never closed: without a check the rest of the file is one cell (54 of 64 lines).
    def unclose(lines: list[str]) -> list[str]:
        return [l + '"Funded jointly with the council, see the MoU' if l.startswith("VU-004,") else l for l in lines]
    raw_lines("unclosed_quote.csv", unclose)

    # The same quote in a register whose spends are plain numbers (so few cells are quoted): the quote
    # is only closed by a stray one rows later, and every row between vanishes into one cell.
    header_q, rows_q = base()
    s = col(header_q, "spend")
    for r in rows_q:
        r[s] = r[s].replace(",", "")
    plain = csv_text(header_q, rows_q).splitlines()

    def closed_late(lines: list[str]) -> list[str]:
        out = []
        for l in plain:
            if l.startswith("VU-004,"):
                l += '"Funded jointly with the council'
            elif l.startswith("VU-009,") and '"' not in l:
                l += ' see the "MoU"'
            out.append(l)
        return out
    raw_lines("quote_closed_late.csv", closed_late)

    # A quote opened in the last row and never closed: the file ends inside it.
    raw_lines("unclosed_quote_last_row.csv", lambda lines: [*lines[:-1], lines[-1] + '"see the MoU'])

    # Workbooks whose register cannot be read as it stands.
    table_w = [header, *rows]

    def hidden_only(wb) -> None:
        notes = wb.create_sheet("Read me")
        notes.append(["How to fill in this register"])
        reg = wb.create_sheet("Register")
        for r in table_w:
            reg.append(r)
        reg.sheet_state = "hidden"
    workbook_with("hidden_register_only.xlsx", hidden_only)

    def merged(wb) -> None:
        ws = wb.create_sheet("Register")
        for r in table_w:
            ws.append(r)
        p = col(header, "priority") + 1
        for r in (13, 14):  # VU-005 and VU-006: Excel keeps only the first cell's value
            ws.cell(r, p).value = None
        ws.merge_cells(start_row=12, start_column=p, end_row=14, end_column=p)
    workbook_with("merged_cells.xlsx", merged)

    def serial(wb) -> None:
        ws = wb.create_sheet("Register")
        for r in table_w:
            ws.append(r)
        e = col(header, "end_date") + 1
        ws.cell(2, e).value = 46842  # a date typed into a cell formatted as General: 30/03/2028 in Excel
    workbook_with("serial_dates.xlsx", serial)

    # Many mistakes at once: all must be listed.
    edited("many_problems.csv", {("VU-004", "term"): "Medium", ("VU-005", "spend"): "lots",
                                 ("VU-007", "end_date"): "30/02/2026", ("VU-009", "id"): "VS-001"})

    # A 5 MB cell (a paste gone wrong).
    edited("huge_cell.csv", {("VU-004", "notes"): "Lorem ipsum dolor sit amet. " * (5 * 1024 * 1024 // 28)})

    # A 100,000-character cell: past the loader's limit but inside the CSV reader's.
    edited("long_cell.csv", {("VU-004", "notes"): "x" * 100_000})

    # The file itself.
    write_bytes("empty.csv", b"")
    write_bytes("whitespace_only.csv", b"\r\n  \r\n\t\r\n")
    write_bytes("bom_only.csv", "\ufeff".encode("utf-8"))
    write_text("header_only.csv", ",".join(header) + "\n")
    write_text("header_then_blank_rows.csv", ",".join(header) + "\n" + "," * (len(header) - 1) + "\n\n")
    rng = random.Random(1)
    write_bytes("binary_garbage.csv", bytes(rng.randrange(256) for _ in range(8192)))
    write_bytes("nul_bytes.csv", b"\x00" * 4096)
    write_text("text_named.xlsx", csv_text(header, rows))
    write_bytes("ole_named.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4088)
    write_text("wrong_type.ods", csv_text(header, rows))

    # Workbooks that cannot be used.
    workbook("empty_sheet.xlsx", [("Register", [])])
    table = [header, *rows]
    workbook("uncalculated_formula.xlsx",
             [("Register", [[*r[:6], "=SUM(1000,2000)", *r[7:]] if r[0] == "VU-004" else r for r in table])],
             formulas_as_text=False)
    data = (HERE / "first_sheet.xlsx").read_bytes()  # made by building_files()
    write_bytes("truncated.xlsx", data[: len(data) // 2])
    write_bytes("xlsx_named.csv", data)
    text = csv_text(header, [[*r[:6], "=1/0", *r[7:]] if r[0] == "VU-004" else r for r in rows])
    soffice_xlsx("formula_error_libreoffice.xlsx", text)


def building_files() -> None:
    header, rows = base()

    # Formula text in every free-text column: the CSV export must neutralise it.
    edits = {}
    for ident, formula in zip(("VU-004", "VU-009", "PR-008", "PR-009", "CS-010"), FORMULAS):
        for column in ("project", "provider", "funding_source", "notes"):
            edits[(ident, column)] = formula
    edits[("VU-009", "id")] = "=1+1"
    edits[("PR-008", "id")] = "@x"
    edits[("PR-009", "id")] = "-PR-009"
    edits[("CS-010", "id")] = "+CS-010"
    edited("formula_text.csv", edits)

    # HTML in every text column (and an extra column whose name is HTML).
    h = header + ["<b onmouseover=alert(1)>extra</b>"]
    out = []
    for r in rows:
        extra = IMG if r[0] in ("VU-004", "VS-003") else ""
        out.append(r + [extra])
    hostile = {"VU-004": SCRIPT, "VS-003": IMG, "CS-010": "</td></tr></table><h1>pwned</h1>"}
    for r in out:
        if r[0] in hostile:
            for c in ("project", "provider", "funding_source", "notes"):
                r[col(header, c)] = hostile[r[0]]
    row_of(out, "VU-004")[0] = "<i>VU-004</i>"
    row_of(out, "CS-010")[0] = "<script>alert(2)</script>"  # dated: the id reaches the timeline chart
    write_text("html_injection.csv", csv_text(h, out))

    # Jinja / template syntax in every text column.
    edits = {}
    for ident, text in (("VU-004", JINJA), ("VS-003", JINJA_BLOCK), ("CS-010", JINJA_MORE)):
        for column in ("project", "provider", "funding_source", "notes"):
            edits[(ident, column)] = text
    edits[("VU-004", "id")] = "{{ 7*7 }}"
    edits[("VS-003", "id")] = "{{ 8*8 }}"  # dated: the id reaches the timeline chart and the calendar
    edited("template_injection.csv", edits)

    # Markdown in every text column.
    edits = {}
    for ident, text in (("VU-004", MD_LINK), ("VS-003", MD_MARKS), ("CS-010", MD_MORE)):
        for column in ("project", "provider", "funding_source", "notes"):
            edits[(ident, column)] = text
    edits[("VS-003", "notes")] = "# Heading\n\n- item\n> quote\n\n1. one"
    edits[("VS-003", "id")] = "**VS-003**"
    edits[("CS-010", "id")] = "[CS-010](javascript:alert(3))"
    edited("markdown_injection.csv", edits)

    # Control characters (every C0 control, DEL, C1, bidi override, zero-width) inside text.
    controls = "".join(chr(c) for c in range(32)) + "\x7f\x85\u202eevil\u202c\u200b\ufeff"
    edited("control_chars.csv", {("VU-004", "project"): f"Recovery{controls}Hub",
                                 ("VU-004", "provider"): "\u202eLeicester City Council",
                                 ("VU-004", "notes"): "Line one\r\nline two\tand a bell\x07.",
                                 ("CS-010", "project"): "\x1b[31mNeighbourhood Watch\x1b[0m Co-ordinator"})

    # Encodings.
    accents = {("VU-004", "project"): "Café Crème Recovery Hub", ("VU-004", "provider"): "Zoë Ñúñez & Søn",
               ("VU-004", "spend"): "£34,000", ("VU-004", "notes"): "Costs £34,000 – “agreed” in Señora’s review."}
    header2, rows2 = base()
    for (ident, column), value in accents.items():
        row_of(rows2, ident)[col(header2, column)] = value
    text = csv_text(header2, rows2, newline="\r\n")
    write_text("utf16.csv", text, "utf-16")  # with a BOM, as Excel's "Unicode Text"
    write_text("windows_1252.csv", text, "cp1252")
    write_text("utf8_bom.csv", "\ufeff" + text)
    write_text("semicolons.csv", csv_text(header2, rows2, delimiter=";"))
    write_text("tab_separated.txt", csv_text(header2, rows2, delimiter="\t"))
    # Semicolons, with a comma inside a column name: the delimiter is the one that finds the columns.
    write_text("semicolons_comma_in_header.csv", csv_text(header2 + ["Comments, if any"],
                                                          [r + ["none"] for r in rows2], delimiter=";"))

    # An absurd but well-formed spend (twenty digits).
    edited("huge_spend.csv", {("VU-004", "spend"): "99,999,999,999,999,999,999"})

    # Layout quirks an officer's spreadsheet really has.
    shuffled = list(reversed(header))
    idx = [header.index(c) for c in shuffled]
    pretty = [c.replace("_", " ").upper() if i % 2 else f"  {c.title()} " for i, c in enumerate(shuffled)]
    title = [["Commissioning register 2024-25", *[""] * (len(header) - 1)], [""] * len(header)]
    body = [[r[i] for i in idx] for r in rows]
    write_text("title_rows_and_odd_headers.csv", "\n".join(
        [",".join(t) for t in title] + [csv_text(pretty, body).rstrip("\n"), ",,,", "", ""]) + "\n")
    ragged = [r + ["stray", "cells"] if r[0] == "VU-004" else r for r in rows]
    write_text("ragged_rows.csv", csv_text(header, ragged))
    write_text("unicode_names.csv", csv_text(header, [
        [*r[:4], "Ǆemal 🚓 警察 مرحبا Cafe\u0301", *r[5:]] if r[0] == "VU-004" else r for r in rows]))

    # Workbooks.
    table = [header, *rows]
    workbook("first_sheet.xlsx", [("Sheet1", table)])
    workbook("notes_sheet_first.xlsx", [("Read me", [["How to fill in this register"], ["Ask the OPCC"]]),
                                        ("Services 24-25", table)])
    # A stale copy of the register hidden in front of the real one: only visible sheets are read.
    def hidden_stale(wb) -> None:
        stale = wb.create_sheet("Register")
        for r in table:
            stale.append([*r[:4], "STALE COPY", *r[5:]] if r[0] == "VU-004" else r)
        stale.sheet_state = "hidden"
        current = wb.create_sheet("Register 2024-25")
        for r in table:
            current.append(r)
    workbook_with("hidden_stale_sheet.xlsx", hidden_stale)
    workbook("formula_text.xlsx", [("Register", [
        [*r[:4], FORMULAS[0], FORMULAS[1], *r[6:]] if r[0] == "VU-004" else r for r in table])])
    soffice_xlsx("libreoffice.xlsx", csv_text(header, rows))


def misread_files() -> None:
    """Issue 23: cells that each look fine but used to be read as something else, without a word."""
    header, rows = base()
    # Text after a date: read as the first date alone, the extension lost.
    edited("end_date_with_text.csv", {("VU-001", "end_date"): "2026-03-31 extended to 2028-03-31"})
    # Two break dates separated by a space, not ';': only the first was kept.
    edited("break_dates_space.csv", {("VS-001", "break_dates"): "2027-03-31 2028-03-31"})
    # A continental decimal comma: 0,500 was read as £500.
    edited("decimal_comma.csv", {("VU-004", "spend"): "0,500"})
    # A line pasted twice, its id copied with a zero-width space: counted twice as "VU- 002".
    copy = list(row_of(rows, "VU-002"))
    copy[col(header, "id")] = "VU-\u200b002"
    at = rows.index(row_of(rows, "VU-002")) + 1
    write_text("zero_width_id.csv", csv_text(header, [*rows[:at], copy, *rows[at:]]))
    # Two grants whose ids differ only by punctuation: both published as ...-VSG_001.
    edited("punctuation_ids.csv", {("VSG-001", "id"): "VSG 001", ("VSG-002", "id"): "VSG/001"})
    # A line that starts in 2030, in the 2024-25 register: its spend counted in a year it did not run.
    edited("future_start.csv", {("VU-004", "start_date"): "2030-04-01"})
    # Decommissioned, but overridden to category a: "ends" beside money counted as committed.
    edited("decommissioned_override.csv", {("VU-001", "status"): "decommissioned", ("VU-001", "category"): "a"})
    # Dollar signs in register text: matplotlib read "$...$" as maths (italics, or a traceback).
    edited("dollar_signs.csv", {("VU-001", "project"): "Service $\\undefinedmacro$ pilot",
                                ("VU-002", "project"): "Small grants ($5k to $10k awards)"})


def main() -> int:
    building_files()  # first: some refused files are cut from first_sheet.xlsx
    refused_files()
    misread_files()
    files = sorted(p.name for p in HERE.iterdir() if p.is_file() and p.suffix != ".py")
    print(f"{len(files)} files in {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
