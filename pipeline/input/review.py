"""Words carried over from last year: the "not yet reviewed" mark, and stale dates and year labels.

`invoke new-year` copies last year's prose and paper.toml into the new edition with a mark line at
the top of each. The officer deletes that line once the text is right for the new year. A file with
the mark holds up the final paper (drafts and the preview still build); a file without it is never
held up, so an edition that was not started by new-year is unaffected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..edition import Edition
from ..problems import Problem

MARK = "NOT YET REVIEWED"
PAPER_FILE = "paper.toml"
# The mark as a line of its own, in a prose file (plain text) or in paper.toml (a TOML comment).
_MARK_LINE = re.compile(rf"^\s*(?:#|<!--)?\s*{MARK}\b", re.IGNORECASE)


def mark_line(new: Edition, previous: Edition, toml: bool = False) -> str:
    """The line new-year puts at the top of a copied file."""
    text = (f"{MARK} for {new.label}: this text was copied from {previous.label}. Rewrite it for "
            f"{new.label}, then delete this line.")
    return f"# {text}" if toml else text


def is_mark(line: str) -> bool:
    return bool(_MARK_LINE.match(line))


def without_mark(source: str) -> str:
    """The prose with its mark line blanked (not removed, so line numbers in messages stay right)."""
    if MARK.lower() not in source.lower():
        return source
    return "".join("\n" if is_mark(line) else line for line in source.splitlines(keepends=True))


def edition_files(folder: Path, prose_dir: str = "prose") -> list[Path]:
    """The files of an edition the officer writes: its prose (*.md) and paper.toml."""
    prose = folder / prose_dir
    found = sorted(p for p in prose.rglob("*.md") if p.is_file()) if prose.is_dir() else []
    if (folder / PAPER_FILE).is_file():
        found.append(folder / PAPER_FILE)
    return found


def unreviewed(folder: Path, prose_dir: str = "prose") -> tuple[Path, ...]:
    """Files of the edition that still carry the mark."""
    marked = []
    for path in edition_files(folder, prose_dir):
        try:
            lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
        except OSError:
            continue  # an unreadable file is reported where it is read
        if any(is_mark(line) for line in lines):
            marked.append(path)
    return tuple(marked)


def unreviewed_problems(files: tuple[Path, ...], edition: Edition) -> list[Problem]:
    """What a final build says for each marked file."""
    return [Problem(str(p), None, None, "",
                    f"this file was copied from last year and is marked \"{MARK}\"; check every sentence and "
                    f"figure is right for {edition.label}, then delete the line that starts \"{MARK}\" "
                    "(or build a draft with --draft)") for p in files]


# --- dates and labels that belong to an earlier year --------------------------------------------

_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"), start=1)}
_MONTH = "|".join(_MONTHS)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)
_UK_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")  # computed values are the register's, not typed text


@dataclass(frozen=True)
class Stale:
    file: Path
    line: int
    found: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: \"{self.found}\" {self.why}"


def _day(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_end(y: int, m: int) -> date:
    return date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)


def stale_mentions(files: list[Path], edition: Edition) -> list[Stale]:
    """Typed dates before the edition starts, and the previous year's label, with file and line.

    These are notes, not errors: a paper may rightly say when something began. They are the places
    to read again when last year's text was carried forward."""
    found: list[Stale] = []
    for path in files:
        if path.suffix.lower() != ".md":
            continue
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
        found.extend(_scan(path, [_CODE.sub(" ", line) for line in text.splitlines()], edition))
    return found


def _scan(path: Path, lines: list[str], edition: Edition) -> list[Stale]:
    previous = edition.previous()
    labels = re.compile(r"(?<![\d/-])(?:" + "|".join(re.escape(t) for t in (previous.label, previous.short_label))
                        + r")(?![\d/-])")
    found: list[Stale] = []
    before = f"is before {edition.label} began ({edition.start.strftime('%d/%m/%Y')})"
    for n, line in enumerate(lines, start=1):
        if is_mark(line):
            continue
        spans: list[tuple[int, int]] = []

        def note(m: re.Match, day: date | None) -> None:
            if day is not None and day < edition.start and not any(a <= m.start() < b for a, b in spans):
                found.append(Stale(path, n, m.group(0), before))
            spans.append(m.span())

        for m in _DAY_MONTH_YEAR.finditer(line):
            note(m, _day(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))))
        for m in _MONTH_YEAR.finditer(line):
            note(m, _month_end(int(m.group(2)), _MONTHS[m.group(1).lower()]))
        for m in _UK_DATE.finditer(line):
            note(m, _day(int(m.group(3)), int(m.group(2)), int(m.group(1))))
        for m in _ISO_DATE.finditer(line):
            note(m, _day(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        for m in labels.finditer(line):
            found.append(Stale(path, n, m.group(0), f"names the previous year, {previous.label}"))
    return found


_MARKERS = re.compile(r"[\ue000-\uf8ff]")  # the composer's private-use value markers


def stale_in_rendered(file: Path, written: str, rendered: str, edition: Edition) -> list[Stale]:
    """Dates before the edition that a prose file prints through {{ }} (from the register or [facts]),
    each named with the line of the file that prints it."""
    found: list[Stale] = []
    lines = written.splitlines()
    for index, raw in enumerate(rendered.splitlines()):
        for stale in stale_mentions_in_text(raw, edition):
            text = _MARKERS.split(raw[:raw.find(stale.found)] if stale.found in raw else raw)
            literal = [t.strip(" *_>#-([") for t in text if len(t.strip(" *_>#-([")) >= 8]
            line = next((n for n, w in enumerate(lines, start=1) if literal and literal[-1][-40:] in w), None)
            if line is None:
                line = next((n for n, w in enumerate(lines, start=1) if stale.found in w), index + 1)
            found.append(Stale(file, line, stale.found, stale.why))
    return found


def stale_mentions_in_text(text: str, edition: Edition) -> list[Stale]:
    return [s for s in _scan(Path(""), [_MARKERS.sub("", text)], edition)]
