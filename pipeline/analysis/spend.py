"""Spend added up the two ways the paper's first charts show it: by priority (each section apart) and
by commissioning category."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Sequence

from ..config import Config
from ..input.register import Register
from .classify import KEYS, Classified


def spend_by_priority(register: Register, config: Config) -> tuple[tuple[str, dict[str, Decimal]], ...]:
    """(priority, {section: spend}) in the vocabulary's order, every section present for every priority."""
    sections = list(config.vocabulary.sections)
    priorities = list(config.vocabulary.priorities)
    for line in register.lines:
        if line.section not in sections:
            sections.append(line.section)
        if line.priority not in priorities:
            priorities.append(line.priority)
    sums: dict[str, dict[str, Decimal]] = {p: {s: Decimal(0) for s in sections} for p in priorities}
    for line in register.lines:
        sums[line.priority][line.section] += _d(line.spend)
    # A priority no line is funded under is left out: "£0" beside it would read as a finding.
    used = {line.priority for line in register.lines}
    return tuple((p, sums[p]) for p in priorities if p in used)



def spend_by_category(items: Sequence[Classified]) -> tuple[tuple[str, int, Decimal], ...]:
    """(category, lines, spend) for a, b, c, d and annual, in that order (and any other key after)."""
    keys = list(KEYS)
    count: dict[str, int] = defaultdict(int)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for c in items:
        if c.category not in keys:
            keys.append(c.category)
        count[c.category] += 1
        spend[c.category] += _d(c.line.spend)
    # a-d and the annual round always show (a zero is news); the other groups only when they occur.
    return tuple((k, count[k], spend[k]) for k in keys if k in KEYS[:5] or count[k])



def _d(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)

