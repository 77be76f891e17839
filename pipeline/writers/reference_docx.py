"""Generates templates/reference.docx: the styles and page set-up the Word edition is built on.

The Word writer only ever refers to styles by name, so an officer can restyle the paper by opening
templates/reference.docx in Word, changing the styles and saving it. Regenerate it from code with
`python -m pipeline.reference_docx` (this overwrites any changes made in Word).
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import BaseStyle

from .. import page
from .reproducible import normalise_zip
from ..template_files import TEMPLATES
from .docx import (CAPTION, FOOTER, HEADINGS, HYPERLINK, LIST_BULLET, LIST_NUMBER,
                         ROLE_STYLES, SUBTITLE, TABLE_HEADING, TABLE_STYLE, TABLE_TEXT,
                         TABLE_TOTAL, TITLE, TOC_HEADING, TOCS, add_page_x_of_y)

DEFAULT_PATH = TEMPLATES / "reference.docx"

FONT = "Arial"
NAVY = RGBColor(0x1F, 0x38, 0x64)  # headings and captions: about 11.6:1 contrast on white
DARK_GREY = RGBColor(0x40, 0x40, 0x40)
LINK_BLUE = RGBColor(0x05, 0x63, 0xC1)
HEADER_FILL = "D9E2F3"  # table header row: pale blue, black text stays readable
RULE = "7F7F7F"  # table borders

LEAD, NOTE, WARNING = ROLE_STYLES["lead"], ROLE_STYLES["note"], ROLE_STYLES["warning"]


def make_reference(path: Path) -> None:
    """Write the reference .docx to `path` (A4 portrait, Arial, accessible heading styles)."""
    word = docx.Document()
    word.element.body.clear_content()
    _drop_thumbnail(word)
    _page_setup(word)
    _base_font(word)
    _heading_styles(word)
    _text_styles(word)
    _table_styles(word)
    _footer(word)
    _compatibility(word)
    props = word.core_properties
    props.title = "Reference document for the Commissioning Framework (styles only)"
    props.author = props.last_modified_by = "pipeline.reference_docx"
    props.revision = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    word.save(str(path))
    # Same fixed zip layout as the Word edition, so regenerating it gives an unchanged file.
    path.write_bytes(normalise_zip(path.read_bytes()))


def _drop_thumbnail(word: WordDocument) -> None:
    # python-docx's default template carries a thumbnail of a blank page; Explorer would show it.
    rels = word.part.package.rels
    for rId in [r for r, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rId]


def _page_setup(word: WordDocument) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(page.WIDTH_CM), Cm(page.HEIGHT_CM)  # A4 (pipeline/page.py)
    section.left_margin = section.right_margin = Cm(page.MARGIN_CM)  # 16 cm of text width
    section.top_margin = section.bottom_margin = Cm(page.MARGIN_CM)
    section.header_distance = section.footer_distance = Cm(1.25)


def set_font_name(style: BaseStyle, name: str = FONT) -> None:
    """Name the font for every script, dropping theme fonts (they would take precedence)."""
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(script), name)


def _base_font(word: WordDocument) -> None:
    styles_el = word.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(script), FONT)
    rpr.find(qn("w:lang")).set(qn("w:val"), "en-GB")
    normal = word.styles["Normal"]
    set_font_name(normal)
    normal.font.size = Pt(11)
    fmt = normal.paragraph_format
    fmt.space_after = Pt(8)
    fmt.line_spacing = 1.15


# Word's own (lower-case) names for built-in styles the template lacks; Word matches built-in
# styles by name, so a custom "TOC 1" would sit beside Word's "toc 1" instead of being it.
_BUILT_IN = {"TOC 1": "toc 1", "TOC 2": "toc 2", "TOC 3": "toc 3", HYPERLINK: "Hyperlink"}


def _style(word: WordDocument, name: str, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH,
           base: str | None = "Normal") -> BaseStyle:
    """Get the named style, adding it (based on `base`) if the template lacks it."""
    try:
        style = word.styles[name]
    except KeyError:
        style = word.styles.add_style(name, kind)
        if base:
            style.base_style = word.styles[base]
        if name in _BUILT_IN:
            style.element.attrib.pop(qn("w:customStyle"), None)
            style.element.name_val = _BUILT_IN[name]
            style.element.styleId = name.replace(" ", "")
    style.hidden = False
    style.unhide_when_used = False
    style.quick_style = True
    return style


def _colour(style: BaseStyle, rgb: RGBColor) -> None:
    style.font.color.rgb = rgb  # python-docx also removes any theme colour


def _no_letter_spacing(style: BaseStyle) -> None:
    # The template's Title/Subtitle space their letters out, which reads badly in Arial.
    for el in style.element.xpath("./w:rPr/w:spacing | ./w:rPr/w:kern"):
        el.getparent().remove(el)


def _heading_styles(word: WordDocument) -> None:
    title = _style(word, TITLE)
    set_font_name(title)
    title.font.size, title.font.bold = Pt(24), True
    _colour(title, NAVY)
    # keep the template's rule under the title, in navy
    for bottom in title.element.xpath("./w:pPr/w:pBdr/w:bottom"):
        bottom.set(qn("w:color"), str(NAVY))
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            bottom.attrib.pop(qn(attr), None)
    title.paragraph_format.space_after = Pt(6)

    subtitle = _style(word, SUBTITLE)
    set_font_name(subtitle)
    subtitle.font.size, subtitle.font.italic = Pt(14), False
    _colour(subtitle, DARK_GREY)
    subtitle.paragraph_format.space_after = Pt(18)
    for style in (title, subtitle):
        _no_letter_spacing(style)
    for num_pr in subtitle.element.xpath("./w:pPr/w:numPr"):  # a stray list level in the template
        num_pr.getparent().remove(num_pr)

    for level, size, before in ((1, 16, 18), (2, 13, 14), (3, 11, 12)):
        heading = _style(word, HEADINGS[level - 1])
        set_font_name(heading)
        heading.font.size, heading.font.bold, heading.font.italic = Pt(size), True, False
        _colour(heading, NAVY)
        fmt = heading.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(6)
        fmt.keep_with_next = True

    toc_heading = _style(word, TOC_HEADING, base=HEADINGS[0])
    toc_heading.paragraph_format.space_before = Pt(6)
    text_width = Cm(page.TEXT_WIDTH_CM)
    for level, name in enumerate(TOCS):
        toc = _style(word, name)
        fmt = toc.paragraph_format
        fmt.left_indent = Cm(0.6 * level)
        fmt.space_after = Pt(3)
        fmt.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def _text_styles(word: WordDocument) -> None:
    caption = _style(word, CAPTION)
    caption.font.size, caption.font.bold, caption.font.italic = Pt(10), True, False
    _colour(caption, NAVY)
    caption.paragraph_format.space_before, caption.paragraph_format.space_after = Pt(6), Pt(4)

    for name in (LIST_BULLET, LIST_NUMBER):
        _style(word, name).paragraph_format.space_after = Pt(4)

    lead = _style(word, LEAD)
    lead.font.size = Pt(13)
    lead.paragraph_format.space_after = Pt(12)

    note = _style(word, NOTE)
    note.font.size, note.font.italic = Pt(10), True
    _colour(note, DARK_GREY)
    note.paragraph_format.left_indent = Cm(0.4)
    _paragraph_border(note, "left", "A6A6A6", size=18, space=6)

    warning = _style(word, WARNING)
    warning.font.bold = True
    fmt = warning.paragraph_format
    fmt.left_indent = fmt.right_indent = Cm(0.3)
    fmt.space_before = fmt.space_after = Pt(10)
    for side in ("top", "left", "bottom", "right"):
        _paragraph_border(warning, side, "C00000", size=12, space=4)
    _paragraph_shading(warning, "FCE4E4")

    link = _style(word, HYPERLINK, WD_STYLE_TYPE.CHARACTER, base=None)
    _colour(link, LINK_BLUE)
    link.font.underline = True

    footer = _style(word, FOOTER)
    footer.font.size = Pt(9)
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    table_text = _style(word, TABLE_TEXT)
    table_text.font.size = Pt(10)
    fmt = table_text.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(2), Pt(2), 1.0
    for name in (TABLE_HEADING, TABLE_TOTAL):
        _style(word, name, base=TABLE_TEXT).font.bold = True


def _paragraph_border(style: BaseStyle, side: str, colour: str, size: int, space: int) -> None:
    ppr = style.element.get_or_add_pPr()
    pbdr = ppr.find(qn("w:pBdr"))
    if pbdr is None:
        pbdr = parse_xml(f"<w:pBdr {nsdecls('w')}/>")
        # pBdr follows keepNext/keepLines/pageBreakBefore/framePr/widowControl/numPr in pPr.
        _insert_ppr_child(ppr, pbdr, after=("w:pStyle", "w:keepNext", "w:keepLines",
                                            "w:pageBreakBefore", "w:framePr", "w:widowControl",
                                            "w:numPr", "w:suppressLineNumbers"))
    pbdr.append(parse_xml(f'<w:{side} {nsdecls("w")} w:val="single" w:sz="{size}" '
                          f'w:space="{space}" w:color="{colour}"/>'))


def _paragraph_shading(style: BaseStyle, fill: str) -> None:
    ppr = style.element.get_or_add_pPr()
    shd = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    _insert_ppr_child(ppr, shd, after=("w:pStyle", "w:keepNext", "w:keepLines",
                                       "w:pageBreakBefore", "w:framePr", "w:widowControl",
                                       "w:numPr", "w:suppressLineNumbers", "w:pBdr"))


def _insert_ppr_child(ppr, child, after: tuple[str, ...]) -> None:
    """Insert `child` into pPr after the last of `after` present (Word checks element order)."""
    predecessors = [el for el in ppr if el.tag in {qn(t) for t in after}]
    if predecessors:
        predecessors[-1].addnext(child)
    else:
        ppr.insert(0, child)


def _table_styles(word: WordDocument) -> None:
    """'Data Table': ruled grid, shaded bold header row, bold first column for row headers."""
    border = f'w:val="single" w:sz="4" w:space="0" w:color="{RULE}"'
    sides = "".join(f"<w:{s} {border}/>" for s in ("top", "left", "bottom", "right",
                                                     "insideH", "insideV"))
    style = parse_xml(f"""
<w:style {nsdecls('w')} w:type="table" w:customStyle="1" w:styleId="DataTable">
  <w:name w:val="{TABLE_STYLE}"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="40"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:tblPr>
    <w:tblBorders>{sides}</w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>
      <w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:bCs/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="firstCol">
    <w:rPr><w:b/><w:bCs/></w:rPr>
  </w:tblStylePr>
</w:style>""")
    word.styles.element.append(style)


def _compatibility(word: WordDocument) -> None:
    # Word 2013+ layout rules; python-docx's template says Word 2010, which Word flags as
    # "Compatibility Mode" in the title bar.
    for setting in word.settings.element.xpath(
            "./w:compat/w:compatSetting[@w:name='compatibilityMode']"):
        setting.set(qn("w:val"), "15")


def _footer(word: WordDocument) -> None:
    footer = word.sections[0].footer
    footer.is_linked_to_previous = False
    add_page_x_of_y(footer.paragraphs[0], word.styles[FOOTER].style_id)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    make_reference(target)
    print(f"wrote {target}")
