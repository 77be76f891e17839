"""The finished document model checked once, at the end of composing: the writers (HTML, Word, PDF)
trust what passes and never check it again.

What is checked here is true of the paper whichever edition lays it out: every table is well formed
(as many cells in each row as it has columns) and every link has visible text and leads to a web page,
an e-mail address, a telephone number or a place in the paper. A link that does anything else
(javascript:, file:, data:) would be an action a browser or a PDF reader runs. What only one edition
needs (the HTML page's ids unique and every '#anchor' on it, say) stays with its writer.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlsplit

from .model import Block, BulletList, Document, Figure, Heading, Paragraph, Run, Table

SAFE_SCHEMES = ("http", "https", "mailto", "tel")


def checked(doc: Document) -> Document:
    """`doc` itself, once it passes; otherwise a ValueError naming the first block that does not."""
    for part, blocks in _parts(doc):
        for n, block in enumerate(blocks, 1):
            for table in _tables(block):
                _check_table(table)
            for where, runs in _runs(block, f"{part} {n} ({type(block).__name__})"):
                _check_links(runs, where)
    return doc


def _parts(doc: Document) -> tuple[tuple[str, tuple[Block, ...]], ...]:
    """The paper's parts as the web page numbers their blocks: the title (a first level-1 heading) apart."""
    body = doc.blocks
    if body and isinstance(body[0], Heading) and body[0].level == 1:
        body = body[1:]
    return ("front sheet block", doc.front), ("block", body), ("web-only block", doc.web)


def _tables(block: Block) -> Iterator[Table]:
    """The block's tables: itself, a figure's data, and what the print editions show instead of it."""
    if isinstance(block, Figure):
        yield block.data
    elif isinstance(block, Table):
        yield block
        for shorter in block.summary:
            yield from _tables(shorter)


def _runs(block: Block, where: str) -> Iterator[tuple[str, tuple[Run, ...]]]:
    if isinstance(block, Paragraph):
        yield where, block.runs
    elif isinstance(block, BulletList):
        for item in block.items:
            yield where, item
    elif isinstance(block, Table):
        for n, shorter in enumerate(block.summary, 1):
            yield from _runs(shorter, f"{where} summary {n} ({type(shorter).__name__})")


def _check_table(table: Table) -> None:
    width = len(table.columns)
    if not width:
        raise ValueError(f"table {table.anchor!r}: a table needs at least one column")
    for kind, rows in (("row", table.rows), ("totals row", table.totals)):
        for n, row in enumerate(rows, 1):
            if len(row) != width:
                raise ValueError(f"table {table.anchor!r}: {kind} {n} has {len(row)} cells "
                                 f"but the table has {width} columns")


def _check_links(runs: tuple[Run, ...], where: str) -> None:
    for run in runs:
        for href in (run.href, run.web_href):
            if href is None:
                continue
            cleaned = re.sub(r"[\x00-\x20]", "", href)  # browsers ignore these inside a scheme
            scheme = urlsplit(cleaned).scheme.lower()
            if not cleaned or (scheme and scheme not in SAFE_SCHEMES) or (not scheme and not cleaned.startswith("#")):
                raise ValueError(f"{where}: link {run.text!r} leads to {href!r}; a link in the paper must start "
                                 f"with {', '.join(s + ':' for s in SAFE_SCHEMES)} or '#'")
            if not run.text.strip():
                raise ValueError(f"{where}, link {run.text!r}: a link needs visible text")
