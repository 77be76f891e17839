"""What the print editions (Word and PDF) lay out, from the same document model as the web page.

In print, a chart's data table would split the argument it illustrates (and often leaves a page a
third empty), so each figure is printed with a link to its table, and the tables are gathered in
an appendix at the end. A chart drawn in print parts (see paper.chart_files) is printed part after
part, each part with its caption. The few words this adds live in templates/print/words.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import template_files
from ..paper.chart_files import print_images
from ..paper.model import Block, BulletList, Document, Figure, Heading, Paragraph, Table

# Characters XML 1.0 cannot hold: C0 controls bar tab/LF/CR, lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
WORDS = Path("print") / "words.toml"
CHART_DATA_ANCHOR = "appendix-chart-data"


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (Word refuses the file, HTML parsers the page)."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class PrintWords:
    chart_data_title: str
    chart_data_link: str
    page: str
    continued: str  # "{caption} (continued)"
    page_x_of_y: str  # "Page {page} of {pages}"


def load_words(templates_dir: Path | None = None) -> PrintWords:
    """The print words from `templates_dir`/print/words.toml (the project's own if that folder has none)."""
    return template_files.load_words(PrintWords, WORDS, templates_dir)


@dataclass(frozen=True)
class ChartImage:
    """One printed image of a figure: the whole chart, or one of its print parts."""
    figure: Figure
    png: Path
    caption: str
    alt: str
    first: bool  # the first image carries the figure's anchor and its full text alternative
    last: bool = True  # the last image is followed by the link to the chart's numbers


@dataclass(frozen=True)
class DataLink:
    """The line under a printed chart that leads to its numbers in the appendix."""
    text: str
    anchor: str  # the data table's anchor


PrintBlock = Block | ChartImage | DataLink


@dataclass(frozen=True)
class PrintEdition:
    front: tuple[Block, ...]  # the front sheet: a page of its own
    body: tuple[PrintBlock, ...]  # the paper, then the appendix of chart data
    headings: tuple[Heading, ...]  # what the contents lists (levels 2-4), appendix included
    # The paper's title at the head of the front sheet, so the sheet names the report it fronts
    # ("" when there is no front sheet, or when the sheet names the paper already).
    front_title: str = ""


def chart_images(figure: Figure, words: PrintWords) -> tuple[ChartImage, ...]:
    images = print_images(figure.png)
    continued = words.continued.format(caption=figure.caption)
    return tuple(ChartImage(figure, png, figure.caption if n == 0 else continued,
                            figure.alt if n == 0 else continued, n == 0, n == len(images) - 1)
                 for n, png in enumerate(images))


def printed(blocks) -> tuple[Block, ...]:
    """`blocks` as the print editions show them: a table too long for a paper replaced by its summary,
    and detail the web page carries (web_only) left out, so the printed paper stays within its budget."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, (Table, Figure)) and block.web_only:
            continue
        if isinstance(block, Table) and block.summary:
            out.extend(block.summary)
        else:
            out.append(block)
    return tuple(out)


def print_edition(doc: Document, words: PrintWords,
                  too_wide: Callable[[Table], bool] = lambda table: False) -> PrintEdition:
    """The document as printed: figures without their tables, the tables in a closing appendix.
    `too_wide` tells which tables the writer will turn landscape (besides those marked wide)."""
    body: list[PrintBlock] = []
    tables: list[Table] = []
    anchors = {b.anchor for b in (*doc.front, *doc.blocks) if isinstance(b, (Heading, Table, Figure))}
    for block in printed(doc.blocks):
        if isinstance(block, Figure):
            body.extend(chart_images(block, words))
            if doc.print_chart_data:  # else the numbers are in the web edition and downloads only
                body.append(DataLink(words.chart_data_link, block.data.anchor))
                tables.append(block.data)
        else:
            body.append(block)
    if tables:
        anchor, n = CHART_DATA_ANCHOR, 2
        while anchor in anchors:
            anchor, n = f"{CHART_DATA_ANCHOR}-{n}", n + 1
        body.append(Heading(2, words.chart_data_title, anchor))
        # Tables that need a landscape page go last: one change of orientation, not one per table.
        body.extend(sorted(tables, key=lambda t: t.wide or too_wide(t)))
    front = printed(doc.front)
    headings = tuple(b for b in (*front, *body) if isinstance(b, Heading) and 2 <= b.level <= 4)
    named = any(_text(b) == " ".join(doc.title.split()) for b in front)
    return PrintEdition(front, tuple(body), headings,
                        doc.title if doc.front and not named else "")


def _text(block: Block) -> str:
    if isinstance(block, Heading):
        return " ".join(block.text.split())
    if isinstance(block, Paragraph):
        return " ".join("".join(r.text for r in block.runs).split())
    return ""


_TEXT = (Paragraph, BulletList, DataLink)


def orientations(items: list[PrintBlock],
                 too_wide: Callable[[Table], bool] = lambda table: False) -> list[bool]:
    """Landscape for each wide table (a chart's data table in the appendix too, and any table
    `too_wide` for a portrait page), and for the text that leads into it: the section heading(s)
    just before it with the paragraphs and lists between heading and table. Without this look-ahead the heading
    and its introduction would be stranded on a nearly blank portrait page before the section
    break.

    Text between two landscape parts stays landscape too, rather than filling a portrait page
    of its own between two section breaks.
    """
    def wide(item: PrintBlock) -> bool:
        return isinstance(item, Table) and (item.wide or too_wide(item))

    def section_heading(item: PrintBlock) -> bool:
        return isinstance(item, Heading) and item.level > 1

    landscape = [wide(item) for item in items]
    for i, item in enumerate(items):
        if not wide(item):
            continue
        intro = i
        while intro > 0 and isinstance(items[intro - 1], _TEXT):
            intro -= 1
        heading = intro
        while heading > 0 and section_heading(items[heading - 1]):
            heading -= 1
        if heading < intro:  # the lead-in opens with a heading: it moves with the table
            for j in range(heading, i):
                landscape[j] = True
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and not landscape[j] and (isinstance(items[j], _TEXT)
                                                        or section_heading(items[j])):
            j += 1
        if j > i and i > 0 and j < len(items) and landscape[i - 1] and landscape[j]:
            for k in range(i, j):
                landscape[k] = True
        i = max(j, i + 1)
    return landscape
