"""A figure() naming no chart stops check and report with the file, the line, a suggestion and the names
there are; a chart the edition has no inputs for this year (no scenarios.toml) is left out silently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.build import build_edition, check_edition, compose_edition
from pipeline.paper.compose import TEMPLATES
from pipeline.paper.model import Figure
from pipeline.problems import InputError

from .conftest import copy_data

YEAR = "2024-25"
CHARTS = "spend-by-priority, spend-by-category, funding-outlook, timeline, scenarios, csp-allocation"


def _mistyped(report: str, file: str, typed: str, meant: str) -> None:
    assert report.startswith("Found 1 problem"), report
    assert f'{file}; figure("{typed}") names no chart; did you mean "{meant}"?; the charts are {CHARTS}' in report, report


def test_a_mistyped_figure_in_prose_is_named_with_its_file_and_line(tmp_path):
    data = copy_data(tmp_path)
    (data / YEAR / "prose" / "outlook.md").write_text('The outlook.\n\n{{ figure("timelne") }}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        compose_edition(YEAR, data_dir=data)
    _mistyped(info.value.report(), "prose/outlook.md, line 3", "timelne", "timeline")


@pytest.mark.slow
def test_check_and_report_stop_on_a_mistyped_figure_in_the_template(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    skeleton = templates / "paper.md"
    lines = skeleton.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines, 1) if line.strip() == '{{ figure("spend-by-category") }}')
    lines[at - 1] = '{{ figure("spend-by-categroy") }}\n'
    skeleton.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out" / YEAR
    for run in (lambda: check_edition(YEAR, templates=templates, build_dir=tmp_path / "cache"),
                lambda: build_edition(YEAR, templates=templates, out=out, build_dir=tmp_path / "cache")):
        with pytest.raises(InputError) as info:
            run()
        _mistyped(info.value.report(), f"{skeleton}, line {at}", "spend-by-categroy", "spend-by-category")
    assert not out.exists()


@pytest.mark.slow
def test_a_chart_absent_this_year_is_left_out_without_a_word(tmp_path: Path):
    data = copy_data(tmp_path)
    (data / YEAR / "scenarios.toml").unlink()  # so no scenarios chart is drawn
    (data / YEAR / "prose" / "outlook.md").write_text('The outlook.\n\n{{ figure("scenarios") }}\n', encoding="utf-8")
    check_edition(YEAR, data_dir=data, build_dir=tmp_path / "cache")
    result = build_edition(YEAR, data_dir=data, out=tmp_path / "out" / YEAR, build_dir=tmp_path / "cache", force=True)
    assert (result.out_dir / "charts" / "timeline.svg").exists()
    assert not (result.out_dir / "charts" / "scenarios.svg").exists()
    html = (result.out_dir / f"commissioning-framework-{YEAR}.html").read_text(encoding="utf-8")
    assert 'id="figure-timeline"' in html and 'id="figure-scenarios"' not in html
    assert not any(isinstance(b, Figure) for b in compose_edition(YEAR, data_dir=data).blocks)
