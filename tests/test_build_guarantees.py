"""What the build promises beyond the paper's content: the same bytes every time, all outputs or none,
a quick no-op when nothing changed, and silence with --quiet.

(a) Two builds of the same inputs, in separate processes with different hash seeds and time zones,
    into different folders, give byte-identical Word, HTML, chart, CSV and calendar files.
(b) A build killed with SIGKILL part-way (while it draws the charts, writes the HTML or the Word
    file), or failing inside a stage, leaves the previous build exactly as it was.
(c) A second `invoke report` with nothing changed says it is up to date and returns quickly;
    --force rebuilds.
(d) `invoke report --quiet` prints nothing when the build succeeds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pipeline.build as build
from pipeline.build import build_edition

from .conftest import copy_data

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
DOCX = f"commissioning-framework-{YEAR}.docx"
REGISTER = ROOT / "data" / YEAR / "register.csv"


def hashes(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under `folder` (hidden files too), by relative path; folders as <dir>."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if rel in skip:
            continue
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return out


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def invoke_report(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoke", "report", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, **kwargs)


# --- (a) reproducible ------------------------------------------------------------------------------

_BUILD_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipeline.build import build_edition
    build_edition("2024-25", out=Path(sys.argv[1]), build_dir=Path(sys.argv[2]), data_dir=Path(sys.argv[3]),
                  force=True)
""")


def _build_in_process(out: Path, cache: Path, data: Path, hash_seed: str, tz: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "TZ": tz}
    proc = subprocess.run([sys.executable, "-c", _BUILD_SCRIPT, str(out), str(cache), str(data)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_two_builds_of_the_same_inputs_are_byte_identical(tmp_path):
    data = copy_data(tmp_path)
    first, second = tmp_path / "one" / YEAR, tmp_path / "two" / "elsewhere" / YEAR
    # Separate processes (so hash randomisation differs), separate chart caches (so both draw every
    # chart), different folders and time zones: none of that may reach the bytes.
    _build_in_process(first, tmp_path / "cache-one", data, "1", "UTC")
    _build_in_process(second, tmp_path / "cache-two", data, "4242", "Pacific/Auckland")
    a, b = hashes(first, skip=(".fingerprint",)), hashes(second, skip=(".fingerprint",))
    kinds = {Path(name).suffix for name in a}
    assert {".docx", ".html", ".svg", ".png", ".csv", ".ics"} <= kinds, f"outputs missing: {sorted(a)}"
    assert not differing(a, b), f"these outputs differ between two builds of the same inputs: {differing(a, b)}"


def test_a_rebuild_reusing_the_chart_cache_gives_the_same_bytes(tmp_path):
    data = copy_data(tmp_path)
    cache = tmp_path / "cache"
    first = build_edition(YEAR, data_dir=data, out=tmp_path / "one" / YEAR, build_dir=cache, force=True)
    second = build_edition(YEAR, data_dir=data, out=tmp_path / "two" / YEAR, build_dir=cache, force=True)
    assert dict(second.timings)["charts"] < dict(first.timings)["charts"]  # the second run used the cache
    a, b = hashes(first.out_dir, skip=(".fingerprint",)), hashes(second.out_dir, skip=(".fingerprint",))
    assert not differing(a, b), f"outputs differ when the charts come from the cache: {differing(a, b)}"


# --- (b) atomic ------------------------------------------------------------------------------------

# When to kill: after the log line of a stage appears (so the next stage is running), plus a delay;
# or a plain delay after start. `invoke report` logs "<stage>  <seconds> s" as each stage ends.
KILLS = [
    ("analysis", 0.0),   # as the charts start
    ("analysis", 0.4),   # in the middle of drawing the charts
    ("compose", 0.0),    # while the HTML is written
    ("html", 0.0),       # while the Word file is written
    ("html", 0.05),
    ("word", 0.0),       # while the exports are written
    (None, 0.3),
    (None, 0.5),
    (None, 0.8),
]


def _kill_during(cmd: list[str], after_stage: str | None, delay: float) -> tuple[str, int | None]:
    """Run `cmd`, SIGKILL its process group at the chosen moment. Returns (log so far, exit code or None)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    log: list[str] = []
    try:
        if after_stage is None:
            time.sleep(delay)
        else:
            for line in proc.stderr:  # the stage log, one line per finished stage
                log.append(line)
                if line.split()[:1] == [after_stage]:
                    break
            time.sleep(delay)
        finished = proc.poll()
        if finished is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        return "".join(log), finished
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()


def _chart_cache_entries() -> set[str]:
    cache = build.BUILD_DIR / ".cache"
    return {p.name for p in cache.iterdir()} if cache.is_dir() else set()


def test_a_build_killed_part_way_leaves_the_previous_build_as_it_was(tmp_path):
    out = tmp_path / "build" / YEAR
    build_edition(YEAR, out=out, build_dir=tmp_path / "cache", force=True)
    before = hashes(out)
    cache_before = _chart_cache_entries()
    killed_mid_build = []
    try:
        for i, (after_stage, delay) in enumerate(KILLS):
            # A register at a new path has a cold chart cache, so the charts stage really draws.
            register = tmp_path / f"register-{i}.csv"
            shutil.copy(REGISTER, register)
            cmd = [sys.executable, "-m", "invoke", "report", "--force", "--year", YEAR,
                   "--register", str(register), "--out", str(out)]
            log, finished = _kill_during(cmd, after_stage, delay)
            where = f"kill after {after_stage or 'start'} + {delay} s"
            if finished is not None:  # the build completed before the kill: it is the new previous build
                assert finished == 0, f"{where}: the build failed on its own:\n{log}"
                before = hashes(out)
                continue
            killed_mid_build.append(where)
            after = hashes(out)
            assert not differing(before, after), (
                f"{where}: the previous build changed (files {differing(before, after)}); stage log:\n{log}")
            leftovers = [p.name for p in out.parent.iterdir() if p.name != YEAR]
            print(f"{where}: previous build intact; temporary folders left beside it: {leftovers}")
    finally:
        for name in _chart_cache_entries() - cache_before:  # only the entries these runs created
            shutil.rmtree(build.BUILD_DIR / ".cache" / name, ignore_errors=True)
    assert len(killed_mid_build) >= len(KILLS) // 2, f"too few kills landed mid-build: {killed_mid_build}"


@pytest.mark.parametrize(("module", "function", "error"), [
    ("pipeline.writers.docx", "write_docx", RuntimeError("Word writer failed")),
    ("pipeline.writers.html", "write_html", OSError(28, "No space left on device")),
    ("pipeline.exports.calendar", "write_schedule_ics", KeyboardInterrupt()),
], ids=["word-raises", "html-disk-full", "exports-interrupted"])
def test_a_failure_inside_a_stage_leaves_the_previous_build_and_no_temporary_folder(
        tmp_path, monkeypatch, module, function, error):
    import importlib

    out = tmp_path / "build" / YEAR
    build_edition(YEAR, out=out, build_dir=tmp_path / "cache", force=True)
    before = hashes(out)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(importlib.import_module(module), function, fail)
    with pytest.raises(type(error)):
        build_edition(YEAR, out=out, build_dir=tmp_path / "cache", force=True)
    assert not differing(before, hashes(out)), f"the previous build changed: {differing(before, hashes(out))}"
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name != YEAR)
    assert not leftovers, f"temporary folders left behind: {leftovers}"


# --- (c) up to date, (d) quiet ---------------------------------------------------------------------

def test_a_second_report_with_nothing_changed_is_a_quick_no_op_and_force_rebuilds(tmp_path):
    out = tmp_path / "build" / YEAR
    first = invoke_report("--year", YEAR, "--out", str(out))
    assert first.returncode == 0, first.stderr[-3000:]
    docx = out / DOCX
    built = docx.stat().st_mtime_ns
    content = docx.read_bytes()

    t0 = time.perf_counter()
    second = invoke_report("--year", YEAR, "--out", str(out))
    took = time.perf_counter() - t0
    said = second.stdout + second.stderr
    assert second.returncode == 0, said
    assert "up to date" in said, said
    assert docx.stat().st_mtime_ns == built, "an up-to-date report rewrote the paper"
    t1 = time.perf_counter()
    build_edition(YEAR, out=out)  # the check itself, without starting Python and invoke
    check_only = time.perf_counter() - t1
    print(f"up-to-date `invoke report`: {took:.2f} s wall (process start included); "
          f"the check inside build_edition: {check_only * 1000:.0f} ms")

    forced = invoke_report("--year", YEAR, "--out", str(out), "--force")
    said = forced.stdout + forced.stderr
    assert forced.returncode == 0, said
    assert "up to date" not in said and f"Built {YEAR}" in said, said
    assert docx.stat().st_mtime_ns != built, "--force did not rebuild"
    assert docx.read_bytes() == content, "a forced rebuild of the same inputs gave a different Word file"


def test_quiet_prints_nothing_on_success(tmp_path):
    out = tmp_path / "build" / YEAR
    for args in (["--force"], []):  # a build, then an up-to-date no-op
        proc = invoke_report("--year", YEAR, "--out", str(out), "--quiet", *args)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout == "" and proc.stderr == "", f"--quiet printed:\n{proc.stdout}{proc.stderr}"
    assert (out / DOCX).exists()
