"""Word writer: lays the document model out as a .docx built on templates/reference.docx.

Only style names are used (see STYLE_NAMES); fonts, sizes and colours live in the reference, so an
officer can restyle the paper in Word. python-docx has no API for several things a Panel paper
needs (TOC field, bookmarks and internal links, repeating header rows, alt text, landscape
sections with shared footers, reproducible zips), so those are written as WordprocessingML here.
"""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import date, datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable, Iterator

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.section import Section
from docx.shared import Cm, Emu, Length, Pt
from docx.text.paragraph import Paragraph as WordParagraph
from lxml.etree import _Element

from .. import page
from ..paper.model import BulletList, Column, Contents, Document, Figure, Heading, Paragraph, Run, Table
from ..template_files import TEMPLATES
from .reproducible import ZIP_EPOCH, normalise_zip
from .print_layout import (_NOT_XML, ChartImage, DataLink, PrintBlock, PrintWords, clean, load_words,
                           orientations, print_edition, printed)
from .table_widths import BODY, HEADING, NO_WRAP_KINDS, TOTAL, TableMetrics

DEFAULT_REFERENCE = TEMPLATES / "reference.docx"

# --- Style names the writer relies on (all must exist in the reference .docx) -----------------
TITLE, SUBTITLE, CAPTION, FOOTER = "Title", "Subtitle", "Caption", "Footer"
HEADINGS = ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Heading 6")
TOC_HEADING = "TOC Heading"
TOCS = ("TOC 1", "TOC 2", "TOC 3")  # contents entries for Heading 1-3
LIST_BULLET, LIST_NUMBER = "List Bullet", "List Number"
TABLE_TEXT, TABLE_HEADING, TABLE_TOTAL = "Table Text", "Table Heading", "Table Total"
ROLE_STYLES = {"body": "Normal", "lead": "Lead", "note": "Note", "warning": "Warning"}
HYPERLINK = "Hyperlink"  # character style
TABLE_STYLE = "Data Table"  # table style
PARAGRAPH_STYLES = (TITLE, SUBTITLE, CAPTION, FOOTER, *HEADINGS[:3], TOC_HEADING, *TOCS, LIST_BULLET,
                    LIST_NUMBER, TABLE_TEXT, TABLE_HEADING, TABLE_TOTAL, *ROLE_STYLES.values())
STYLE_NAMES = (*PARAGRAPH_STYLES, HYPERLINK, TABLE_STYLE)

TOC_INSTRUCTION = r'TOC \o "1-3" \h \z \u'
TOC_PLACEHOLDER = "Right-click to update the table of contents (or press F9)."
MAX_PICTURE_WIDTH = Cm(page.TEXT_WIDTH_CM)
SPACE_AFTER_TABLE = Pt(10)  # the paragraph after a table starts at least this far below it

# pPr children that come before w:numPr (Word validates the order).
_BEFORE_NUMPR = {qn(t) for t in ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore",
                                 "w:framePr", "w:widowControl")}

_BREAKS = re.compile(r"(\r\n|\r|\n|\t)")
_BOOKMARK_BAD = re.compile(r"[^A-Za-z0-9_]")

# Elements that must come after w:updateFields in settings.xml (Word validates the order).
_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat",
                        "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
                        "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
                        "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
                        "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary",
                        "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol",
                        "w:listSeparator")


def write_docx(doc: Document, path: Path, reference: Path | None = None) -> None:
    """Write `doc` as a Word document at `path`, using the styles and page set-up of `reference`.

    The print words (templates/print/words.toml) are read from beside the reference.
    """
    reference = Path(reference or DEFAULT_REFERENCE)
    word = docx.Document(str(reference))
    _Writer(word, doc, load_words(reference.parent)).write()
    buffer = BytesIO()
    word.save(buffer)
    Path(path).write_bytes(normalise_zip(buffer.getvalue(), _zip_time(doc.date)))


def bookmark_name(anchor: str) -> str:
    """A Word bookmark name for `anchor`: starts with a letter, at most 40 letters/digits/_."""
    name = _BOOKMARK_BAD.sub("_", anchor)
    if not name[:1].isalpha():
        name = "ref_" + name
    return name[:40]


def add_page_x_of_y(paragraph: WordParagraph, style_id: str) -> None:
    """Fill `paragraph` with 'Page {PAGE} of {NUMPAGES}' (fields, so Word keeps them current)."""
    p = paragraph._p
    p.get_or_add_pPr().get_or_add_pStyle().val = style_id
    p.append(_text_run("Page "))
    p.extend(_field_runs("PAGE", "1"))
    p.append(_text_run(" of "))
    p.extend(_field_runs("NUMPAGES", "1"))


# --- WordprocessingML building blocks --------------------------------------------------------

def _el(tag: str, **attrs: str) -> _Element:
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _append_text(r: _Element, text: str) -> None:
    """Append `text` to run `r`, turning line breaks and tabs into w:br / w:tab."""
    for piece in _BREAKS.split(clean(text)):
        if piece == "\t":
            r.append(_el("w:tab"))
        elif piece in ("\n", "\r", "\r\n"):
            r.append(_el("w:br"))
        elif piece:
            t = _el("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = piece
            r.append(t)


def _text_run(text: str, *, bold: bool = False, italic: bool = False,
              char_style: str | None = None) -> _Element:
    r = _el("w:r")
    if bold or italic or char_style:
        rpr = _el("w:rPr")  # children in schema order: rStyle, b, i
        if char_style:
            rpr.append(_el("w:rStyle", val=char_style))
        if bold:
            rpr.append(_el("w:b"))
        if italic:
            rpr.append(_el("w:i"))
        r.append(rpr)
    _append_text(r, text)
    return r


def _field_runs(instruction: str, result: str) -> list[_Element]:
    """Runs of a complex field: begin, instruction, separate, cached result, end."""
    def fld(kind: str) -> _Element:
        r = _el("w:r")
        r.append(_el("w:fldChar", fldCharType=kind))
        return r

    instr = _el("w:r")
    text = _el("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    instr.append(text)
    return [fld("begin"), instr, fld("separate"), _text_run(result), fld("end")]


def _emu_to_twips(value: int) -> int:
    return int(value) // 635


class _Bookmarks:
    """Maps model anchors to unique Word bookmark names and numbers the bookmarks placed."""

    def __init__(self, anchors: Iterable[str]) -> None:
        self._names: dict[str, str] = {}
        used: set[str] = set()
        tried: dict[str, int] = {}  # the next number to try per name: linear however many anchors share one
        for anchor in anchors:
            if anchor in self._names:
                continue
            base = bookmark_name(anchor)
            name, n = base, tried.get(base, 2)
            while name in used:  # two anchors sanitised to the same name
                name = f"{base[:39 - len(str(n))]}_{n}"  # at most 40 characters, as Word allows
                n += 1
            tried[base] = n
            used.add(name)
            self._names[anchor] = name
        self._placed: set[str] = set()

    def name(self, anchor: str) -> str:
        return self._names.get(anchor) or bookmark_name(anchor)

    def place(self, p: _Element, anchor: str) -> None:
        """Wrap the content of paragraph `p` in the bookmark for `anchor` (once per anchor)."""
        name = self.name(anchor)
        if not anchor or name in self._placed:
            return
        self._placed.add(name)
        ident = str(len(self._placed))
        ppr = p.find(qn("w:pPr"))
        start = _el("w:bookmarkStart", id=ident, name=name)
        if ppr is None:
            p.insert(0, start)
        else:
            ppr.addnext(start)
        p.append(_el("w:bookmarkEnd", id=ident))


def _tables(doc: Document) -> Iterator[Table]:
    """Every table the paper prints, the charts' data included."""
    for block in printed((*doc.front, *doc.blocks)):
        if isinstance(block, Table):
            yield block
        elif isinstance(block, Figure):
            yield block.data


def _anchors(blocks: Iterable[PrintBlock]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, (Heading, Table)):
            yield block.anchor
        elif isinstance(block, ChartImage) and block.first:
            yield block.figure.anchor


# --- The writer ------------------------------------------------------------------------------

class _Writer:
    def __init__(self, word: WordDocument, doc: Document, words: PrintWords) -> None:
        self.word, self.doc = word, doc
        self.style_ids = _style_ids(word)
        self.landscape = False
        self.new_page = False  # the next paragraph starts a page (after the front sheet)
        self.figures = 0
        first = word.sections[0]
        self.portrait = (min(first.page_width, first.page_height),
                         max(first.page_width, first.page_height))
        self.metrics = _table_metrics(word)
        self.metrics.share(_tables(doc))
        self.edition = print_edition(doc, words, self._needs_landscape)
        self.bookmarks = _Bookmarks(_anchors((*self.edition.front, *self.edition.body)))
        self._space_before: dict[str, int] = {}

    def write(self) -> None:
        self.word.element.body.clear_content()  # keeps the final w:sectPr (page set-up, footer)
        self._drop_thumbnail()
        self._front()
        items = list(self.edition.body)
        for item, landscape in zip(items, orientations(items, self._needs_landscape)):
            self._orient(landscape)
            self._block(item)
        self._footers()
        self._settings()
        self._language()
        self._core_properties()

    def _front(self) -> None:
        """The front sheet on a page of its own (portrait): the paper starts on the next page."""
        if self.edition.front_title:
            self._paragraph([Run(self.edition.front_title)], TITLE)
            if self.doc.subtitle:
                self._paragraph([Run(self.doc.subtitle)], SUBTITLE)
        for block in self.edition.front:
            self._block(block)
        self.new_page = bool(self.edition.front)

    def _block(self, block: PrintBlock) -> None:
        if isinstance(block, Heading):
            self._heading(block)
        elif isinstance(block, Paragraph):
            self._paragraph(block.runs, ROLE_STYLES.get(block.role, "Normal"))
        elif isinstance(block, BulletList):
            self._list(block)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, ChartImage):
            self._picture(block)
        elif isinstance(block, DataLink):
            self._paragraph([Run(block.text, href="#" + block.anchor)], "Normal")
        elif isinstance(block, Contents):
            self._contents(block)
        else:
            raise TypeError(f"the Word writer does not know how to lay out {type(block).__name__}")

    # --- paragraphs ---

    def _new_paragraph(self, style: str) -> _Element:
        p = _el("w:p")
        ppr = _el("w:pPr")
        ppr.append(_el("w:pStyle", val=self.style_ids[style]))
        if self.new_page:
            ppr.append(_el("w:pageBreakBefore"))
            self.new_page = False
        p.append(ppr)
        self._append(p)
        return p

    def _append(self, element: _Element) -> None:
        body = self.word.element.body
        # body[-1] is constant time; body.find() and len(body) walk every child, which made
        # long documents quadratic. The body's own w:sectPr, when present, is always last.
        try:
            tail = body[-1]
        except IndexError:
            tail = None
        sect_pr = tail if tail is not None and tail.tag == qn("w:sectPr") else None
        last = tail if sect_pr is None else sect_pr.getprevious()
        if last is not None and last.tag == qn("w:tbl") and element.tag == qn("w:p"):
            self._space_after_table(element)
        if sect_pr is None:
            body.append(element)
        else:
            sect_pr.addprevious(element)

    def _space_after_table(self, p: _Element) -> None:
        """Room between a table and the paragraph after it, unless its style already gives more."""
        style_id = p.xpath("string(./w:pPr/w:pStyle/@w:val)")
        if style_id not in self._space_before:
            self._space_before[style_id] = _style_space_before(self.word, style_id)
        if self._space_before[style_id] < SPACE_AFTER_TABLE:
            p.get_or_add_pPr().spacing_before = SPACE_AFTER_TABLE

    def _paragraph(self, runs: Iterable[Run], style: str) -> _Element:
        p = self._new_paragraph(style)
        if style == ROLE_STYLES["warning"]:
            p.get_or_add_pPr().keepLines_val = True  # a boxed warning is never split across two pages
        for run in runs:
            p.append(self._run(run))
        return p

    def _run(self, run: Run) -> _Element:
        if not run.href:
            return _text_run(run.text, bold=run.bold, italic=run.italic)
        link = _el("w:hyperlink")
        if run.href.startswith("#"):
            link.set(qn("w:anchor"), self.bookmarks.name(run.href[1:]))
        else:
            rel = self.word.part.relate_to(clean(run.href), RT.HYPERLINK, is_external=True)
            link.set(qn("r:id"), rel)
        link.set(qn("w:history"), "1")
        link.append(_text_run(run.text, bold=run.bold, italic=run.italic,
                              char_style=self.style_ids[HYPERLINK]))
        return link

    def _heading(self, heading: Heading) -> None:
        style = TITLE if heading.level <= 1 else HEADINGS[min(heading.level - 2, len(HEADINGS) - 1)]
        if style not in self.style_ids:  # deeper than the reference defines: use its deepest
            style = HEADINGS[2]
        p = self._paragraph([Run(heading.text)], style)
        self.bookmarks.place(p, heading.anchor)
        if heading.level <= 1 and self.doc.subtitle:
            self._paragraph([Run(self.doc.subtitle)], SUBTITLE)

    def _list(self, block: BulletList) -> None:
        style = LIST_NUMBER if block.ordered else LIST_BULLET
        num_id = self._restarted_numbering(style) if block.ordered else None
        for item in block.items:
            p = self._paragraph(item, style)
            if num_id is not None:  # each numbered list starts again at 1
                num_pr = _el("w:numPr")
                num_pr.append(_el("w:ilvl", val="0"))
                num_pr.append(_el("w:numId", val=str(num_id)))
                ppr = p.find(qn("w:pPr"))
                before = [el for el in ppr if el.tag in _BEFORE_NUMPR]
                before[-1].addnext(num_pr)

    def _restarted_numbering(self, style: str) -> int | None:
        """A new w:num on the style's numbering, restarting at 1; None if the style has none."""
        style_el = self.word.styles[style].element
        num_ids = style_el.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        if not num_ids:
            return None
        numbering = self.word.part.numbering_part.element
        num = numbering.num_having_numId(int(num_ids[0]))
        new = numbering.add_num(num.abstractNumId.val)
        new.add_lvlOverride(ilvl=0).add_startOverride(1)
        return new.numId

    def _contents(self, block: Contents) -> None:
        """A TOC field whose cached result already lists the sections, each linked to its heading.

        Word rebuilds the field, with page numbers, on open (w:updateFields). LibreOffice shows
        the cached result as it is, so the PDF gets a contents without page numbers rather than
        an 'update me' placeholder; page numbers are left out because none can be known here.
        """
        self._paragraph([Run(block.title)], TOC_HEADING)
        entries = list(self.edition.headings)
        if not entries:
            self._new_paragraph("Normal").extend(_field_runs(TOC_INSTRUCTION, TOC_PLACEHOLDER))
            return
        begin, instruction, separate, _, end = _field_runs(TOC_INSTRUCTION, "")
        for n, heading in enumerate(entries):
            p = self._new_paragraph(TOCS[heading.level - 2])
            if n == 0:
                p.extend([begin, instruction, separate])
            link = _el("w:hyperlink", anchor=self.bookmarks.name(heading.anchor), history="1")
            link.append(_text_run(heading.text))
            p.append(link)
        p.append(end)

    # --- tables ---

    def _table(self, table: Table) -> None:
        caption = self._paragraph([Run(table.caption)], CAPTION)
        _keep_with_next(caption)
        self.bookmarks.place(caption, table.anchor)
        tbl, rows = self._table_element(table)
        # Rows go in after the table is in the body: moving a filled table into the document
        # makes lxml re-home every row's namespaces, which grows with the square of the rows.
        self._append(tbl)
        for row in rows:
            tbl.append(row)

    def _table_element(self, table: Table) -> tuple[_Element, list[_Element]]:
        widths = self.metrics.column_widths(table, self._text_width())
        tbl = parse_xml(f"""<w:tbl {nsdecls('w')}><w:tblPr>
  <w:tblStyle w:val="{self.style_ids[TABLE_STYLE]}"/>
  <w:tblW w:w="{sum(widths)}" w:type="dxa"/>
  <w:tblLayout w:type="fixed"/>
  <w:tblLook w:val="{'06A0' if table.row_header else '0620'}" w:firstRow="1" w:lastRow="0"
     w:firstColumn="{int(table.row_header)}" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>
</w:tblPr><w:tblGrid>{''.join(f'<w:gridCol w:w="{w}"/>' for w in widths)}</w:tblGrid></w:tbl>""")
        tbl.find(qn("w:tblPr")).append(_el("w:tblCaption", val=clean(table.caption)[:255]))
        no_wrap = [c.kind in NO_WRAP_KINDS for c in table.columns]
        # A header cell may wrap between words ("Latest end | with options"); it is kept on one
        # line too when its whole title fits, so "Spend" or "End" never moves.
        header_no_wrap = [nw and self.metrics.fits(c.title, w, bold=True)
                          for c, w, nw in zip(table.columns, widths, no_wrap)]
        header = self._row_prototype(table.columns, widths, TABLE_HEADING, header_no_wrap,
                                     header=True)
        body = self._row_prototype(table.columns, widths, TABLE_TEXT, no_wrap)
        total = self._row_prototype(table.columns, widths, TABLE_TOTAL, no_wrap)
        rows = [_fill_row(header, [c.title for c in table.columns], table.anchor)]
        rows.extend(_fill_row(body, row, table.anchor) for row in table.rows)
        rows.extend(_fill_row(total, row, table.anchor) for row in table.totals)
        # No row is left alone on a page: the header stays with the first line, and the last two
        # rows (the last line and the total, or the last two lines) stay together.
        for row in {0, len(rows) - 2} if len(rows) > 2 else {0}:
            _keep_row_with_next(rows[row])
        return tbl, rows

    def _row_prototype(self, columns: tuple[Column, ...], widths: list[int], style: str,
                       no_wrap: list[bool], header: bool = False) -> _Element:
        """One row with empty cells, copied for every row: building XML once keeps 10,000 rows fast.

        w:noWrap marks the cells of money, number and date columns: the widths already give them
        room for their longest value, and Word keeps them whole if the table is set to autofit.
        """
        right = '<w:jc w:val="right"/>'
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{"<w:noWrap/>" if nw else ""}'
            f'</w:tcPr><w:p><w:pPr>'
            f'<w:pStyle w:val="{self.style_ids[style]}"/>{right if col.align == "right" else ""}'
            f'</w:pPr><w:r><w:t xml:space="preserve"></w:t></w:r></w:p></w:tc>'
            for col, w, nw in zip(columns, widths, no_wrap))
        # cantSplit: a row never breaks across pages; tblHeader: the header repeats on each page.
        row_pr = "<w:cantSplit/>" + ("<w:tblHeader/>" if header else "")
        return parse_xml(f"<w:tr {nsdecls('w')}><w:trPr>{row_pr}</w:trPr>{cells}</w:tr>")

    def _needs_landscape(self, table: Table) -> bool:
        """A table whose columns cannot all fit their longest word on a portrait page."""
        width, _ = self.portrait
        first = self.word.sections[0]
        text = _emu_to_twips(width - first.left_margin - first.right_margin)
        return self.metrics.too_wide(table, text)

    def _text_width(self) -> int:
        section = self.word.sections[-1]
        return _emu_to_twips(section.page_width - section.left_margin - section.right_margin)

    def _orient(self, landscape: bool) -> None:
        """Start a new section when the orientation changes (wide tables go landscape)."""
        if landscape == self.landscape:
            return
        self.landscape = landscape
        if len(self.word.element.body) <= 1:  # nothing written yet: turn the first page instead
            _set_orientation(self.word.sections[-1], landscape, self.portrait)
            return
        _set_orientation(self._section_break(), landscape, self.portrait)
        self.new_page = False  # the new section starts a page already

    def _section_break(self) -> Section:
        """End the current section at the last paragraph written and start a new one.

        The section's w:sectPr goes into that paragraph rather than into an extra empty one
        (python-docx's add_section), which could spill onto a blank page of its own. After a
        table there is no paragraph to hold it, so a one-point empty one is added. The new
        section has no footer references: it inherits ("same as previous") the first one's.
        """
        body = self.word.element.body
        sentinel = body.find(qn("w:sectPr"))
        last = sentinel.getprevious()
        if last is None or last.tag != qn("w:p") or last.xpath("./w:pPr/w:sectPr"):
            last = _el("w:p")
            ppr = last.get_or_add_pPr()
            ppr.append(_el("w:spacing", before="0", after="0", line="20", lineRule="exact"))
            mark = _el("w:rPr")
            mark.append(_el("w:sz", val="2"))
            ppr.append(mark)
            sentinel.addprevious(last)  # not _append: no space-after-table for this one
        last.set_sectPr(deepcopy(sentinel))
        for ref in sentinel.xpath("w:headerReference|w:footerReference"):
            sentinel.remove(ref)
        start = sentinel.find(qn("w:type"))
        if start is not None:
            sentinel.remove(start)  # no type: the new section starts on a new page
        return Section(sentinel, self.word.part)

    # --- figures ---

    def _picture(self, image: ChartImage) -> None:
        """One printed image of a chart, with its caption under it (its numbers are in the appendix)."""
        self.figures += 1
        p_el = self._new_paragraph("Normal")
        _keep_with_next(p_el)  # picture stays with its caption
        p = WordParagraph(p_el, self.word._body)
        width, height = self._picture_size(image.png)
        shape = p.add_run().add_picture(BytesIO(image.png.read_bytes()), width=width, height=height)
        doc_pr = shape._inline.docPr
        doc_pr.set("name", f"Figure {self.figures}")
        doc_pr.set("descr", clean(image.alt))  # the alt text screen readers announce
        doc_pr.set("title", clean(image.caption))
        for c_nv_pr in shape._inline.xpath(".//pic:cNvPr"):
            c_nv_pr.set("name", f"figure-{self.figures}.png")
        caption = self._paragraph([Run(image.caption)], CAPTION)
        if image.last:  # the caption stays with the link to the numbers; a part runs on freely
            _keep_with_next(caption)
        if image.first:
            self.bookmarks.place(caption, image.figure.anchor)

    def _picture_size(self, png: Path) -> tuple[Length, Length]:
        image = Image.from_file(str(png))
        section = self.word.sections[-1]
        max_width = min(MAX_PICTURE_WIDTH, section.page_width - section.left_margin
                        - section.right_margin)
        max_height = int((section.page_height - section.top_margin - section.bottom_margin) * 0.7)
        scale = min(max_width / image.px_width, max_height / image.px_height)
        return Emu(int(image.px_width * scale)), Emu(int(image.px_height * scale))

    # --- document-wide parts ---

    def _footers(self) -> None:
        """'Page X of Y' in the first section; later sections link to it ('same as previous')."""
        first = self.word.sections[0]
        footers = [first.footer]
        if first.different_first_page_header_footer:
            footers.append(first.first_page_footer)
        for footer in footers:
            if footer.is_linked_to_previous:
                footer.is_linked_to_previous = False
            if footer._element.xpath(".//w:instrText[contains(., 'PAGE')]"):
                continue  # the officer's own page numbering in the reference stays
            paragraphs = footer.paragraphs
            empty = paragraphs and not paragraphs[0].text and len(paragraphs) == 1
            add_page_x_of_y(paragraphs[0] if empty else footer.add_paragraph(),
                            self.style_ids[FOOTER])
        for section in self.word.sections[1:]:
            _link_footers(section)

    def _settings(self) -> None:
        """Ask Word to update fields (the TOC, page counts) on open; set the theme language."""
        settings = self.word.settings.element
        update = settings.find(qn("w:updateFields"))
        if update is None:
            update = _el("w:updateFields")
            later = [settings.find(qn(tag)) for tag in _AFTER_UPDATE_FIELDS]
            later = [el for el in later if el is not None]
            if later:
                min(later, key=settings.index).addprevious(update)
            else:
                settings.append(update)
        update.set(qn("w:val"), "true")
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:val"), self.doc.language)

    def _language(self) -> None:
        """Default proofing language (spell-check in British English for en-GB)."""
        styles = self.word.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = _el("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is None:
            rpr_default = _el("w:rPrDefault")
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(qn("w:rPr"))
        if rpr is None:
            rpr = _el("w:rPr")
            rpr_default.append(rpr)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = _el("w:lang")
            rpr.append(lang)  # w:lang is among the last rPr children
        lang.set(qn("w:val"), self.doc.language)

    def _core_properties(self) -> None:
        props = self.word.core_properties
        for child in list(props._element):  # drop whatever the reference carried
            props._element.remove(child)
        when = _as_datetime(self.doc.date)
        props.title = clean(self.doc.title)[:255]
        props.subject = clean(self.doc.subject)[:255]
        props.author = props.last_modified_by = clean(self.doc.author)[:255]
        props.keywords = clean("; ".join(self.doc.keywords))[:255]
        props.language = self.doc.language
        props.created = props.modified = props.last_printed = when
        props.revision = 1

    def _drop_thumbnail(self) -> None:
        # A thumbnail saved with the reference would show a page that is not this document.
        rels = self.word.part.package.rels
        for rId in [r for r, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
            del rels[rId]


# --- helpers ---------------------------------------------------------------------------------

def _style_ids(word: WordDocument) -> dict[str, str]:
    """Style name -> style id for every style the writer uses; fails early if any is missing."""
    kinds = {HYPERLINK: WD_STYLE_TYPE.CHARACTER, TABLE_STYLE: WD_STYLE_TYPE.TABLE}
    ids, missing = {}, []
    by_name = {(s.name or "").lower(): s for s in word.styles}  # Word writes "toc 1" for "TOC 1"
    for name in (*STYLE_NAMES, *HEADINGS[3:]):
        style = by_name.get(name.lower())
        if style is None:
            if name not in HEADINGS[3:]:  # Heading 4+ are optional extras
                missing.append(name)
            continue
        if style.type != kinds.get(name, WD_STYLE_TYPE.PARAGRAPH):
            missing.append(f"{name} (wrong type)")
            continue
        ids[name] = style.style_id
    if missing:
        raise ValueError("the reference .docx lacks styles the Word writer needs: "
                         + ", ".join(missing) + " (regenerate it: python -m pipeline.writers.reference_docx)")
    return ids


def _resolved_style(word: WordDocument, name_or_id: str, attribute: Callable) -> object:
    """The first value `attribute(style)` gives along the style's basedOn chain (None if none)."""
    style = next((s for s in word.styles
                  if s.style_id == name_or_id or (s.name or "").lower() == name_or_id.lower()), None)
    seen = set()
    while style is not None and style.style_id not in seen:
        seen.add(style.style_id)
        value = attribute(style)
        if value is not None:
            return value
        style = style.base_style
    return None


def _table_metrics(word: WordDocument) -> TableMetrics:
    """Column sizing at the reference's table font sizes and its table style's cell margins."""
    default = _style_font_size(word, TABLE_TEXT) or Pt(10)
    sizes = {kind: (_style_font_size(word, name) or default).pt
             for kind, name in ((BODY, TABLE_TEXT), (HEADING, TABLE_HEADING), (TOTAL, TABLE_TOTAL))}
    return TableMetrics(sizes, _cell_margins(word))


def _style_font_size(word: WordDocument, name: str) -> Length | None:
    return _resolved_style(word, name, lambda s: s.font.size)


def _style_space_before(word: WordDocument, style_id: str) -> int:
    return _resolved_style(word, style_id, lambda s: s.paragraph_format.space_before) or 0


def _cell_margins(word: WordDocument) -> int:
    """Left plus right cell margin of the table style, in twips (Word's default if unset)."""
    style = _resolved_style(word, TABLE_STYLE, lambda s: s)
    total = 0
    for side in ("left", "right"):
        found = style.element.xpath(f"./w:tblPr/w:tblCellMar/w:{side}/@w:w") \
            if style is not None else []
        total += int(found[0]) if found else 108  # 0.19 cm
    return total


def _fill_row(prototype: _Element, cells: Iterable[str], anchor: str) -> _Element:
    row = deepcopy(prototype)
    slots = row.findall(f"{qn('w:tc')}/{qn('w:p')}/{qn('w:r')}")
    values = list(cells)
    if len(values) > len(slots):
        raise ValueError(f"table {anchor!r}: a row has {len(values)} cells "
                         f"but the table has {len(slots)} columns")
    for r, value in zip(slots, values):
        if _BREAKS.search(value) or _NOT_XML.search(value):
            r.remove(r[0])
            _append_text(r, value)
        else:
            r[0].text = value  # fast path: plain text into the prototype's empty w:t
    return row


def _keep_row_with_next(row: _Element) -> None:
    for tc in row.iterchildren(qn("w:tc")):
        _keep_with_next(tc.find(qn("w:p")))


def _keep_with_next(p: _Element) -> None:
    p.find(qn("w:pPr")).find(qn("w:pStyle")).addnext(_el("w:keepNext"))


def _set_orientation(section: Section, landscape: bool, portrait: tuple[int, int]) -> None:
    width, height = portrait
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)


def _link_footers(section: Section) -> None:
    """Make `section` use the previous section's footers (no footer references of its own)."""
    for ref in section._sectPr.xpath("w:footerReference"):
        section._sectPr.remove(ref)


def _as_datetime(value: date) -> datetime:
    """The edition date as a UTC datetime (midnight for a plain date); never the clock."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
            else value.astimezone(timezone.utc)
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def _zip_time(value: date) -> tuple[int, int, int, int, int, int]:
    when = _as_datetime(value)
    if when.year < 1980:
        return ZIP_EPOCH
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)
