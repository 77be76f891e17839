"""Turn the rendered paper source (CommonMark) into document-model blocks.

Only a small, predictable subset is used: headings, paragraphs, bullet and numbered lists,
block quotes (notes and warnings), bold, italic and links. Raw HTML is not interpreted: it stays text.
Tables and figures arrive as placeholders (`@@block:N@@`) that the composer fills in; each prose
file's text arrives between marker paragraphs (`@@prose:N@@` ... `@@prose-end:N@@`), so a heading or
link that would break the paper is reported against the prose file and line it was written on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from ..problems import Problem, InputError
from .check import SAFE_SCHEMES
from .model import Block, BulletList, Figure, Heading, Paragraph, Run, Table

PLACEHOLDER = re.compile(r"^@@block:(\d+)@@$")
# A link address starting with this is web-only (Run.web_href): "web:#line-vs-001" links a service's
# card in the HTML edition and is plain text in Word and PDF.
WEB_LINK = "web:"
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _runs(children) -> tuple[Run, ...]:
    runs: list[Run] = []
    bold = italic = False
    href: str | None = None
    web: str | None = None
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
            if href and href.startswith(WEB_LINK):  # a link the HTML edition alone makes (templates only)
                href, web = None, href[len(WEB_LINK):]
        elif tok.type == "link_close":
            href = web = None
        elif tok.type in ("text", "code_inline", "html_inline"):
            if tok.content:
                runs.append(Run(tok.content, bold, italic, href, web))
        elif tok.type in ("softbreak", "hardbreak"):
            runs.append(Run(" ", bold, italic, href, web))
    merged: list[Run] = []
    for run in runs:  # join neighbours with the same formatting so writers emit fewer runs
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].href, merged[-1].web_href) == \
                (run.bold, run.italic, run.href, run.web_href):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic, run.href, run.web_href)
        else:
            merged.append(run)
    return tuple(merged)


def plain(runs: tuple[Run, ...]) -> str:
    return "".join(r.text for r in runs)


def slug(text: str) -> str:
    """An anchor from heading text: lower-case words joined by '-', always starting with a letter
    (Word bookmarks and HTML ids need one), so "2025 plans" gives "section-2025-plans"."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not s:
        return "section"
    return s if s[0].isalpha() else f"section-{s}"


# Ids the page itself uses (the title heading, the main landmark, the contents), never given to a heading.
RESERVED_ANCHORS = frozenset({"title", "main", "contents", "top"})
PROSE_BEGIN = re.compile(r"^@@prose:(\d+)@@$")
PROSE_END = re.compile(r"^@@prose-end:(\d+)@@$")


@dataclass(frozen=True)
class Source:
    """A prose file as written and as rendered, so a message can name the line the officer wrote."""
    file: str
    text: str
    rendered: str


def prose_markers(index: int, rendered: str) -> str:
    """Rendered prose wrapped in marker paragraphs, so to_blocks knows which file each block came from."""
    return f"\n\n@@prose:{index}@@\n\n{rendered}\n\n@@prose-end:{index}@@\n\n"


class _Lines:
    """A prose file's written and rendered lines, split once: a file with thousands of faulty headings
    is looked up line by line, never searched whole for each."""

    def __init__(self, src: Source):
        self.written = src.text.splitlines()
        self.rendered = src.rendered.splitlines()
        self.by_text: dict[str, list[int]] = {}
        for i, line in enumerate(self.written):
            self.by_text.setdefault(line.strip(), []).append(i)


def _nearest(hits: list[int], index: int) -> int:
    from bisect import bisect_left

    at = bisect_left(hits, index)
    near = [h for h in hits[max(at - 1, 0):at + 1]]
    return min(near, key=lambda i: abs(i - index))


def _source_line(lines: _Lines, rendered_index: int, needle: str | None = None) -> int:
    """The line of the prose file that produced line `rendered_index` of its rendered text (1-based)."""
    if needle is not None:
        hits = [i for i, line in enumerate(lines.written) if needle in line]  # links: rare, one search each
    else:
        wanted = lines.rendered[rendered_index].strip() if 0 <= rendered_index < len(lines.rendered) else ""
        hits = lines.by_text.get(wanted, []) if wanted else []
    if hits:
        return _nearest(hits, rendered_index) + 1
    return max(rendered_index, 0) + 1


@dataclass
class _Origin:
    """Where a block came from: a prose file (index into sources) and its first line in the rendered paper."""
    prose: int | None
    line: int  # 0-based line in the rendered paper
    begin: int  # 0-based line in the rendered paper where that prose's text starts


def to_blocks(source: str, placeholder: Callable[[int], Block], prose: Sequence[Source] = (),
              skeleton: str = "templates/paper.md", max_headings: int | None = None) -> list[Block]:
    """Blocks of the rendered paper. Headings get unique anchors that start with a letter; headings
    and links that would break the paper are refused, naming the prose file and line they come from."""
    tokens = _parser.parse(source)
    blocks: list[Block] = []
    origins: list[_Origin] = []
    problems: list[Problem] = []
    open_prose: list[tuple[int, int]] = []  # (prose index, rendered line where its text begins)
    enclosing: dict[int, int] = {}  # prose index -> level of the heading it sits under
    quote_depth = 0
    items: list[tuple[Run, ...]] | None = None
    ordered = False
    level = 0  # the last heading level so far
    split: dict[int, _Lines] = {}  # prose index -> its lines, split on the first message about it
    headings: dict[int, int] = {}  # prose index -> headings so far

    def origin(tok) -> _Origin:
        line = tok.map[0] if tok.map else 0
        if open_prose:
            k, begin = open_prose[-1]
            return _Origin(k, line, begin)
        return _Origin(None, line, 0)

    def complain(where: _Origin, message: str, needle: str | None = None) -> None:
        if where.prose is not None and where.prose < len(prose):
            src = prose[where.prose]
            if where.prose not in split:
                split[where.prose] = _Lines(src)
            line = _source_line(split[where.prose], where.line - where.begin, needle)
            problems.append(Problem(f"{src.file}, line {line}", None, None, "", message))
        else:
            problems.append(Problem(f"{skeleton} (rendered line {where.line + 1})", None, None, "", message))

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            runs = _runs(tokens[i + 1].children or [])
            text = plain(runs)
            n = int(tok.tag[1])
            where = origin(tok)
            if where.prose is not None:
                headings[where.prose] = headings.get(where.prose, 0) + 1
                if max_headings is not None and headings[where.prose] == max_headings + 1:
                    # Every heading is a section in each edition, its contents and bookmarks: refused here,
                    # before the writers spend time on thousands of them.
                    complain(where, f"this file has more than {max_headings:,} headings, the most one prose file "
                                    "may hold; a section of the paper needs far fewer (or raise prose_headings "
                                    "under [limits] in data/config.toml)")
                outer = enclosing.get(where.prose, 0)
                marks = "#" * n
                if n == 1:
                    complain(where, f'"{marks} {text}" is a top-level heading, which only the paper\'s title may be; '
                                    f"use {'#' * max(outer + 1, 2)} for a heading here")
                elif n <= outer:
                    complain(where, f'the heading "{marks} {text}" would end the section this text belongs to; '
                                    f"use {'#' * (outer + 1)} (one more # than that section's heading) or more")
                elif n > level + 1:
                    complain(where, f'the heading "{marks} {text}" skips a level (after a level-{level} heading '
                                    f"comes level {level + 1}); use {'#' * (level + 1)}")
            elif (n == 1 and blocks) or (n > 1 and n > level + 1 and level):
                complain(where, f'heading "{text}" at level {n} after level {level}')
            level = n
            blocks.append(Heading(n, text, ""))
            origins.append(where)
            i += 3
            continue
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            items, ordered = [], tok.type == "ordered_list_open"
            list_origin = origin(tok)
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            blocks.append(BulletList(tuple(items or ()), ordered))
            origins.append(list_origin)
            items = None
        elif tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        elif tok.type == "inline":
            content = tok.content.strip()
            begin, end = PROSE_BEGIN.match(content), PROSE_END.match(content)
            if begin:
                line = tokens[i - 1].map[0] if tokens[i - 1].map else 0
                open_prose.append((int(begin.group(1)), line + 2))
                enclosing[int(begin.group(1))] = level
                i += 1
                continue
            if end:
                if open_prose:
                    open_prose.pop()
                i += 1
                continue
            runs = _runs(tok.children or [])
            m = PLACEHOLDER.match(content)
            where = origin(tokens[i - 1]) if i else origin(tok)
            if items is not None:
                if items and tokens[i - 1].type == "paragraph_open" and tokens[i - 2].type != "list_item_open":
                    items[-1] = items[-1] + (Run(" "),) + runs  # a second paragraph in the same item
                else:
                    items.append(runs)
                _check_links(runs, where, complain)
            elif m:
                block = placeholder(int(m.group(1)))
                if block is None:
                    blocks.append(Paragraph(runs))  # text that merely looks like a placeholder
                else:
                    blocks.append(block)
                origins.append(where)
            elif runs:
                role = "body"
                if quote_depth:
                    role = "warning" if plain(runs).lower().startswith("warning") else "note"
                blocks.append(Paragraph(runs, role))
                origins.append(where)
                _check_links(runs, where, complain)
        i += 1

    blocks = _with_anchors(blocks)
    targets = set(RESERVED_ANCHORS) | {a for b in blocks for a in _anchors_of(b)}
    for block, where in zip(blocks, origins):
        for run in _block_runs(block):
            if run.href and run.href.startswith("#") and run.href[1:] not in targets:
                complain(where, f'the link "{run.text}" points to {run.href}, which is not in the paper; '
                                f"link to a heading as #{slug('heading text')} (its words in lower case joined by -)",
                         needle=f"({run.href})")
    if problems:
        raise InputError(problems)
    return blocks


def _check_links(runs: tuple[Run, ...], where: _Origin, complain) -> None:
    for run in runs:
        if run.href is None:
            continue
        href = re.sub(r"[\x00-\x20]", "", run.href)
        scheme = urlsplit(href).scheme.lower()
        if not href:
            complain(where, f'the link "{run.text}" has no address')
        elif not run.text.strip():
            complain(where, f"the link to {run.href} has no visible text; write it as [words](address)",
                     needle=f"]({run.href})")
        elif not href.startswith("#") and scheme not in SAFE_SCHEMES:
            complain(where, f'the link "{run.text}" points to {run.href}; a link must be a web address (https://...), '
                            "an e-mail (mailto:...) or a heading of the paper (#...)", needle=f"({run.href})")


def _anchors_of(block: Block) -> tuple[str, ...]:
    """The ids a block has on the page, which a link may point to."""
    if isinstance(block, Heading):
        return (block.anchor,)
    if isinstance(block, Table):
        return (block.anchor,)
    if isinstance(block, Figure):
        return (block.anchor, block.data.anchor)
    return ()


# The writers name parts of tables and figures after them (<table anchor>-caption, <figure anchor>-chart,
# <data anchor>-phone-caption, ids inside the chart) and their own elements cf-...: a heading never takes
# an anchor that starts like one of those, so it can never clash with an id the page makes itself.
_WRITER_PREFIX = "cf-"


def _reserved_prefixes(blocks: list[Block]) -> set[str]:
    return {f"{a}-" for b in blocks if not isinstance(b, Heading) for a in _anchors_of(b)} | {_WRITER_PREFIX}


def _reserved(anchor: str, taken: set[str], prefixes: set[str]) -> bool:
    if anchor in taken:
        return True
    # Every prefix of the anchor ending in "-": as many look-ups as the anchor has words, however many tables.
    at = anchor.find("-")
    while at != -1:
        if anchor[:at + 1] in prefixes:
            return True
        at = anchor.find("-", at + 1)
    return False


def _block_runs(block: Block) -> list[Run]:
    if isinstance(block, Paragraph):
        return list(block.runs)
    if isinstance(block, BulletList):
        return [r for item in block.items for r in item]
    return []


def _with_anchors(blocks: list[Block]) -> list[Block]:
    """Give each heading a unique anchor that no table, figure or page element uses."""
    taken = set(RESERVED_ANCHORS) | {a for b in blocks if not isinstance(b, Heading) for a in _anchors_of(b)}
    prefixes = _reserved_prefixes(blocks)
    fixed = frozenset(taken)  # the page's and the tables' and figures' own ids
    tried: dict[str, int] = {}  # the next number to try per text: 20,000 equal headings cost 20,000 steps
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading):
            base = slug(block.text)
            while _reserved(base, fixed, prefixes):
                base = f"section-{base}"  # "Table grants caption" would be the id of that table's caption
            anchor, n = base, tried.get(base, 2)
            while _reserved(anchor, taken, prefixes):
                anchor, n = f"{base}-{n}", n + 1
            tried[base] = n
            taken.add(anchor)
            block = Heading(block.level, block.text, anchor)
        out.append(block)
    return out
