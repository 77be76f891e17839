"""paper.toml carried into a new edition: last year's meeting details and draft declaration stay behind.

The file is edited line by line, so the officer's comments and layout survive; keys this module does
not know are copied as they are. What is left out:
  - the meeting's details in [front] (date, agenda_item, version): they belong to last year's meeting;
    each becomes a comment saying what it was, to be filled in for the new meeting;
  - a draft declaration, wherever it is: a [draft] table, or a key named draft (or draft_..., ..._draft).
"""

from __future__ import annotations

import re
import tomllib

from ..edition import Edition

MEETING_KEYS = ("date", "agenda_item", "version")
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def _is_draft(name: str) -> bool:
    name = name.lower()
    return name == "draft" or name.startswith("draft_") or name.endswith("_draft")


def _statement(lines: list[str], i: int, key_end: int) -> int:
    """The index after the last line of the key/value statement starting at lines[i] (values may span lines)."""
    for j in range(i, min(len(lines), i + 500)):
        value = lines[i][key_end:] + "".join("\n" + lines[k] for k in range(i + 1, j + 1))
        try:
            tomllib.loads("v =" + value)
            return j + 1
        except tomllib.TOMLDecodeError:
            continue
    return i + 1


def carry_front_sheet(text: str, new: Edition) -> tuple[str, list[str]]:
    """The text of paper.toml for the new edition, and the names of the front-sheet fields cleared."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text, []  # a damaged file is copied as it is; the check names the problem
    lines = text.splitlines()
    out: list[str] = []
    cleared: list[str] = []
    table: list[str] = []
    skipping_table = False
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _TABLE.match(line)
        if header and not _KEY.match(line):
            table = _parts(header.group(1))
            skipping_table = any(_is_draft(p) for p in table)
            if not skipping_table:
                out.append(line)
            i += 1
            continue
        key = _KEY.match(line)
        if not key:
            if not skipping_table:
                out.append(line)
            i += 1
            continue
        end = _statement(lines, i, key.end())
        path = [*table, *_parts(key.group(1))]
        if skipping_table or any(_is_draft(p) for p in path):
            pass  # a draft declaration: last year's, never the new year's
        elif len(path) == 2 and path[0] == "front" and path[1] in MEETING_KEYS:
            was = " ".join(line[key.end():].split("#", 1)[0].split()) if end == i + 1 else "..."
            cleared.append(path[1])
            out.append(f"# {key.group(1).strip()} =   # set it for the {new.label} meeting (it was {was})")
        else:
            out.extend(lines[i:end])
        i = end
    result = "\n".join(out) + ("\n" if text.endswith("\n") else "")
    try:
        tomllib.loads(result)
    except tomllib.TOMLDecodeError:  # pragma: no cover - only whole statements are removed
        return text, []
    return result, cleared
