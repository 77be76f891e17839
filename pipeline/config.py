"""Settings: data/config.toml merged with the edition's own data/<year>/config.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import InputError, Problem

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError([Problem(str(path), None, None, "", "the settings file is missing; "
                                  "every data folder needs a config.toml (copy the one in the project's data/)")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), None, None, "", f"the settings file is not valid TOML ({exc})")]) from None


@dataclass(frozen=True)
class Vocabulary:
    sections: tuple[str, ...]
    terms: tuple[str, ...]
    priorities: tuple[str, ...]
    statuses: tuple[str, ...]
    categories: tuple[str, ...]
    procurement_routes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def vocabulary(self) -> Vocabulary:
        v = self.raw["vocabulary"]
        return Vocabulary(
            sections=tuple(v["sections"]),
            terms=tuple(v["terms"]),
            priorities=tuple(v["priorities"]),
            statuses=tuple(v["statuses"]),
            categories=tuple(v["categories"]),
            procurement_routes=tuple(v.get("procurement_routes", ())),
        )


def load_config(year: str | None = None, data_dir: Path = DATA_DIR) -> Config:
    """Read the shared settings and, when `year` is given, that edition's overrides."""
    raw = _read_toml(data_dir / "config.toml")
    if year is not None:
        override = data_dir / year / "config.toml"
        if override.exists():
            raw = _merge(raw, _read_toml(override))
    return Config(raw)
