"""The one list of outputs (pipeline/outputs.py): the build names, links and writes what it declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import outputs
from pipeline.edition import Edition
from pipeline.outputs import OUTPUTS, Output, output_names

from .conftest import copy_data

YEAR = "2024-25"


def test_every_output_has_its_own_key_and_file_name():
    keys = [o.key for o in OUTPUTS]
    files = [o.file for o in OUTPUTS]
    assert len(set(keys)) == len(keys), keys
    assert len(set(files)) == len(files), files
    labels = [o.label for o in OUTPUTS if o.label]
    assert len(set(labels)) == len(labels), labels
    # Every stage writes either from the analysis or from the composed paper, never both.
    assert all(len({o.needs for o in group}) == 1 for _, group in outputs.stages(OUTPUTS))


def test_the_names_every_build_has_leave_out_an_editions_extras():
    names = output_names(Edition(2024))
    assert names["html"] == "commissioning-framework-2024-25.html"
    assert names["exports_xlsx"] == "commissioning-exports-2024-25.xlsx"
    assert "changes_csv" not in names and "csp_csv" not in names  # only for editions that have them


def test_a_stage_may_not_mix_outputs_of_the_analysis_and_of_the_paper():
    mixed = (Output("a", "a.csv", None, stage="s"), Output("b", "b.md", None, stage="s", needs="paper"))
    with pytest.raises(ValueError, match="the s stage mixes"):
        outputs.stages(mixed)


def _markdown(sources, path: Path) -> None:
    """A Markdown edition of the paper's headings: what a new output of the paper would be."""
    from pipeline.paper.model import Heading

    heads = [b for b in sources.paper.blocks if isinstance(b, Heading)]
    path.write_text("".join(f"{'#' * h.level} {h.text}\n" for h in heads), encoding="utf-8")


@pytest.mark.slow
def test_an_output_declared_in_the_list_is_written_into_the_build_and_linked(tmp_path, monkeypatch):
    from pipeline.build import build_edition

    extra = Output("markdown", "commissioning-framework-{label}.md", _markdown, "Markdown edition",
                   stage="markdown", needs="paper")
    monkeypatch.setattr(outputs, "OUTPUTS", (*OUTPUTS, extra))
    result = build_edition(YEAR, data_dir=copy_data(tmp_path), out=tmp_path / "out", build_dir=tmp_path / "cache",
                           force=True, skip=("pdf",))
    written = result.out_dir / f"commissioning-framework-{YEAR}.md"
    assert written in result.files
    assert written.read_text(encoding="utf-8").startswith("# ")
    assert "markdown" in dict(result.timings), "the new output's stage did not run"
    page = (result.out_dir / f"commissioning-framework-{YEAR}.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert (written.name, "Markdown edition") in [(href, text.strip()) for href, text in links]
    assert output_names(result.edition)["markdown"] == written.name
