"""The Community Safety Partnership formula's settings: [csp_allocation] in data/config.toml.

Checked with every other setting (pipeline/settings.py calls `check`), so a weight that is not a number,
weights that do not add up to 100, or an unknown way of counting a factor is reported with the file,
table and key before any work is done; `check` also turns the checked table into a frozen value, which
stages read as `config.settings.csp_allocation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import Config
    from ..settings_check import Checker

TABLE = "csp_allocation"
# The factors csp-allocation.csv records for each area, in the order the paper lists them.
FACTORS: tuple[str, ...] = ("population", "recorded_crime", "harm")
# How a factor counts: "share" - the area's share of all the areas' figures; "per_head" - the figure
# divided by the area's population, then the area's share of all the areas' rates.
COUNTS: tuple[str, ...] = ("share", "per_head")
KEYS: tuple[str, ...] = ("pot", "weights", "counts", "labels", "floor", "phasing_cap_percent")
DEFAULT_LABELS = {"population": "Population", "recorded_crime": "Recorded crime", "harm": "Crime harm"}
POT_FROM_REGISTER = "register"


@dataclass(frozen=True)
class Factor:
    key: str  # a column of csp-allocation.csv
    label: str  # as the paper names it
    weight: Decimal  # percent; the weights add up to 100
    counts: str  # one of COUNTS


@dataclass(frozen=True)
class CspSettings:
    factors: tuple[Factor, ...]  # every factor, weighted or not (an unweighted one still enters the fit)
    pot: Decimal | None  # None: the total the register gives the partnerships' lines
    floor: Decimal = Decimal(0)  # the least any area receives, in pounds
    phasing_cap_percent: Decimal = Decimal(0)  # 0: no cap on the change from the previous edition

    @property
    def weighted(self) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors if f.weight > 0)


def _decimal(value: Any) -> Decimal:
    # str() first: TOML's 33.33 is the float 33.329999..., the officer meant 33.33.
    return Decimal(str(value))


def check(c: "Checker", raw: dict[str, Any]) -> CspSettings | None:
    """Every problem in [csp_allocation], if the table is there (an office without partnerships leaves it out);
    the table as a value, None when it is not there or not right."""
    table = c.table(TABLE, required=False)
    if table is None:
        return None
    before = len(c.problems)
    c.typos(table, (TABLE,), KEYS)
    pot = table.get("pot", POT_FROM_REGISTER)
    if pot != POT_FROM_REGISTER and (isinstance(pot, bool) or not isinstance(pot, (int, float)) or pot != pot
                                     or not 1 <= pot <= 1e12):
        c.bad((TABLE, "pot"), pot, f'expected "{POT_FROM_REGISTER}" (the total the register gives the '
                                   "partnerships' lines) or an amount in pounds written as a plain number, e.g. pot = 640000")
    c.number(table, (TABLE, "floor"), 0, 1e12, "pounds", required=False)
    c.number(table, (TABLE, "phasing_cap_percent"), 0, 100, "percent", required=False)
    weights = _subtable(c, table, "weights", required=True)
    counts = _subtable(c, table, "counts", required=False)
    labels = _subtable(c, table, "labels", required=False)
    shown = ", ".join(FACTORS)
    for name, sub in (("weights", weights), ("counts", counts), ("labels", labels)):
        for key in sub or {}:
            if key not in FACTORS:
                c.bad((TABLE, name, key), sub[key], f"{key!r} is not a factor csp-allocation.csv records ({shown})")
    if weights is not None:
        good = True
        for key, value in weights.items():
            if key not in FACTORS:
                good = False
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or not 0 <= value <= 100:
                c.bad((TABLE, "weights", key), value, f"expected the weight in percent, a number from 0 to 100 "
                                                      f"written without quotes or %, e.g. {key} = 50")
                good = False
        if good:
            total = sum((_decimal(v) for v in weights.values()), Decimal(0))
            if total != 100:
                c.bad((TABLE, "weights"), weights, f"the weights add up to {total:f}, not 100; change them so "
                                                   "that together they make 100 (percent)")
    for key, value in (counts or {}).items():
        if key in FACTORS and value not in COUNTS:
            c.bad((TABLE, "counts", key), value, f'expected "share" (the area\'s share of all the areas\' '
                                                 f'figures) or "per_head" (the figure per head of population)')
    if (counts or {}).get("population") == "per_head":
        c.bad((TABLE, "counts", "population"), "per_head", 'population per head of population is 1 everywhere; use "share"')
    for key, value in (labels or {}).items():
        if key in FACTORS and (not isinstance(value, str) or not value.strip()):
            c.bad((TABLE, "labels", key), value, 'expected the factor\'s name in double quotes, e.g. harm = "Crime severity score"')
    return _value(table) if len(c.problems) == before else None


def _subtable(c: "Checker", table: dict[str, Any], key: str, required: bool) -> dict[str, Any] | None:
    value = table.get(key)
    if value is None:
        if required:
            c.bad((TABLE, key), "", f"this table is missing; add [{TABLE}.{key}] with a line for each factor "
                                    f"({', '.join(FACTORS)})")
        return None
    if not isinstance(value, dict):
        c.bad((TABLE, key), value, f"expected a table, written [{TABLE}.{key}] on a line of its own followed by "
                                   "one line per factor")
        return None
    return value


def settings(config: "Config") -> CspSettings | None:
    """The checked [csp_allocation] as a value; None when the office has no such table."""
    return config.settings.csp_allocation


def _value(table: dict[str, Any]) -> CspSettings:
    weights = table.get("weights", {})
    counts = table.get("counts", {})
    labels = table.get("labels", {})
    factors = tuple(Factor(key, str(labels.get(key, DEFAULT_LABELS[key])), _decimal(weights.get(key, 0)),
                           str(counts.get(key, "share"))) for key in FACTORS)
    pot = table.get("pot", POT_FROM_REGISTER)
    return CspSettings(factors, None if pot == POT_FROM_REGISTER else _decimal(pot),
                       _decimal(table.get("floor", 0)), _decimal(table.get("phasing_cap_percent", 0)))
