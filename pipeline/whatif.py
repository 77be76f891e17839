"""`invoke what-if`: one unsaved scenario from the command line, worked out against the edition's base
case and printed as the paper's table for a scenario, with the services it changes. Nothing is built.

The options become the same changes scenarios.toml holds, checked by the same reader, so a mistake
gets the same message (naming the option) and exit code 2.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Sequence

from .analysis.classify import classify
from .analysis.scenarios import Outcome, context, run
from .config import DATA_DIR
from .formatting import plain_money, uk_date
from .input.scenarios import Change, Scenario, _change, _Reader, read_offsets
from .paper.scenario_tables import summary_table
from .problems import InputError, Problem

WHERE = "invoke what-if"
_SPLIT = re.compile(r"^(.+?)\s*=\s*(.+)$")
LABELS = {"figure": "Measure", "value": "Under this scenario", "gap": "Gap", "offsets": "Offsets",
          "remainder": "Remainder", "services": "Services", "notice": "First notice due", "posts": "Posts affected"}
WORDS = {"ends": "ends", "shrinks": "reduced", "extended": "extended", "gains": "gains money"}


def _bad(option: str, value: str, expected: str) -> Problem:
    return Problem(f"{WHERE}, {option}", None, None, value, expected)


def _amount(text: str) -> tuple[str, str]:
    """'10%' -> ('percent', '10'); '£50,000' or '50000' -> ('amount', '50000')."""
    t = text.strip()
    if t.endswith("%"):
        return "percent", t[:-1].strip()
    return "amount", t.replace("£", "").replace(",", "").strip()


def changes_from(cut: Sequence[str] = (), ends: Sequence[str] = (), renew: Sequence[str] = (),
                 end_line: Sequence[str] = (), decommission: Sequence[str] = (), extend: Sequence[str] = (),
                 start: str | None = None, on: str | None = None) -> tuple[list[dict], list[Problem], list[str]]:
    """The options as scenarios.toml change tables, with (option, value) labels; problems of form."""
    tables, labels, problems = [], [], []
    for value in cut:
        m = _SPLIT.match(value)
        if not m:
            problems.append(_bad("--cut", value, 'expected a funder and a cut, e.g. --cut "MoJ grant=10%" or '
                                                 '--cut "Home Office=50000"'))
            continue
        if not start:
            problems.append(_bad("--cut", value, "a cut needs the date it starts: add --from 2025-04-01"))
            continue
        key, number = _amount(m.group(2))
        tables.append({"kind": "funder-cut", "funder": m.group(1), "from": start, key: number})
        labels.append(f'--cut "{value}"')
    for value in renew:
        m = _SPLIT.match(value)
        key, number = _amount(m.group(2)) if m else ("", "")
        if not m or key != "percent":
            problems.append(_bad("--renew", value, 'expected a funder and the share of this year\'s spend it renews, '
                                                   'e.g. --renew "MoJ grant=90%"'))
            continue
        tables.append({"kind": "funder-renews", "funder": m.group(1), "percent": number})
        labels.append(f'--renew "{value}"')
    for option, kind, values in (("--ends", "funder-ends", ends), ("--end-line", "line-ends", end_line)):
        for value in values:
            if not on:
                problems.append(_bad(option, value, "an ending needs its last funded day: add --on 2025-03-31"))
                continue
            key = "funder" if kind == "funder-ends" else "lines"
            tables.append({"kind": kind, key: value if key == "funder" else [value], "on": on})
            labels.append(f'{option} "{value}"')
    for value in decommission:
        tables.append({"kind": "decommission", "lines": [value], **({"on": on} if on else {})})
        labels.append(f'--decommission "{value}"')
    for value in extend:
        tables.append({"kind": "extend", "lines": [value]})
        labels.append(f'--extend "{value}"')
    if start and not cut:
        problems.append(_bad("--from", start, "--from gives the day a --cut starts; add --cut \"Funder=10%\""))
    if on and not (ends or end_line or decommission):
        problems.append(_bad("--on", on, "--on gives the last funded day for --ends, --end-line or --decommission"))
    if not tables and not problems:
        problems.append(Problem(WHERE, None, None, "", 'give at least one change, e.g. --cut "MoJ grant=10%" '
                                                       "--from 2025-04-01; see invoke --help what-if"))
    return tables, problems, labels


def what_if(year: str | None = None, data_dir: Path = DATA_DIR, name: str = "", **options) -> str:
    """The text `invoke what-if` prints. Raises InputError with every problem in the options."""
    from .build import load_edition

    edition, config, reg = load_edition(year, None, data_dir)
    tables, problems, labels = changes_from(**options)
    reader = _Reader(Path(WHERE), reg)
    changes: list[Change] = []
    for table, label in zip(tables, labels):
        change = _change(reader, table, label)
        if change is not None:
            changes.append(change)
    problems.extend(reader.problems)
    if problems:
        raise InputError(problems)
    items = classify(reg, edition, config)
    offsets = read_offsets(data_dir / edition.label, reg)
    ctx = context(reg, items, edition, config)
    scenario = Scenario(name or "; ".join(labels), tuple(changes))
    base, (outcome,) = run(ctx, offsets, [scenario])
    return format_outcome(outcome, uk_date(ctx.as_at), edition.label)


def format_outcome(o: Outcome, as_at: str, label: str) -> str:
    table = summary_table(o, "what-if", "", LABELS, as_at, posts_row=True)
    width = max(len(r[0]) for r in table.rows)
    out = [f"What if {o.name} ({label}, as at {as_at}; not saved, nothing built):", ""]
    out += [f"  {r[0]:<{width}}  {r[1]}" for r in table.rows]
    if o.effects:
        out += ["", "Services:"]
        for e in o.effects:
            after = "not decided" if e.after is None else f"£{plain_money(e.after.quantize(Decimal(1)))} a year"
            told = f"; tell the provider by {uk_date(e.notice_by)}" if e.notice_by else ""
            if e.notice_passed:
                told += " (already passed)"
            out.append(f"  {e.line.id} {e.line.project} ({e.line.provider}): {WORDS[e.change]}, {e.cause}; "
                       f"£{plain_money(e.before.quantize(Decimal(1)))} a year -> {after}{told}")
    out += [f"note: {n}" for n in o.unmatched]
    if any("when the cut starts" in n for n in o.unmatched):
        out.append('note: to try a grant renewed at a lower rate after it ends, use --renew "Funder=90%"')
    return "\n".join(out)
