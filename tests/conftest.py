"""Shared fixtures: the project's config and small registers written on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config

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
    return load_config("2024-25")


@pytest.fixture
def write_csv(tmp_path):
    """Write CSV text (header included) to a file and return its path."""

    def _write(text: str, name: str = "register.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path

    return _write


# Fixtures that build a whole edition: a test that asks for one is slow whatever its own body does,
# so it is marked here, once, rather than on every test that uses them.
_BUILDING_FIXTURES = {("test_paper.py", "edition"), ("test_transparency.py", "real_build")}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.path.name
        if any((module, name) in _BUILDING_FIXTURES for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
