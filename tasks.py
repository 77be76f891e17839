"""Tasks for building the Commissioning Framework. Run `invoke --list` to see them.

Every task that reads the register stops with exit code 2 and a plain-English list of problems
when the input is wrong; nothing in build/ is touched in that case.
"""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent


def _friendly(fn):
    """Turn input problems into the officer-facing message and exit code 2, never a traceback."""

    @wraps(fn)
    def wrapper(c, *args, **kwargs):
        from pipeline.problems import InputError

        try:
            return fn(c, *args, **kwargs)
        except InputError as exc:
            print(exc.report(), file=sys.stderr)
            raise Exit(code=2) from None

    return wrapper


@task(help={
    "year": "edition to check, e.g. 2024-25 (default: the latest under data/)",
    "register": "check this register file instead of data/<year>/register.csv",
})
@_friendly
def check(c, year=None, register=None):
    """Validate the register without building anything."""
    from pipeline.build import check_register

    print(check_register(year=year, register=register))


@task
def test(c):
    """Run the test suite."""
    c.run(f"{sys.executable} -m pytest", pty=False)
