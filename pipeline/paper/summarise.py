"""At any size a paper stays a paper: a per-line table too long to print is summarised in print.

Above `[paper] list_max_lines` lines, the Word and PDF editions show, instead of the whole table,
the same table cut down to the largest lines (by spend) and those with the soonest decisions, each by
name, then one row that counts and totals the rest; under it a note says where every line is: the
web edition of the paper and the exported files (linked when `[summaries] web_address` says where
they are published). The HTML edition keeps the whole table (model.Table.summary is what print shows
instead). The words are in templates/summary.toml.

A table builder of the composer hands its finished table and, per row, the facts the choice rests
on (how many register lines the row stands for, their spend, the row's soonest decision):

    table = Table(...)
    return summarise(table, [RowFacts(1, line.spend, due) for ...], rules, money_column=4)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Sequence

from .. import formatting as fmt
from .. import template_files
from .model import Paragraph, Run, Table

WORDS = "summary.toml"


@dataclass(frozen=True)
class RowFacts:
    """What one row of a table stands for, for choosing the rows a summary names."""
    lines: int = 1  # register lines in the row (a row may group several)
    spend: Decimal | None = None  # their spend this year (None: not recorded)
    due: date | None = None  # the row's soonest decision (None: none is due)


@dataclass(frozen=True)
class SummaryWords:
    caption: str  # "{caption}: the {shown} largest or soonest to decide of {count} lines"
    rest: str  # the row for the rest: "{count} other lines"
    note: str  # "Every line is in {web} and in {files}."
    note_web: str  # the same when the build makes none of the files: "Every line is in {web}."
    web: str  # "the web edition of this paper"
    files_and: str  # " and ", between the last two files


@dataclass(frozen=True)
class SummaryRules:
    max_lines: int  # above this many register lines a table is summarised in print
    largest: int  # rows named for their spend
    soonest: int  # rows named for their decision dates
    web_address: str  # where the web edition and the exports are published ("" = say so without a link)
    files: tuple[str, ...]  # exported files that hold every line (file names, as published)
    words: SummaryWords


def load_words(templates: Path | None = None) -> SummaryWords:
    """The summaries' words from templates/summary.toml (the project's own if that folder has none)."""
    return template_files.load_words(SummaryWords, WORDS, templates)


def chosen_rows(facts: Sequence[RowFacts], largest: int, soonest: int) -> list[int]:
    """The rows a summary names, in the table's own order: the `largest` by spend, then the `soonest`
    by decision date (a row may be both); ties go to the earlier row."""
    order = range(len(facts))
    big = sorted(order, key=lambda i: (-(facts[i].spend or Decimal(0)), i))[:max(0, largest)]
    dated = [i for i in order if facts[i].due is not None]
    soon = sorted(dated, key=lambda i: (facts[i].due, i))[:max(0, soonest)]
    return sorted(set(big) | set(soon))


def summarise(table: Table, facts: Sequence[RowFacts], rules: SummaryRules, money_column: int | None = None,
              name_column: int = 0) -> Table:
    """`table` itself when it stands for at most `rules.max_lines` register lines; otherwise `table`
    carrying its summary for print: the chosen rows, one row counting (and, in `money_column`,
    totalling) the rest, the table's own totals, and the note on where every line is."""
    if len(facts) != len(table.rows):
        raise ValueError(f"table {table.anchor!r}: {len(facts)} row facts for {len(table.rows)} rows")
    count = sum(f.lines for f in facts)
    if count <= rules.max_lines:
        return table
    keep = chosen_rows(facts, rules.largest, rules.soonest)
    rest = [i for i in range(len(facts)) if i not in set(keep)]
    rows = [table.rows[i] for i in keep]
    shown = sum(facts[i].lines for i in keep)
    words = rules.words
    if rest:
        cells = [""] * len(table.columns)
        cells[name_column] = words.rest.format(count=f"{count - shown:,}")
        if money_column is not None:
            cells[money_column] = fmt.plain_money(sum((facts[i].spend or Decimal(0) for i in rest), Decimal(0)))
        rows.append(tuple(cells))
    short = replace(table, anchor=f"{table.anchor}-summary",
                    caption=words.caption.format(caption=table.caption, shown=f"{shown:,}", count=f"{count:,}"),
                    rows=tuple(rows), summary=())
    return replace(table, summary=(short, note(rules)))


def note(rules: SummaryRules) -> Paragraph:
    """'Every line is in the web edition of this paper and in review-schedule.csv and ...', linked to
    where they are published when the web address is set."""
    base = rules.web_address.rstrip("/") + "/" if rules.web_address else ""
    link = (lambda text, target: Run(text, href=target)) if base else (lambda text, target: Run(text))
    files: list[Run] = []
    for n, name in enumerate(rules.files):
        if n:
            files.append(Run(rules.words.files_and if n == len(rules.files) - 1 else ", "))
        files.append(link(name, base + name))
    runs: list[Run] = []
    text = rules.words.note if rules.files else rules.words.note_web
    while text:
        at = [(text.find(key), key) for key in ("{web}", "{files}") if key in text]
        if not at:
            runs.append(Run(text))
            break
        pos, key = min(at)
        if pos:
            runs.append(Run(text[:pos]))
        runs.extend([link(rules.words.web, rules.web_address)] if key == "{web}" else files)
        text = text[pos + len(key):]
    return Paragraph(tuple(r for r in runs if r.text), role="note")
