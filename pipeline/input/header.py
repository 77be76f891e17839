"""Where each column is in a table's header row: one check for the register, the CSP allocation and the
performance return, so a doubled, unknown or missing column is reported the same way in all three."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from ..problems import Problem
from .sources import RawTable

_SPACES = re.compile(r"\s+")


def normalise_header(name: str) -> str:
    return _SPACES.sub("_", name.strip().lower().replace("-", "_"))


def column_positions(raw: RawTable, required: Sequence[str], missing: Callable[[str, list[str]], str], *,
                     known: Collection[str] | None = None, unknown: Callable[[str], str] | None = None,
                     sheet: str = "") -> tuple[dict[str, int], list[Problem]]:
    """Each column's index (0-based) by normalised name, and the problems with the header row.

    A name that appears twice keeps its first place. With `known`, any other name is reported with
    `unknown(name)` and left out; without it, every name is placed. `missing(column, names)` words
    the problem for a required column the header lacks (`names`: the header's normalised names)."""
    names = [normalise_header(h) for h in raw.header]
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(names):
        if not name:
            continue
        if name in positions:
            problems.append(Problem(raw.source, raw.header_row, raw.header[i].strip(), "",
                                    f"this column appears twice (also column {positions[name] + 1}); keep one",
                                    sheet=sheet))
        elif known is not None and name not in known:
            assert unknown is not None, "known columns need the words for an unknown one"
            problems.append(Problem(raw.source, raw.header_row, raw.header[i].strip(), "", unknown(name), sheet=sheet))
        else:
            positions[name] = i
    for col in required:
        if col not in positions:
            problems.append(Problem(raw.source, raw.header_row, col, "", missing(col, names), sheet=sheet))
    return positions, problems
