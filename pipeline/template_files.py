"""Where the project's templates are, and how a stage finds one of their files.

`templates/` holds the structure and the fixed words of every edition. A build may be given another
templates folder (tests do; an office may keep its own); a file that folder lacks is taken from the
project's own, so a partial copy still builds.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

W = TypeVar("W")


def folder(templates_dir: Path | str | None) -> Path:
    """The templates folder asked for, or the project's own."""
    return Path(templates_dir) if templates_dir else TEMPLATES


def template_file(templates_dir: Path | str | None, relative: Path | str) -> Path:
    """`relative` in the given templates folder, or the project's own file where that folder has none."""
    own = folder(templates_dir) / relative
    return own if own.exists() else TEMPLATES / relative


def load_words(kind: type[W], relative: Path | str, templates_dir: Path | str | None = None) -> W:
    """A frozen dataclass of fixed words (every field text) from a TOML file of the templates."""
    path = template_file(templates_dir, relative)
    with path.open("rb") as fh:
        raw: dict[str, Any] = tomllib.load(fh)
    missing = [f.name for f in fields(kind) if not isinstance(raw.get(f.name), str)]  # type: ignore[arg-type]
    if missing:
        raise ValueError(f"{path}: missing or not text: {', '.join(missing)}")
    return kind(**{f.name: raw[f.name] for f in fields(kind)})  # type: ignore[arg-type]
