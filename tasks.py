"""Tasks for building the Commissioning Framework. Run `invoke --list` to see them, `invoke --help TASK` for options.

Every task that reads the register stops with exit code 2 and a plain-English list of problems
when the input is wrong; nothing already in build/ is touched in that case.
"""

from __future__ import annotations

import logging
import sys
from functools import wraps
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
YEAR_HELP = "edition, e.g. 2024-25 (default: the latest folder under data/)"


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


def _logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s", force=True)


@task(help={"year": YEAR_HELP, "register": "check this register file instead of the edition's own"})
@_friendly
def check(c, year=None, register=None):
    """Validate the register without building anything."""
    from pipeline.build import check_register

    print(check_register(year=year, register=register))


@task(help={
    "year": YEAR_HELP,
    "register": "build from this register file instead of data/<year>/register.csv",
    "out": "write into this folder (default: build/<year>/)",
    "all": "build every edition under data/, oldest first",
    "force": "rebuild even if nothing changed",
    "quiet": "print only problems, not the time each stage took",
})
@_friendly
def report(c, year=None, register=None, out=None, all=False, force=False, quiet=False):
    """Build the paper (Word and HTML), charts and review schedule."""
    from pipeline.build import build_edition
    from pipeline.config import DATA_DIR
    from pipeline.edition import available_editions

    _logging(quiet)
    years = [e.label for e in available_editions(DATA_DIR)] if all else [year]
    for y in years:
        result = build_edition(year=y, register=register, out=out, force=force)
        if not result.skipped:
            total = sum(t for _, t in result.timings)
            logging.info("Built %s in %.1f s:", result.edition.label, total)
            for f in result.files:
                if f.parent == result.out_dir:
                    logging.info("  %s", f.relative_to(ROOT) if f.is_relative_to(ROOT) else f)
        for w in result.warnings:
            print(f"note: {w}", file=sys.stderr)


@task(help={"args": "extra arguments for pytest, e.g. \"-k loader -x\""})
def test(c, args=""):
    """Run the test suite."""
    result = c.run(f"{sys.executable} -m pytest {args}", pty=False, warn=True)
    if result.exited == 5:
        print("pytest collected no tests: that is a failure of the suite, not a pass.", file=sys.stderr)
        raise Exit(code=1)
    if result.exited:
        raise Exit(code=result.exited)


@task
def clean(c):
    """Delete everything under build/."""
    import shutil

    shutil.rmtree(ROOT / "build", ignore_errors=True)
