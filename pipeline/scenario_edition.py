"""An edition's funding scenarios for the build: scenarios.toml and paper.toml's offsets read and
checked against the register (input), then worked out (analysis). The one place the build reads them."""

from __future__ import annotations

from pathlib import Path

from .analysis.classify import Classified
from .analysis.scenarios import Scenarios, scenarios
from .config import Config
from .edition import Edition
from .input.register import Register
from .input.paper_settings import Offset
from .input.scenarios import FILE, check_drops, read_offsets, read_scenarios
from .problems import InputError, Problem


def edition_scenarios(register: Register, items: tuple[Classified, ...], edition: Edition, config: Config,
                      folder: Path, offsets: tuple[Offset, ...] | None = None) -> Scenarios | None:
    """The edition's scenarios worked out, or None when it has no scenarios.toml. Raises InputError.
    `offsets`: the base case's, as the build read and checked them for the decision paper (by default
    read from paper.toml here)."""
    defined = read_scenarios(folder, register)
    if not defined:
        return None
    if offsets is None:
        offsets = read_offsets(folder, register)
    check_drops(defined, offsets, folder)
    result = scenarios(register, items, edition, config, offsets, defined)
    # A change that reaches no service would make the scenario say something it does not: refuse it.
    problems = [Problem(f'{folder / FILE}, scenario {n} "{o.name[:60]}"', None, None, "", note)
                for n, o in enumerate(result.outcomes, 1) for note in o.unmatched]
    if problems:
        raise InputError(problems)
    return result
