"""Turn the rendered paper source (CommonMark) into document-model blocks.

Only a small, predictable subset is used: headings, paragraphs, bullet and numbered lists,
block quotes (notes and warnings), bold, italic and links. Raw HTML is not interpreted: it stays text.
Tables and figures arrive as placeholders (`@@block:N@@`) that the composer fills in.
"""

from __future__ import annotations

import re
from typing import Callable

from markdown_it import MarkdownIt

from .model import Block, BulletList, Heading, Paragraph, Run

PLACEHOLDER = re.compile(r"^@@block:(\d+)@@$")
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _runs(children) -> tuple[Run, ...]:
    runs: list[Run] = []
    bold = italic = False
    href: str | None = None
    for tok in children:
        if tok.type == "strong_open":
            bold = True
        elif tok.type == "strong_close":
            bold = False
        elif tok.type == "em_open":
            italic = True
        elif tok.type == "em_close":
            italic = False
        elif tok.type == "link_open":
            href = tok.attrs.get("href")
        elif tok.type == "link_close":
            href = None
        elif tok.type in ("text", "code_inline", "html_inline"):
            if tok.content:
                runs.append(Run(tok.content, bold, italic, href))
        elif tok.type in ("softbreak", "hardbreak"):
            runs.append(Run(" ", bold, italic, href))
    merged: list[Run] = []
    for run in runs:  # join neighbours with the same formatting so writers emit fewer runs
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].href) == (run.bold, run.italic, run.href):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic, run.href)
        else:
            merged.append(run)
    return tuple(merged)


def plain(runs: tuple[Run, ...]) -> str:
    return "".join(r.text for r in runs)


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "section"


def to_blocks(source: str, placeholder: Callable[[int], Block]) -> list[Block]:
    tokens = _parser.parse(source)
    blocks: list[Block] = []
    anchors: set[str] = set()
    quote_depth = 0
    items: list[tuple[Run, ...]] | None = None
    ordered = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            text = plain(_runs(tokens[i + 1].children or []))
            anchor, n = slug(text), 2
            while anchor in anchors:
                anchor, n = f"{slug(text)}-{n}", n + 1
            anchors.add(anchor)
            blocks.append(Heading(int(tok.tag[1]), text, anchor))
            i += 3
            continue
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            items, ordered = [], tok.type == "ordered_list_open"
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            blocks.append(BulletList(tuple(items or ()), ordered))
            items = None
        elif tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        elif tok.type == "inline":
            runs = _runs(tok.children or [])
            m = PLACEHOLDER.match(tok.content.strip())
            if items is not None:
                if items and tokens[i - 1].type == "paragraph_open" and tokens[i - 2].type != "list_item_open":
                    items[-1] = items[-1] + (Run(" "),) + runs  # a second paragraph in the same item
                else:
                    items.append(runs)
            elif m:
                blocks.append(placeholder(int(m.group(1))))
            elif runs:
                role = "body"
                if quote_depth:
                    role = "warning" if plain(runs).lower().startswith("warning") else "note"
                blocks.append(Paragraph(runs, role))
        i += 1
    return blocks
