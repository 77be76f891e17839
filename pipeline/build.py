"""Orchestration: find the edition's inputs, run the stages, write the outputs."""

from __future__ import annotations

from pathlib import Path

from .config import DATA_DIR, Config, load_config
from .edition import Edition, available_editions, parse_edition
from .formatting import money, plural
from .load import load_register
from .problems import InputError, Problem
from .register import Register

ROOT = DATA_DIR.parent


def resolve_edition(year: str | None, data_dir: Path = DATA_DIR) -> Edition:
    if year:
        return parse_edition(year)
    editions = available_editions(data_dir)
    if not editions:
        raise InputError([Problem(str(data_dir), None, None, "",
                                  "no edition folders found; expected a folder such as data/2024-25 holding register.csv")])
    return editions[-1]


def register_path(edition: Edition, config: Config, register: str | Path | None, data_dir: Path = DATA_DIR) -> Path:
    if register:
        return Path(register)
    folder = data_dir / edition.label
    configured = folder / config["register"]["file"]
    if configured.exists():
        return configured
    for alt in ("register.xlsx", "register.csv"):
        if (folder / alt).exists():
            return folder / alt
    return configured


def load_edition(year: str | None, register: str | Path | None = None, data_dir: Path = DATA_DIR
                 ) -> tuple[Edition, Config, Register]:
    edition = resolve_edition(year, data_dir)
    config = load_config(edition.label, data_dir)
    path = register_path(edition, config, register, data_dir)
    return edition, config, load_register(path, config)


def summary(edition: Edition, config: Config, reg: Register) -> str:
    out = [f"{reg.source}: {plural(len(reg), 'line')} for {edition.label} - all valid."]
    for section in config.vocabulary.sections:
        lines = reg.in_section(section)
        if lines:
            out.append(f"  {section:<15} {plural(len(lines), 'line'):>10}   {money(reg.total(lines)):>12}")
    out.append(f"  {'total':<15} {plural(len(reg), 'line'):>10}   {money(reg.total()):>12}")
    out.extend(f"  note: {w}" for w in reg.warnings)
    return "\n".join(out)


def check_register(year: str | None = None, register: str | Path | None = None) -> str:
    edition, config, reg = load_edition(year, register)
    return summary(edition, config, reg)
