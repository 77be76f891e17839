"""Settings: data/config.toml merged with the edition's own data/<year>/config.toml, then checked.

Every setting the pipeline reads is checked once, when the files are read, against its expected type
and range (pipeline/settings.py declares them), so a mistake such as notice_months = -6 or
years_ahead = "four" is reported with the file, table and key instead of building a nonsense paper or
failing deep inside a stage. Stages read the typed values, `config.settings`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .problems import InputError, Problem
from .settings import Limits, Settings, Vocabulary, read_settings

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _origins(raw: dict[str, Any], path: Path, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Path]:
    """Which file set each setting, so a message names the file the officer must edit."""
    found: dict[tuple[str, ...], Path] = {}
    for key, value in raw.items():
        found[(*prefix, key)] = path
        if isinstance(value, dict):
            found.update(_origins(value, path, (*prefix, key)))
    return found


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(str(path), None, None, "", "the settings file is missing; "
                                  "every data folder needs a config.toml (copy the one in the project's data/)")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, "", f"the settings file could not be read ({exc.strerror})")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError([Problem(str(path), None, None, "",
                                  f"line {line}: the settings file is not saved as UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                  "open it in a text editor and save it with the UTF-8 encoding")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), None, None, "", f"the settings file is not valid TOML ({exc})")]) from None


@dataclass(frozen=True)
class Config:
    """The merged tables as read (`raw`, for the settings module alone) and, checked, `settings`."""
    raw: dict[str, Any]
    origins: dict[tuple[str, ...], Path] = field(default_factory=dict, compare=False, repr=False)
    year: str | None = field(default=None, compare=False)  # the edition, for the paper date's range
    default_file: Path = field(default=DATA_DIR / "config.toml", compare=False, repr=False)

    def __getitem__(self, key: str) -> Any:
        """A raw table, as the tests build variations of the settings from it; stages read `settings`."""
        return self.raw[key]

    @cached_property
    def settings(self) -> Settings:
        """Every table, typed and checked (once per Config: it is frozen). Raises InputError naming every
        wrong setting."""
        found, problems = read_settings(self.raw, self.origins, self.default_file, self.year)
        if found is None:
            raise InputError(problems)
        return found

    @property
    def vocabulary(self) -> Vocabulary:
        return self.settings.vocabulary

    @property
    def limits(self) -> Limits:
        return self.settings.limits


def load_config(year: str | None = None, data_dir: Path = DATA_DIR) -> Config:
    """Read the shared settings and, when `year` is given, that edition's overrides; check them all."""
    shared = data_dir / "config.toml"
    raw = _read_toml(shared)
    origins = _origins(raw, shared)
    if year is not None:
        override = data_dir / year / "config.toml"
        if override.exists():
            extra = _read_toml(override)
            raw = _merge(raw, extra)
            origins.update(_origins(extra, override))
    config = Config(raw, origins, year, shared)
    config.settings  # noqa: B018  (checked now, before any stage runs)
    return config


def check_settings(config: Config, default_file: Path = DATA_DIR / "config.toml", year: str | None = None) -> list[Problem]:
    """Every problem in the merged settings: missing tables, wrong types, values out of range (the paper
    date against edition `year`, when given)."""
    return read_settings(config.raw, config.origins, default_file, year)[1]
