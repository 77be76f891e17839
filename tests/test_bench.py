"""The benchmark's inputs and baseline: the dated synthetic registers, the notebook it is measured
against, and the report it prints."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks.synthetic import dated_register, write_edition
from pipeline.config import load_config
from pipeline.input.load import load_register

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    data = tmp_path_factory.mktemp("bench") / "data"
    path = write_edition(data, 2000, seed=11, profile="dated")
    return data, load_register(path, load_config("2024-25", data))


def test_every_line_of_the_dated_profile_is_dated_and_valid(dated):
    data, reg = dated
    lines = reg.lines
    assert len(lines) == 2000  # loading raised no problem: every cell is valid
    assert all(l.start_date and l.end_date and l.start_date < l.end_date for l in lines)
    assert sum(1 for l in lines if l.extension_options) > 0.6 * len(lines)
    with_breaks = [l for l in lines if l.break_dates]
    assert len(with_breaks) > 0.1 * len(lines)
    assert all(l.start_date < b < l.end_date for l in with_breaks for b in l.break_dates)
    config = load_config("2024-25", data)
    assert {l.section for l in lines} == set(config.vocabulary.sections)
    assert {l.status for l in lines} == {"", *config.vocabulary.statuses}
    assert not any(l.id.startswith(("VS-0", "VU-0", "PR-0")) for l in lines), "2024-25 lines leaked in"
    assert not (data / "2024-25" / "prose").exists() and not (data / "2024-25" / "paper.toml").exists()


def test_the_dated_profile_is_the_same_bytes_for_the_same_seed():
    assert dated_register(300, seed=5) == dated_register(300, seed=5)
    assert dated_register(300, seed=5) != dated_register(300, seed=6)


@pytest.mark.slow
def test_the_notebook_baseline_loads_the_register_draws_four_charts_and_exports_html(tmp_path):
    run = bench.notebook(ROOT / "data" / "2024-25" / "register.csv", tmp_path)
    html = (tmp_path / "notebook" / "report.html").read_text(encoding="utf-8")
    assert run.wall > 0 and run.peak_mb > 50
    # The shared notebook draws its four charts with the Agg backend, so the page holds their code, not images.
    assert html.count(">subplots<") == 4  # each plt.subplots() call, as the page highlights the code
    assert "Victim First" in html  # the two tables: commissioned services and grants
    assert html.count("<tr") > 64  # the whole register is in the page


def test_the_notebook_is_the_teams_shared_baseline_unedited():
    """The copy the bench runs is byte for byte the shared baseline (where the shared folder is beside
    the repository, as on CI), so every branch's ratios mean the same."""
    ours = bench.NOTEBOOK.read_bytes()
    assert b"register.csv" in ours and ours.count(b'"cell_type": "code"') == 8
    for shared in (bench.SHARED_NOTEBOOK, ROOT.parent.parent / "shared" / "bench" / bench.NOTEBOOK.name):
        if shared.exists():
            assert shared.read_bytes() == ours


@pytest.mark.slow
def test_the_bench_reports_ratios_against_the_notebook_and_the_machine(tmp_path):
    out = io.StringIO()
    code = bench.main(sizes=[300], today=[300], real=False, pdf=False, stream=out)
    text = out.getvalue()
    assert code == 0, text
    # wall, cpu, peak MB, and the ratio to the notebook on the build's row
    assert re.search(r"300 dated lines: build\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.]+ x", text), text
    assert re.search(r"300 dated lines: the notebook\s+[\d.]+\s+[\d.]+\s+\d+\n", text), text
    assert "300 lines, today's profile: build" in text
    assert re.search(r"Machine: \d+ cores .*GiB RAM", text)


def test_without_the_bench_extra_it_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nbclient" else real(name, *a))
    assert bench.main(sizes=[300], real=False, pdf=False) == 2
    assert "pip install -e '.[bench]'" in capsys.readouterr().err


@pytest.mark.parametrize("met, code", [(True, 0), (False, 1)])
def test_check_exits_1_only_when_a_target_is_missed(monkeypatch, met, code):
    canned = bench.Results("test machine", targets=[("10,000 dated lines cold <= 0.5 x the notebook", met, "x")])
    monkeypatch.setattr(bench, "session", lambda *a, **k: canned)
    out = io.StringIO()
    assert bench.main(sizes=[10000], check=True, stream=out) == code
    assert ("[MISSED]" in out.getvalue()) is (not met)
    assert bench.main(sizes=[10000], check=False, stream=io.StringIO()) == 0


@pytest.mark.slow
def test_invoke_bench_runs_with_its_options():
    proc = subprocess.run([sys.executable, "-m", "invoke", "bench", "--sizes", "300", "--today", "300",
                           "--no-real", "--no-pdf"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "300 dated lines: build" in proc.stdout and "Targets (ratios from this run):" in proc.stdout
