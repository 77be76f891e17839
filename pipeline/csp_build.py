"""The Community Safety Partnership allocation of an edition: its files read, then the pure analysis.

The one place the build reaches the CSP inputs (build.py calls `csp_for_edition` and `csp_files`): the
edition's csp-allocation.csv, checked against its own register, and the previous edition's allocations
for phasing (its csp-allocation.csv names the lines; without one, the same line ids are looked up).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from .analysis.csp import AllocationError, CspAllocation, allocate
from .config import Config
from .edition import Edition
from .input.csp import csp_path, read_csp
from .input.csp_settings import TABLE, settings
from .input.register import Register
from .problems import InputError, Problem

log = logging.getLogger("pipeline")


def csp_files(edition: Edition, data_dir: Path) -> list[Path]:
    """The files the allocation is computed from, beyond the register and settings (for the build's
    fingerprint and the chart cache): this edition's and the previous edition's csp-allocation.csv."""
    found = [csp_path(data_dir, edition.label), csp_path(data_dir, edition.previous().label)]
    return [p for p in found if p.is_file()]


def csp_for_edition(edition: Edition, config: Config, register: Register,
                    prev: tuple[Edition, Config, Register] | None, data_dir: Path) -> CspAllocation | None:
    """The edition's allocation, or None when it has no csp-allocation.csv or no [csp_allocation] settings.
    Raises InputError for a bad file or settings the pot cannot meet; logs what the officer should know."""
    path = csp_path(data_dir, edition.label)
    formula = settings(config)
    if not path.is_file():
        return None
    if formula is None:
        log.info("note: %s is there but the settings have no [csp_allocation] table, so the paper has no CSP "
                 "section (copy the table from the project's data/config.toml)", path)
        return None
    data = read_csp(path, register)
    previous = _previous(prev, data_dir, [(a.area, a.line_id) for a in data.areas]) if prev else None
    try:
        result = allocate(formula, data, register, previous)
    except AllocationError as exc:
        where = config.origins.get((TABLE,), data_dir / "config.toml")
        raise InputError([Problem(str(where), None, None, "", str(exc))]) from None
    for note in result.notes:
        log.info("note: %s", note)
    return result


def _previous(prev: tuple[Edition, Config, Register], data_dir: Path,
              areas: list[tuple[str, str]]) -> dict[str, Decimal | None]:
    """Each area's allocation in the previous edition's register: through that edition's own
    csp-allocation.csv when it has one (ids may change between years), else the same line id."""
    edition, _, register = prev
    spend = {l.id: l.spend for l in register.lines}
    path = csp_path(data_dir, edition.label)
    lines = {area: line for area, line in areas}
    if path.is_file():
        try:
            lines.update({a.area: a.line_id for a in read_csp(path, register).areas})
        except InputError as exc:
            raise InputError([Problem(p.file, p.row, p.column, p.value,
                                      p.expected + " (the previous edition's file, read for phasing)", line=p.line)
                              for p in exc.problems]) from None
    return {area: spend.get(line) for area, line in lines.items()}
