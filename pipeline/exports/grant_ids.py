"""Two grants must never publish one 360Giving identifier, and none may publish an empty one.

The identifier is the publisher prefix and the line id with anything but A-Z, a-z, 0-9, - and _
replaced (transparency.grant_identifier), so ids in other letters ("警察") lose everything but their
digits, and a colliding pair would make one grant overwrite the other in the 360Giving data.
"""

from __future__ import annotations

from ..config import Config
from ..input.register import Register
from ..problems import InputError, Problem
from .transparency import grant_identifier, grant_lines, settings


def check_grant_identifiers(register: Register, config: Config) -> None:
    """Refuse, naming both rows, grants whose published identifiers are the same or have no id part."""
    s = settings(config)
    if not s.prefix:
        return  # no identifiers are published until the prefix is set
    problems: list[Problem] = []
    seen: dict[str, object] = {}
    for line in grant_lines(register, s):
        ident = grant_identifier(line, s)
        if ident.rstrip("-_") == s.prefix:
            problems.append(Problem(register.source, line.row, "id", line.id,
                                    f"this grant's 360Giving identifier would be {ident!r}, with nothing of the id "
                                    "in it (only A-Z, a-z, 0-9, - and _ are kept); give the line an id in those "
                                    "characters, such as VSG-014", sheet=register.sheet, line=line.id))
        elif ident in seen:
            other = seen[ident]
            problems.append(Problem(register.source, line.row, "id", line.id,
                                    f"this grant would publish the 360Giving identifier {ident}, the same as "
                                    f'"{other.id}" on row {other.row} (only A-Z, a-z, 0-9, - and _ are kept); '
                                    "give one of them another id", sheet=register.sheet, line=line.id))
        else:
            seen[ident] = line
    if problems:
        raise InputError(problems)
