"""The edition's front-sheet details (data/<year>/paper.toml): meeting, date, author, purpose...

Every field is optional. A draft shows a placeholder where one is missing; a final paper leaves the
row out. Values are kept as text (dates as written) except `date`, which may be a TOML date.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..problems import InputError, Problem

FILE = "paper.toml"
# The front sheet's rows, in the order the Panel reads them.
FIELDS: tuple[str, ...] = ("meeting", "date", "agenda_item", "report_of", "author", "contact", "version",
                           "purpose", "recommendation")


@dataclass(frozen=True)
class PaperSettings:
    values: dict[str, str] = field(default_factory=dict)
    meeting_date: date | None = None
    facts: dict[str, object] = field(default_factory=dict)  # [facts]: figures the register does not hold

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def read_paper_settings(folder: Path) -> PaperSettings:
    path = folder / FILE
    if not path.exists():
        return PaperSettings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), None, None, "", f"the front-sheet settings are not valid TOML saved "
                                  f"as UTF-8 ({exc}); see the README for an example")]) from None
    front = raw.get("front", {})
    problems = []
    if not isinstance(front, dict):
        raise InputError([Problem(str(path), None, "front", str(front), "expected a [front] table")])
    values: dict[str, str] = {}
    meeting_date = None
    for key, value in front.items():
        if key not in FIELDS:
            problems.append(Problem(str(path), None, f"front.{key}", str(value)[:60],
                                    f"unknown front-sheet field; expected one of: {', '.join(FIELDS)}"))
        elif key == "date" and isinstance(value, date):
            meeting_date = value
            values[key] = value.isoformat()
        elif key == "date" and isinstance(value, str) and value.strip():
            try:
                meeting_date = date.fromisoformat(value.strip())
            except ValueError:
                problems.append(Problem(str(path), None, "front.date", value, "expected a date written 2024-07-10"))
            values[key] = value.strip()
        elif not isinstance(value, str):
            problems.append(Problem(str(path), None, f"front.{key}", str(value)[:60], "expected text in quotes"))
        else:
            values[key] = value.strip()
    facts = raw.get("facts", {})
    if not isinstance(facts, dict):
        problems.append(Problem(str(path), None, "facts", str(facts)[:60], "expected a [facts] table"))
        facts = {}
    for key, value in facts.items():
        if not isinstance(value, (int, float, str, date)) or isinstance(value, bool):
            problems.append(Problem(str(path), None, f"facts.{key}", str(value)[:60],
                                    "expected a number, a date or text"))
    # [[offsets]] is read and checked by pipeline/input/scenarios.py (the paper branch's reader at merge).
    unknown = [k for k in raw if k not in ("front", "facts", "offsets")]
    for key in unknown:
        problems.append(Problem(str(path), None, key, "", "unknown table; expected [front] and [facts]"))
    if problems:
        raise InputError(problems)
    return PaperSettings(values, meeting_date, dict(facts))
