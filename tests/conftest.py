"""Shared fixtures: the project's config, small registers written on the fly, and the 2024-25 edition
built once for the whole session."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline.config import load_config

if TYPE_CHECKING:
    from pipeline.build import BuildResult

ROOT = Path(__file__).resolve().parent.parent
HEADER = "id,section,term,priority,project,provider,spend,funding_source,start_date,end_date,extension_options,status,category,notes"
GOOD_ROW = "VS-001,commissioning,Long,Victim Services,Victim First,Catch 22,\"500,000\",MoJ Victims Grant,01/04/2024,31/03/2029,,recommissioned,,"


def copy_data(dest: Path, year: str = "2024-25") -> Path:
    """A private copy of data/ (shared settings and one edition) that a test may change freely."""
    import shutil

    data = dest / "data"
    data.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "config.toml", data / "config.toml")
    shutil.copytree(ROOT / "data" / year, data / year)
    return data


@pytest.fixture(scope="session")
def config():
    """The 2024-25 edition's settings (data/config.toml with the edition's own over it)."""
    return load_config("2024-25")


@pytest.fixture
def write_csv(tmp_path):
    """Write CSV text (header included) to a file and return its path."""

    def _write(text: str, name: str = "register.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path

    return _write


@dataclass(frozen=True)
class BuiltEdition:
    """The 2024-25 edition as `invoke report --force` builds it, from a private copy of data/."""

    result: BuildResult
    data: Path  # the copy of data/ it was built from

    @property
    def folder(self) -> Path:
        return self.result.out_dir

    def path(self, name: str) -> Path:
        return self.result.out_dir / name


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def built_2024_25(tmp_path_factory) -> BuiltEdition:
    """The real 2024-25 edition, built once per session, for every test that only reads it (a test that
    changes it copies it first: shutil.copytree). Built as the reference test needs it: stages forked in
    parallel (two jobs, which is what a 2-core machine's default gives too), --force, nothing skipped."""
    from pipeline import parallel
    from pipeline.build import build_edition

    tmp = tmp_path_factory.mktemp("built-2024-25")
    data = copy_data(tmp)
    assert parallel.can_fork(), "this machine should run the stages in parallel"
    result = build_edition("2024-25", data_dir=data, out=tmp / "build" / "2024-25", build_dir=tmp / "cache",
                           force=True, jobs=2)
    built = BuiltEdition(result, data)
    before = {"build": _hashes(built.folder), "data": _hashes(data)}
    yield built
    # Shared by many tests, so none may change it: a test that did would pass or fail by the order tests run in.
    after = {"build": _hashes(built.folder), "data": _hashes(data)}
    changed = sorted(f"{where}/{name}" for where in before for name in before[where].keys() | after[where].keys()
                     if before[where].get(name) != after[where].get(name))
    assert not changed, f"a test changed the shared 2024-25 build (copy it first): {changed}"


# Fixtures that build a whole edition: a test that asks for one (directly or through another fixture) is
# slow whatever its own body does, so it is marked here, once, rather than on every test that uses them.
_BUILDING_FIXTURES = {"built_2024_25"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
