"""Running stages at once never changes what is published (the reference itself: test_reference_outputs.py).

(b) Every file of a parallel build is byte-identical to a build that runs one stage after another,
    for the 2024-25 edition and for a large dated register.
(c) The stage runner: stages really run in other processes at the same time; a failure in one stops
    the others and reaches the build as it was raised (an officer's input problem keeps its details).
(d) Start-up stays lean: deciding that nothing changed imports none of the heavy libraries.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import parallel
from pipeline.build import build_edition
from pipeline.problems import InputError, Problem

from .reference_outputs import YEAR

ROOT = Path(__file__).resolve().parent.parent


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".fingerprint"}


# --- (b) -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dated_data(tmp_path_factory):
    from benchmarks.synthetic import write_edition

    data = tmp_path_factory.mktemp("dated") / "data"
    write_edition(data, 700, seed=7, profile="dated")  # beyond the timeline's bars and the lists' limits
    return data


@pytest.mark.slow
@pytest.mark.parametrize("which", ["2024-25", "dated"])
def test_a_parallel_build_is_byte_identical_to_a_serial_one(tmp_path, which, request):
    kwargs = {} if which == "2024-25" else {"data_dir": request.getfixturevalue("dated_data")}
    serial = build_edition(YEAR, out=tmp_path / "serial" / YEAR, build_dir=tmp_path / "c1", force=True, jobs=1,
                           **kwargs)
    fast = build_edition(YEAR, out=tmp_path / "parallel" / YEAR, build_dir=tmp_path / "c2", force=True, jobs=2,
                         **kwargs)
    assert not {"charts:1", "charts:2"} & {n for n, _ in serial.timings}
    assert {"charts:1", "charts:2"} <= {n for n, _ in fast.timings}, "the charts were not shared out"
    a, b = file_hashes(serial.out_dir), file_hashes(fast.out_dir)
    assert len(a) >= 15 and {p.rsplit(".", 1)[-1] for p in a} >= {"docx", "html", "svg", "png", "csv", "ics", "json"}
    assert a == b, f"files that differ: {sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))}"


# --- (c) -----------------------------------------------------------------------------------------

def _nap(seconds: float):
    def run(done):
        t0 = time.time()
        time.sleep(seconds)
        return os.getpid(), t0, time.time()
    return run


@pytest.mark.slow
def test_independent_stages_run_at_once_in_other_processes():
    tasks = [parallel.Task("a", _nap(0.6)), parallel.Task("b", _nap(0.6)),
             parallel.Task("c", lambda done: (os.getpid(), done["a"][0], done["b"][0]), after=("a", "b"), inline=True)]
    results, timings = parallel.run(tasks, jobs=2)
    (pa, a0, a1), (pb, b0, b1) = results["a"], results["b"]
    assert len({pa, pb, os.getpid()}) == 3, "a and b should each run in a process of their own"
    assert a0 < b1 and b0 < a1, "a and b did not overlap"
    assert results["c"] == (os.getpid(), pa, pb)  # an inline stage runs here, after the ones it needs
    assert [n for n, _ in timings][-1] == "c"
    serial, _ = parallel.run(tasks, jobs=1)
    assert {serial["a"][0], serial["b"][0], serial["c"][0]} == {os.getpid()}


def test_an_input_problem_in_a_stage_reaches_the_build_with_its_details():
    problem = Problem("data/config.toml, [calendar] years_ahead", None, None, "-1", "expected a whole number")

    def bad(done):
        raise InputError([problem])

    with pytest.raises(InputError) as err:
        parallel.run([parallel.Task("slow", _nap(5)), parallel.Task("bad", bad)], jobs=2)
    assert err.value.problems == [problem]
    assert "expected a whole number" in err.value.report()


@pytest.mark.slow
def test_a_failing_stage_stops_the_others_and_raises_as_it_was_raised(tmp_path):
    marker = tmp_path / "slow-finished"

    def slow(done):
        time.sleep(3)
        marker.write_text("the slow stage ran on after the failure")

    def broken(done):
        time.sleep(0.2)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as err:
        parallel.run([parallel.Task("slow", slow), parallel.Task("broken", broken)], jobs=2)
    assert err.value.errno == 28
    assert any("broken" in note for note in getattr(err.value, "__notes__", []))
    time.sleep(3.2)
    assert not marker.exists(), "the other stage was not stopped"


def test_a_stage_killed_by_a_signal_is_reported_not_hung():
    def die(done):
        os.kill(os.getpid(), 9)

    with pytest.raises(RuntimeError, match="the die stage was stopped by signal 9"):
        parallel.run([parallel.Task("die", die)], jobs=2)


# --- (d) -----------------------------------------------------------------------------------------

HEAVY = ("matplotlib", "pandas", "numpy", "docx", "openpyxl", "icalendar", "PIL", "lxml", "jinja2", "markdown_it")


def imported(args: list[str], **kwargs) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, **kwargs)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.slow
def test_an_up_to_date_report_imports_none_of_the_heavy_libraries(tmp_path):
    out = tmp_path / "build" / YEAR
    first = subprocess.run([sys.executable, "-m", "invoke", "report", "--quiet", "--out", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    modules = imported(["-m", "invoke", "report", "--out", str(out)])
    assert "pipeline.build" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"a no-op report imported {heavy[:10]}"
    assert not any(m.split(".")[0] in HEAVY for m in imported(["-c", "import pipeline.build"]))
