"""Acronyms: expanded where the paper first uses them, listed in a glossary, and unknown ones found.

The expansions are data ([glossary] in data/config.toml); this module only finds and applies them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Mapping

from ..input.register import Register
from .model import Block, BulletList, Heading, Paragraph, Run

# Values printed from the register arrive wrapped in these private-use characters (see compose._finalize):
# they are names and figures, never rewritten, and the markers are removed before any writer sees them.
VALUE_START, VALUE_END = "\ue000", "\ue001"
_VALUE = re.compile(f"({VALUE_START}.*?{VALUE_END})", re.S)
_MARKERS = re.compile(f"[{VALUE_START}{VALUE_END}]")

_CAPS = re.compile(r"(?<![\w@/.-])([A-Z][A-Z0-9]{1,7})(?![\w@-])")


def _word(acronym: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@/.-]){re.escape(acronym)}(?![\w@-])")


def _expandable(acronym: str) -> re.Pattern[str]:
    # Not inside a name such as "PAVE/OOCD/DTOA" or "(DA Services)": expanding there garbles the name.
    return re.compile(rf"(?<![\w@/.(-]){re.escape(acronym)}(?![\w@/)-])")


def used(texts: Iterable[str], glossary: Mapping[str, str]) -> tuple[str, ...]:
    """The glossary's acronyms that occur in the texts, alphabetically."""
    joined = "\n".join(texts)
    # `a in joined` first: a plain substring test skips the acronyms that do not occur at all, without
    # running a pattern over the register tables, megabytes of text for a large register.
    return tuple(sorted(a for a in glossary if a in joined and _word(a).search(joined)))


def expand_first_use(blocks: Iterable[Block], glossary: Mapping[str, str]) -> tuple[Block, ...]:
    """Write 'Community Safety Partnership (CSP)' at the first use of each acronym in running text.

    Headings, tables and figures are left alone: the glossary section covers them. A run that is a
    link is left alone too, so link text stays what the author wrote.
    """
    pending = dict(glossary)
    patterns = {a: _expandable(a) for a in glossary}

    def expand(text: str) -> str:
        for acronym in [a for a in pending if a in text and patterns[a].search(text)]:
            expansion = pending.pop(acronym)
            if expansion.lower() not in text.lower():  # not already spelled out by the author
                text = patterns[acronym].sub(lambda m: f"{expansion} ({m.group(0)})", text, count=1)
        return text

    def runs_with(runs: tuple[Run, ...]) -> tuple[Run, ...]:
        out = []
        for run in runs:
            text = run.text
            if run.href is None and not run.bold:  # bold runs are names (projects, labels): left as written
                text = "".join(part if part.startswith(VALUE_START) else expand(part) for part in _VALUE.split(text))
            text = _MARKERS.sub("", text)
            href = _MARKERS.sub("", run.href) if run.href else run.href
            out.append(run if (text, href) == (run.text, run.href) else replace(run, text=text, href=href))
        return tuple(out)

    result: list[Block] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            block = replace(block, runs=runs_with(block.runs))
        elif isinstance(block, BulletList):
            block = replace(block, items=tuple(runs_with(item) for item in block.items))
        elif isinstance(block, Heading):
            block = replace(block, text=_MARKERS.sub("", block.text), anchor=_MARKERS.sub("", block.anchor))
        result.append(block)
    return tuple(result)


def unknown_acronyms(register: Register, glossary: Mapping[str, str], ignore: Iterable[str] = ()) -> dict[str, list[str]]:
    """All-capitals words in the register's text that the glossary does not explain: word -> line ids."""
    known = set(glossary) | set(ignore)
    found: dict[str, list[str]] = {}
    for line in register.lines:
        for text in (line.project, line.provider, line.notes, line.funding_source):
            for word in _CAPS.findall(text):
                if word not in known and not word.isdigit() and line.id not in found.get(word, []):
                    found.setdefault(word, []).append(line.id)
    return dict(sorted(found.items()))
