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
import pipeline.chart_cache as chart_cache
import pipeline.publish as publish
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_build_killed_part_way_leaves_the_previous_build_as_it_was(tmp_path, built_2024_25):
    out = tmp_path / "build" / YEAR
    shutil.copytree(built_2024_25.folder, out)  # the previous build
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
            after = hashes(out)
            stages = {line.split()[0] for line in log.splitlines() if line.strip()}
            if {"exports", "word", "pdf", "html"} <= stages and differing(before, after):
                # Every stage had finished (the PDF is no longer the slow last one): the kill landed
                # while the finished build was swapped in or reported. It must then be whole.
                assert set(after) == set(before), f"{where}: a finished build is incomplete: {sorted(set(before) - set(after))}"
                before = after
                continue
            killed_mid_build.append(where)
            assert not differing(before, after), (
                f"{where}: the previous build changed (files {differing(before, after)}); stage log:\n{log}")
            leftovers = [p.name for p in out.parent.iterdir() if p.name != YEAR]
            print(f"{where}: previous build intact; temporary folders left beside it: {leftovers}")
    finally:
        for name in _chart_cache_entries() - cache_before:  # only the entries these runs created
            shutil.rmtree(build.BUILD_DIR / ".cache" / name, ignore_errors=True)
    assert len(killed_mid_build) >= len(KILLS) // 2, f"too few kills landed mid-build: {killed_mid_build}"


@pytest.mark.slow
@pytest.mark.parametrize(("module", "function", "error", "said"), [
    ("pipeline.writers.docx", "write_docx", RuntimeError("Word writer failed"), None),
    # A disk-level failure is the officer's to fix, so it is a message (exit 2), not a traceback.
    ("pipeline.writers.html", "write_html", OSError(28, "No space left on device"), "the disk is full"),
    ("pipeline.writers.docx", "write_docx", PermissionError(13, "Permission denied", "x.docx"), "permission was refused"),
    ("pipeline.exports.calendar", "write_schedule_ics", KeyboardInterrupt(), None),
], ids=["word-raises", "html-disk-full", "word-permission", "exports-interrupted"])
def test_a_failure_inside_a_stage_leaves_the_previous_build_and_no_temporary_folder(
        tmp_path, monkeypatch, built_2024_25, module, function, error, said):
    import importlib

    from pipeline.problems import InputError

    out = tmp_path / "build" / YEAR
    shutil.copytree(built_2024_25.folder, out)  # the previous build
    before = hashes(out)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(importlib.import_module(module), function, fail)
    with pytest.raises(InputError if said else type(error)) as info:
        build_edition(YEAR, out=out, build_dir=tmp_path / "cache", force=True)
    if said:
        report = info.value.report()
        assert said in report and "is as it was before this build" in report, report
    assert not differing(before, hashes(out)), f"the previous build changed: {differing(before, hashes(out))}"
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name != YEAR)
    assert not leftovers, f"temporary folders left behind: {leftovers}"


# --- (c) up to date, (d) quiet ---------------------------------------------------------------------

@pytest.mark.slow
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


@pytest.mark.slow
def test_quiet_prints_nothing_on_success(tmp_path):
    out = tmp_path / "build" / YEAR
    for args in (["--force"], []):  # a build, then an up-to-date no-op
        proc = invoke_report("--year", YEAR, "--out", str(out), "--quiet", *args)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout == "" and proc.stderr == "", f"--quiet printed:\n{proc.stdout}{proc.stderr}"
    assert (out / DOCX).exists()


# --- (e) the chart cache: plain data, checked, keyed on what shapes a chart ----------------------

def _cache_entry(cache_root: Path) -> Path:
    entries = [p for p in (cache_root / ".cache").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(entries) == 1, entries
    return entries[0]


@pytest.fixture
def cached_build(tmp_path):
    data = copy_data(tmp_path)
    root = tmp_path / "root"
    first = build_edition(YEAR, data_dir=data, out=tmp_path / "first" / YEAR, build_dir=root, force=True)
    return data, root, hashes(first.out_dir / "charts")


def _rebuild(tmp_path, data, root, name):
    return build_edition(YEAR, data_dir=data, out=tmp_path / name / YEAR, build_dir=root, force=True)


@pytest.mark.slow
def test_the_chart_cache_is_plain_json_and_a_planted_pickle_never_runs(tmp_path, cached_build):
    import json
    import pickle

    data, root, charts = cached_build
    entry = _cache_entry(root)
    index = json.loads((entry / "index.json").read_text(encoding="utf-8"))
    assert {c["svg"]["name"] for c in index["charts"]} == {n for n in charts if n.endswith(".svg")}
    assert not list(entry.rglob("*.pickle"))

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (entry / "charts.pickle").write_bytes(pickle.dumps([Payload()]))
    (entry / "index.json").write_text("not json", encoding="utf-8")
    result = _rebuild(tmp_path, data, root, "second")
    assert not marker.exists(), "a planted pickle was loaded"
    assert hashes(result.out_dir / "charts") == charts


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["tampered-svg", "tampered-svg-and-hash", "truncated-png", "missing-file"])
def test_a_damaged_cache_entry_is_drawn_again_never_published(tmp_path, cached_build, damage):
    import json

    data, root, charts = cached_build
    entry = _cache_entry(root)
    svg = next((entry / "files").glob("*.svg"))
    png = next((entry / "files").glob("*.png"))
    if damage.startswith("tampered-svg"):
        svg.write_text(svg.read_text(encoding="utf-8").replace("</svg>", "<script>alert(1)</script></svg>"), encoding="utf-8")
        if damage == "tampered-svg-and-hash":  # the index rewritten to match: the SVG itself is still refused
            index = json.loads((entry / "index.json").read_text(encoding="utf-8"))
            for c in index["charts"]:
                if c["svg"]["name"] == svg.name:
                    c["svg"]["sha256"], c["svg"]["size"] = hashlib.sha256(svg.read_bytes()).hexdigest(), svg.stat().st_size
            (entry / "index.json").write_text(json.dumps(index), encoding="utf-8")
    elif damage == "truncated-png":
        png.write_bytes(png.read_bytes()[: png.stat().st_size // 2])
    else:
        png.unlink()
    result = _rebuild(tmp_path, data, root, "second")
    assert hashes(result.out_dir / "charts") == charts, "the damaged entry was published"
    assert "<script" not in (result.out_dir / "charts" / svg.name).read_text(encoding="utf-8")
    again = _rebuild(tmp_path, data, root, "third")  # the entry was rewritten whole: later builds are fine too
    assert hashes(again.out_dir / "charts") == charts


def test_the_cache_key_covers_the_analysis_code_but_not_the_prose(tmp_path, monkeypatch):
    from pipeline.config import load_config
    from pipeline.edition import Edition

    package = tmp_path / "pipeline"
    shutil.copytree(Path(build.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(chart_cache, "_PACKAGE", package)
    data = copy_data(tmp_path)
    configs = [data / "config.toml"]
    edition = Edition(2024)
    key = chart_cache.key(REGISTER, configs, edition)
    (data / YEAR / "prose" / "outlook.md").write_text("Changed prose.\n", encoding="utf-8")
    assert chart_cache.key(REGISTER, configs, edition) == key
    schedule = package / "analysis" / "schedule.py"
    schedule.write_text(schedule.read_text(encoding="utf-8") + "\n# a rule changed\n", encoding="utf-8")
    assert chart_cache.key(REGISTER, configs, edition) != key, "a schedule rule change would reuse old charts"
    del load_config


# --- (f) build/<year> is never missing ---------------------------------------------------------------

_WATCHER = textwrap.dedent("""
    import os, sys
    path, stop = sys.argv[1], sys.argv[2]
    looks = missing = 0
    while not os.path.exists(stop):
        looks += 1
        missing += not os.path.exists(path)
    print(looks, missing)
""")


def _watching(path: Path, stop: Path, work) -> tuple[int, int]:
    """Run work() while another process (no shared lock with this one) checks `path` as fast as it can."""
    watcher = subprocess.Popen([sys.executable, "-c", _WATCHER, str(path), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.2)
        work()
    finally:
        stop.touch()
        looks, missing = map(int, watcher.communicate(timeout=60)[0].split())
    return looks, missing


def _swaps(out: Path, n: int) -> None:
    for i in range(n):
        tmp = out.parent / f".swap-{i}"
        shutil.copytree(out, tmp)
        publish.swap_into_place(tmp, out)


@pytest.mark.slow
def test_the_build_folder_is_never_missing_while_builds_replace_it(tmp_path, built_2024_25):
    out = tmp_path / "build" / YEAR
    shutil.copytree(built_2024_25.folder, out)  # the previous build

    def work():
        for _ in range(2):
            build_edition(YEAR, out=out, build_dir=tmp_path / "cache", force=True)
        _swaps(out, 150)

    looks, missing = _watching(out / DOCX, tmp_path / "stop", work)
    assert looks > 1000, "the watcher hardly ran"
    assert not missing, f"build/{YEAR} was missing {missing} of {looks} times the watcher looked"
    assert sorted(p.name for p in out.parent.iterdir()) == [YEAR], "old builds left beside the new one"


def test_the_watcher_does_see_the_gap_two_renames_leave(tmp_path, monkeypatch):
    """The test above can fail: with the exchange switched off, the same watcher catches the gap."""
    out = tmp_path / "build" / YEAR
    out.mkdir(parents=True)
    (out / DOCX).write_bytes(b"x" * 1000)
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    looks, missing = _watching(out / DOCX, tmp_path / "stop", lambda: _swaps(out, 300))
    assert missing > 0, f"the watcher looked {looks} times and never saw the gap"


def test_without_an_atomic_exchange_the_fallback_puts_the_old_build_back_on_failure(tmp_path, monkeypatch):
    out = tmp_path / "build" / YEAR
    out.mkdir(parents=True)
    (out / "old.txt").write_text("old")
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)  # as on Windows
    new = tmp_path / "build" / ".new"
    new.mkdir()
    (new / "new.txt").write_text("new")
    publish.swap_into_place(new, out)
    assert (out / "new.txt").exists() and not (out / "old.txt").exists()

    broken = tmp_path / "build" / ".gone"  # does not exist: the second rename fails
    with pytest.raises(OSError):
        publish.swap_into_place(broken, out)
    assert (out / "new.txt").exists(), "the previous build was not put back"


# --- (g) outputs that cannot be written, templates that cannot be used ------------------------------

def test_an_output_path_under_a_file_is_refused_with_a_message(tmp_path):
    blocker = tmp_path / "paper.docx"
    blocker.write_text("an officer's file")
    proc = invoke_report("--year", YEAR, "--out", str(blocker / YEAR))
    said = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "Traceback" not in said, said
    assert "is a file, not a folder" in said and "--out" in said
    assert blocker.read_text() == "an officer's file"


@pytest.mark.parametrize("damage", ["missing", "truncated", "not-a-docx"])
def test_a_missing_or_damaged_reference_docx_stops_check_and_report_up_front(tmp_path, damage):
    from pipeline.build import check_edition
    from pipeline.template_files import TEMPLATES
    from pipeline.problems import InputError

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    reference = templates / "reference.docx"
    if damage == "missing":
        reference.unlink()
    elif damage == "truncated":
        reference.write_bytes(reference.read_bytes()[:2000])
    else:
        reference.write_text("not a Word file")
    out = tmp_path / "out" / YEAR
    for run in (lambda: check_edition(YEAR, templates=templates, build_dir=tmp_path / "cache"),
                lambda: build_edition(YEAR, templates=templates, out=out, build_dir=tmp_path / "cache")):
        with pytest.raises(InputError) as info:
            run()
        report = info.value.report()
        assert "reference.docx" in report and ("missing" in report or "damaged" in report), report
        assert "python -m pipeline.writers.reference_docx" in report
    assert not out.exists()


@pytest.mark.slow
def test_a_machine_without_the_pdf_engine_builds_the_rest_and_says_why(tmp_path, monkeypatch):
    """A machine where the typst wheel cannot load (a platform it has no build for): the README's first
    command must still give the paper, and say so."""
    import pipeline.writers.pdf as pdf

    monkeypatch.setattr(pdf, "engine_problem", lambda: "the PDF edition was not built: the typst package cannot be loaded")
    data = copy_data(tmp_path)
    result = build_edition("2024-25", data_dir=data, build_dir=tmp_path / "build", force=True)
    names = {p.name for p in result.files}
    assert "commissioning-framework-2024-25.docx" in names and "commissioning-framework-2024-25.html" in names
    assert "commissioning-framework-2024-25.pdf" not in names
    assert any("PDF edition was not built" in w for w in result.warnings)
    html = (result.out_dir / "commissioning-framework-2024-25.html").read_text(encoding="utf-8")
    assert "commissioning-framework-2024-25.pdf" not in html  # no link to a file that is not there
