"""A write-only .xlsx package writer for the exports workbook: its sheets written as XML text directly.

openpyxl made an object, a style lookup and an XML element for every cell, which took seconds over a
large register's half a million cells; here a cell is one formatted string. The package is exactly the
one openpyxl's write-only mode wrote for this workbook, part for part and byte for byte (the same XML,
the same styles numbered in the same order, the same theme), so the published file is unchanged:
strings are inline (no shared-strings table), text is ASCII with character references, a date is its
Excel serial number with a date format, and a sheet has a frozen header row, a filter, print titles and
a landscape, fit-to-width page.

What it does not do: formulas, rich text, merged cells, anything the exports workbook does not need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ..writers.reproducible import zip_entries

MAX_TEXT = 32767  # Excel's longest cell text; longer text is cut there, as openpyxl did
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # control characters XML 1.0 cannot hold
_EXCEL_EPOCH = date(1899, 12, 30)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """Text as XML character data, in ASCII (what lxml wrote for openpyxl: other characters as references)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _attribute(text: str) -> str:
    """Text as an attribute value (styles.xml is UTF-8, as openpyxl wrote it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def checked_text(text: str) -> str:
    """A cell's text as a sheet may hold it: at most MAX_TEXT characters, no control characters."""
    text = text[:MAX_TEXT]
    if _ILLEGAL.search(text):
        raise ValueError(f"{text!r} holds a control character, which cannot be used in a worksheet")
    return text


def text_cell(ref: str, text: str, style: int = 0) -> str:
    """An inline-string cell (text, never a formula); `style` 0 is the default."""
    text = checked_text(text)
    s = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def number_text(value: int | Decimal | float) -> str:
    return "%.16g" % value


def number_cell(ref: str, value: int | Decimal, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="n"><v>{number_text(value)}</v></c>'


def date_serial(day: date) -> int:
    """Excel's serial number for a day (1900 date system, with its phantom 29 February 1900)."""
    days = (day - _EXCEL_EPOCH).days
    return days - 1 if 0 < days <= 60 else days


class Styles:
    """The cell formats a workbook uses, numbered as openpyxl numbered them: number formats (from 164) in
    the order first set on a cell, cell formats (xfs) in the order first written. Cell format 1 is the
    header's (bold on a light blue fill), as the first row written is the first sheet's header."""

    DATE_DEFAULT = "yyyy-mm-dd"  # openpyxl gave every date cell this format before ours replaced it

    def __init__(self) -> None:
        self.formats: list[str] = []
        # (number format id, font id, fill id, quote prefix): 0 the default, 1 the header
        self.xfs: list[tuple[int, int, int, int]] = [(0, 0, 0, 0), (0, 1, 2, 0)]
        self._xf: dict[tuple[int, int, int, int], int] = {xf: k for k, xf in enumerate(self.xfs)}
        self._dated = False

    HEADER = 1

    def _format_id(self, code: str) -> int:
        if code not in self.formats:
            self.formats.append(code)
        return 164 + self.formats.index(code)

    def _xf_id(self, xf: tuple[int, int, int, int]) -> int:
        found = self._xf.get(xf)
        if found is None:
            found = self._xf[xf] = len(self.xfs)
            self.xfs.append(xf)
        return found

    def date(self, code: str) -> int:
        """The cell format of a date shown as `code`."""
        if not self._dated:
            self._format_id(self.DATE_DEFAULT)
            self._dated = True
        return self._xf_id((self._format_id(code), 0, 0, 0))

    def number(self, code: str) -> int:
        return self._xf_id((self._format_id(code), 0, 0, 0))

    def quoted(self) -> int:
        """Text Excel keeps as text when the officer edits it (a leading =, +, - or @)."""
        return self._xf_id((0, 0, 0, 1))

    def xml(self) -> bytes:
        formats = "".join(f'<numFmt numFmtId="{164 + k}" formatCode="{_attribute(code)}"/>'
                          for k, code in enumerate(self.formats))
        number_formats = f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if self.formats else ""
        xfs = "".join(f'<xf numFmtId="{n}" fontId="{font}" fillId="{fill}" borderId="0" pivotButton="0" '
                      f'quotePrefix="{quote}" xfId="0"/>' for n, font, fill, quote in self.xfs)
        return (f'<styleSheet xmlns="{_MAIN}">{number_formats}<fonts count="2"><font><name val="Calibri"/>'
                '<family val="2"/><color theme="1"/><sz val="11"/><scheme val="minor"/></font><font><b val="1"/>'
                '</font></fonts><fills count="3"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
                '</fill><fill><patternFill patternType="solid"><fgColor rgb="00DDEBF7"/></patternFill></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(self.xfs)}">{xfs}</cellXfs><cellStyles count="1"><cellStyle name="Normal" '
                'xfId="0" builtinId="0" hidden="0"/></cellStyles><tableStyles count="0" '
                'defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/><colors>'
                f'<indexedColors>{_INDEXED_COLOURS}</indexedColors></colors></styleSheet>').encode("utf-8")


_INDEXED_COLOURS = "".join(f'<rgbColor rgb="00{c}"/>' for c in (
    "000000 FFFFFF FF0000 00FF00 0000FF FFFF00 FF00FF 00FFFF 000000 FFFFFF FF0000 00FF00 0000FF FFFF00 FF00FF "
    "00FFFF 800000 008000 000080 808000 800080 008080 C0C0C0 808080 9999FF 993366 FFFFCC CCFFFF 660066 FF8080 "
    "0066CC CCCCFF 000080 FF00FF FFFF00 00FFFF 800080 800000 008080 0000FF 00CCFF CCFFFF CCFFCC FFFF99 99CCFF "
    "FF99CC CC99FF FFCC99 3366FF 33CCCC 99CC00 FFCC00 FF9900 FF6600 666699 969696 003366 339966 003300 333300 "
    "993300 993366 333399 333333").split())


@dataclass(frozen=True)
class Sheet:
    """One sheet as written: its title, its column widths, its header and its data rows (each the XML of
    a <row>, numbered from 2)."""
    title: str
    widths: tuple[int, ...]
    header: tuple[str, ...]
    rows: tuple[str, ...]


def row_xml(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def _sheet_xml(sheet: Sheet) -> bytes:
    last = column_letter(len(sheet.header))
    cols = "".join(f'<col width="{w}" customWidth="1" min="{c}" max="{c}"/>' for c, w in enumerate(sheet.widths, 1))
    header = row_xml(1, [text_cell(f"{column_letter(c)}1", t, Styles.HEADER) for c, t in enumerate(sheet.header, 1)])
    head = (f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr '
            'fitToPage="1"/></sheetPr><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
            '</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            f'<cols>{cols}</cols><sheetData>{header}')
    tail = (f'</sheetData><autoFilter ref="A1:{last}{len(sheet.rows) + 1}"/><pageMargins left="0.75" right="0.75" '
            'top="1" bottom="1" header="0.5" footer="0.5"/><pageSetup orientation="landscape" fitToHeight="0" '
            'fitToWidth="1"/></worksheet>')
    return "".join((head, *sheet.rows, tail)).encode("ascii")


def _quoted_name(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_xml(sheets: tuple[Sheet, ...]) -> bytes:
    listed = "".join(f'<sheet xmlns:r="{_REL}" name="{escape(s.title)}" sheetId="{k}" state="visible" r:id="rId{k}"/>'
                     for k, s in enumerate(sheets, 1))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">{escape(_quoted_name(s.title))}'
        f'!$A$1:${column_letter(len(s.header))}${len(s.rows) + 1}</definedName>'
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">{escape(_quoted_name(s.title))}!$1:$1</definedName>'
        for k, s in enumerate(sheets))
    return (f'<workbook xmlns="{_MAIN}"><workbookPr/><workbookProtection/><bookViews><workbookView visibility="visible" '
            'minimized="0" showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" tabRatio="600" '
            f'firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/></bookViews><sheets>{listed}</sheets>'
            f'<definedNames>{names}</definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>').encode("ascii")


def _content_types(count: int) -> bytes:
    kind = "application/vnd.openxmlformats-officedocument"
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{kind}.spreadsheetml.worksheet+xml"/>'
                     for k in range(1, count + 1))
    return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/styles.xml" ContentType="{kind}.spreadsheetml.'
            f'styles+xml"/><Override PartName="/xl/theme/theme1.xml" ContentType="{kind}.theme+xml"/><Override '
            'PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{kind}.extended-properties+xml"/>{sheets}<Override '
            f'PartName="/xl/workbook.xml" ContentType="{kind}.spreadsheetml.sheet.main+xml"/></Types>').encode("ascii")


_PACKAGE_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1"/><Relationship Type="http://schemas.'
    'openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml" Id="rId2"/>'
    f'<Relationship Type="{_REL}/extended-properties" Target="docProps/app.xml" Id="rId3"/></Relationships>').encode("ascii")
# The application the workbook has always named (openpyxl wrote it until this writer replaced it, unchanged).
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>'
        'Microsoft Excel Compatible / Openpyxl 3.1.5</Application><AppVersion>3.1</AppVersion></Properties>').encode("ascii")


def _workbook_rels(count: int) -> bytes:
    sheets = "".join(f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{k}.xml" Id="rId{k}"/>'
                     for k in range(1, count + 1))
    return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{sheets}<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{count + 1}"/>'
            f'<Relationship Type="{_REL}/theme" Target="theme/theme1.xml" Id="rId{count + 2}"/></Relationships>').encode("ascii")


def _core(creator: str, title: str, moment: datetime) -> bytes:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    terms = 'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="dcterms:W3CDTF"'
    dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    return ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            f'<dc:creator {dc}>{escape(creator)}</dc:creator><dc:title {dc}>{escape(title)}</dc:title>'
            f'<dcterms:created {terms}>{stamp}</dcterms:created><dcterms:modified {terms}>{stamp}</dcterms:modified>'
            '</cp:coreProperties>').encode("ascii")


def workbook_bytes(sheets: tuple[Sheet, ...], styles: Styles, creator: str, title: str, moment: datetime) -> bytes:
    """The whole .xlsx, its entries stamped with `moment` so that the same sheets give the same bytes."""
    from openpyxl.writer.theme import theme_xml  # the standard Office theme, as openpyxl wrote it

    parts = {"[Content_Types].xml": _content_types(len(sheets)), "_rels/.rels": _PACKAGE_RELS,
             "docProps/app.xml": _APP, "docProps/core.xml": _core(creator, title, moment),
             "xl/_rels/workbook.xml.rels": _workbook_rels(len(sheets)), "xl/styles.xml": styles.xml(),
             "xl/theme/theme1.xml": theme_xml.encode("utf-8"), "xl/workbook.xml": _workbook_xml(sheets)}
    for k, sheet in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{k}.xml"] = _sheet_xml(sheet)
    return zip_entries(parts, moment.timetuple()[:6])
