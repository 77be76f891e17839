"""Every build publishes what the 2024-25 reference holds.

tests/reference/2024-25 (written by tests/reference_outputs.py) keeps the exports, calendar events, and the
page, Word and PDF text of the 2024-25 edition; a build that runs its stages at once on several cores
must publish exactly that. A change meant to alter an edition regenerates the reference in its own commit.
"""

from __future__ import annotations

import difflib

import pytest

from .reference_outputs import REFERENCE, YEAR, published


@pytest.mark.slow
def test_a_parallel_build_publishes_what_the_2024_25_reference_holds(built_2024_25):
    # built_2024_25 ran its stages in parallel (two jobs; the fixture checks the machine can fork).
    found = published(built_2024_25.folder)
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(REFERENCE.iterdir())}
    assert sorted(found) == sorted(expected)
    for name, text in expected.items():
        if found[name] != text:
            diff = "".join(list(difflib.unified_diff(text.splitlines(True), found[name].splitlines(True),
                                                     "reference", "this build", n=1))[:60])
            pytest.fail(f"{name} differs from tests/reference/{YEAR}/{name}. If the change is meant, run "
                        f"`python -m tests.reference_outputs --update` and review the diff:\n{diff}")
