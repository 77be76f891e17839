"""The document model: the paper as plain data, built once and handed to every writer.

Writers (HTML, Word) only lay these blocks out; they never compute or word anything themselves.
Every string here is final, literal text: writers must escape it, never interpret it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, Union


@dataclass(frozen=True)
class Run:
    """A piece of inline text. `href` makes it a link (external URL or '#anchor')."""
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    # A link only the HTML edition makes ('#anchor' of web-only content, such as a service card);
    # Word and PDF show the text alone.
    web_href: str | None = None


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = the document title only; sections start at 2
    text: str
    anchor: str  # unique id, usable as an HTML id and a Word bookmark name


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    role: Literal["body", "lead", "note", "warning"] = "body"


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Run, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class Column:
    title: str
    align: Literal["left", "right"] = "left"
    kind: Literal["text", "money", "date", "number"] = "text"
    width: float = 1.0  # relative width, used by Word for the column layout


@dataclass(frozen=True)
class Table:
    anchor: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]  # cells already formatted (money as "£1,234", dates as "31/03/2025")
    totals: tuple[tuple[str, ...], ...] = ()  # footer rows, e.g. ("TOTAL", "", "", "", "£4,654,011")
    wide: bool = False  # Word puts it in a landscape section
    row_header: bool = False  # first cell of each row names the row (th scope="row" in HTML)
    web_only: bool = False  # detail for the HTML edition only: the print editions (Word, PDF) leave it out
    # What the print editions (Word, PDF) show instead of a table too long for a paper: a shorter
    # table and a note saying where every line is (see paper.summarise); () = the table itself.
    summary: tuple["Block", ...] = ()
    # Per row, the '#anchor' of web-only content about it ("" for none): the HTML edition links the
    # row's `link_column` cell there; Word and PDF ignore it.
    links: tuple[str, ...] = ()
    link_column: int = 0
    print_only: bool = False  # left out of the HTML edition, which shows the same numbers as a chart's data


@dataclass(frozen=True)
class Figure:
    anchor: str
    caption: str  # the chart's title, shown as the caption
    alt: str  # short text alternative stating the main finding
    svg: Path  # for the HTML edition (inlined)
    png: Path  # for the Word edition, at print resolution
    data: Table  # the numbers behind the chart
    web_only: bool = False  # shown in the HTML edition only (its numbers are already a table of the printed paper)


@dataclass(frozen=True)
class Contents:
    """Table of contents: a TOC field in Word, a list of section links in HTML."""
    title: str = "Contents"


@dataclass(frozen=True)
class Card:
    """A summary of one service, in the HTML edition only (Document.web): what it costs, what it
    delivers, its outcomes and its next decision, as (label, text) rows."""
    anchor: str
    title: str
    subtitle: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Cards:
    """The service cards (web-only), behind one disclosure whose summary says what they are: a phone
    scrolls past them in one line, and a link to a card opens the disclosure at that card."""
    summary: str
    cards: tuple[Card, ...]


Block = Union[Heading, Paragraph, BulletList, Table, Figure, Contents, Card, Cards]


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    author: str
    subject: str
    date: date  # taken from the edition, never the clock, so builds are reproducible
    blocks: tuple[Block, ...]
    language: str = "en-GB"
    keywords: tuple[str, ...] = field(default=())
    # The front sheet for the Police and Crime Panel: shown before everything else (one page in Word).
    front: tuple[Block, ...] = field(default=())
    version: str = ""  # e.g. "1.0" or "Draft"; printed with the publication date
    published: date | None = None  # publication or meeting date from the edition's paper.toml
    contact: str = ""  # who to ask about the paper (name and e-mail), for the web page and front sheet
    # Files published beside the paper, as (what it is, file name in the same folder), e.g.
    # ("Word edition", "commissioning-framework-2024-25.docx"); the HTML edition links them.
    downloads: tuple[tuple[str, str], ...] = field(default=())
    # Blocks published in the HTML edition only, after the paper's body (the full register, the charts'
    # detail, the service cards): the print editions keep to the Panel's page budget and link to the
    # web edition. Links to it are Run.web_href and Table.links.
    web: tuple[Block, ...] = field(default=())
    # Whether the print editions gather the charts' data tables in an appendix; the paper keeps them
    # to the web edition and the downloads when its page budget is tight.
    print_chart_data: bool = True

    def headings(self) -> tuple[Heading, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Heading))
