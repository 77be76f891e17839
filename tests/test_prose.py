"""The officer's prose (data/<year>/prose/*.md): every mistake is stopped with the file and line, and
hostile text is bounded and cannot reach files or settings.

Prose is composed on its own here (no charts, no writers) so each case takes a fraction of a second;
the last tests build the whole paper to prove the writers accept what composing lets through.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import build_edition, compose_edition, load_edition
from pipeline.template_files import TEMPLATES
from pipeline.paper.model import Figure, Heading, Paragraph
from pipeline.problems import InputError

from .conftest import copy_data

YEAR = "2024-25"


@pytest.fixture
def data(tmp_path) -> Path:
    return copy_data(tmp_path)


def compose_with(data: Path, prose: dict[str, str | bytes], templates: Path = TEMPLATES, edition_config: str = ""):
    folder = data / YEAR / "prose"
    for name, text in prose.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    if edition_config:
        (data / YEAR / "config.toml").write_text(edition_config, encoding="utf-8")
    return compose_edition(YEAR, data_dir=data, templates=templates)


def refused(data: Path, prose: dict[str, str | bytes], **kwargs) -> str:
    with pytest.raises(InputError) as info:
        compose_with(data, prose, **kwargs)
    report = info.value.report()
    assert "Traceback" not in report
    return report


def text_of(doc) -> str:
    return "\n".join("".join(r.text for r in b.runs) for b in doc.blocks if isinstance(b, Paragraph))


# --- naming lines that are not there ---------------------------------------------------------------

def test_a_term_that_is_not_in_the_vocabulary_is_named_with_a_suggestion(data):
    report = refused(data, {"outlook.md": 'First line.\n\nThe annual grants total {{ money(total(term="Anual")) }}.\n'})
    assert "prose/outlook.md, line 3" in report and 'term="Anual"' in report and 'did you mean "Annual"?' in report


def test_a_renamed_project_no_longer_prints_zero_pounds(data):
    report = refused(data, {"term-annual.md": "The fund is {{ money(total(project=\"Commissioners Safty Fund\")) }}.\n"})
    assert "prose/term-annual.md, line 1" in report and "matches no line of the register" in report
    assert 'did you mean "Commissioners Safety Fund"?' in report and "may_be_empty=True" in report


def test_a_selection_the_prose_says_may_be_empty_is_allowed(data):
    doc = compose_with(data, {"outlook.md": 'Nothing is spent on {{ money(total(project="Ghost", may_be_empty=True)) }} '
                                            "ghosts.\n"})
    assert "Nothing is spent on £0 ghosts." in text_of(doc)


def test_an_unknown_field_and_a_missing_end_date_are_named(data):
    report = refused(data, {"outlook.md": '{{ count(projct="Victim First") }}\n\n{{ date(last_end(term="Annual")) }}\n'})
    assert "line 1" in report and "has no field 'projct'" in report and 'did you mean "project"?' in report
    assert "line 3" in report and "has an end date" in report


def test_status_active_also_finds_lines_whose_status_is_blank(data):
    doc = compose_with(data, {"outlook.md": 'Active: {{ count(status="active") }} of {{ count() }}.\n'})
    edition, config, reg = load_edition(YEAR, data_dir=data)
    active = sum(1 for line in reg if line.status in ("", "active"))
    assert f"Active: {active} of {len(reg)}." in text_of(doc) and active > 40


def test_every_mistake_in_every_prose_file_is_listed_at_once(data):
    report = refused(data, {"outlook.md": "{{ money(totl()) }}\n", "additional.md": "Line one.\n{{ count(term=\"Lng\") }}\n",
                            "introduction.md": "Intro.\n\n\n{% if %}\n"})
    assert report.startswith("Found 3 problems"), report
    assert "outlook.md, line 1" in report and "'totl' is undefined" in report and 'did you mean "total"?' in report
    assert "additional.md, line 2" in report and 'did you mean "Long"?' in report
    assert "introduction.md, line 4" in report and "not valid" in report


# --- values and functions ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "said"), [
    ('{{ money("abc") }}', 1, "money() needs an amount"),
    ("\n{{ date(\"soon\") }}", 2, "needs a date"),
    ("{{ 1/0 }}", 1, "division by zero"),
    ("{{ register.lines[0].projct }}", 1, "has no attribute 'projct'"),
    ("{% macro again() %}{{ again() }}{% endmacro %}\n{{ again() }}", None, "calls itself without end"),
])
def test_a_value_that_cannot_be_worked_out_is_named_with_its_line(data, text, line, said):
    report = refused(data, {"outlook.md": text})
    assert said in report, report
    if line:
        assert f"outlook.md, line {line}" in report, report


def test_prose_files_cannot_include_each_other_or_any_file(data):
    report = refused(data, {"outlook.md": '{{ prose("outlook") }}\n', "additional.md": '\n{% include "paper.md" %}\n',
                            "introduction.md": '{% import "paper.md" as p %}\n'})
    assert "outlook.md, line 1; prose() cannot be used inside a prose file" in report
    assert "additional.md, line 2" in report and "cannot include" in report
    assert "introduction.md, line 1" in report and "cannot include" in report


def test_the_skeleton_can_only_name_files_of_the_prose_folder(data, tmp_path):
    templates = tmp_path / "templates"
    import shutil

    shutil.copytree(TEMPLATES, templates)
    skeleton = templates / "paper.md"
    skeleton.write_text(skeleton.read_text(encoding="utf-8").replace('{{ prose("outlook") }}', '{{ prose("../../README") }}'),
                        encoding="utf-8")
    report = refused(data, {}, templates=templates)
    assert "paper.md, line" in report and "prose('../../README') does not name a file of" in report


@pytest.mark.slow
def test_prose_cannot_change_the_settings_or_the_register(data):
    report = refused(data, {"outlook.md": '{{ org.update({"short_name": "Hacked"}) }}\n\n{{ lines().append(1) }}\n'})
    assert "line 1" in report and "read-only" in report
    doc = compose_with(data, {"outlook.md": '{% set org = {"short_name": "Hacked"} %}Local {{ org.short_name }}.\n'})
    assert doc.title.startswith("OPCC Commissioning Framework") and "Local Hacked." in text_of(doc)


def test_prose_cannot_reach_files_or_data_frames(data):
    report = refused(data, {"outlook.md": "{{ register.frame() }}\n", "additional.md": "\n\n{{ \"x\".encode() }}\n"})
    assert "outlook.md, line 1" in report and "'frame'" in report and "not allowed" in report
    assert "additional.md, line 3" in report and "'encode'" in report


# --- bounded ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "said"), [
    ('{{ "x" * 3000000000 }}', "repetition"),
    ('{{ "x"|center(3000000000) }}', "|center"),
    ('{{ "{:>999999999}".format(1) }}', "width"),
    ('{{ "%0999999999d" % 1 }}', "width or precision"),
    ("{{ 10 ** (10 ** 10) }}", "too large"),
    ('{{ range(100000)|join("x" * 100000) }}', "|join"),
    ('{{ "a".replace("", "b" * 150000) }}', "replace()"),
    ('{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}', "~"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "runs away"),
    ('{% for i in range(100000) %}{{ "line of prose " * 10 }}{% endfor %}', "more than 200,000 characters"),
], ids=["3e9-string", "center", "format", "printf", "power", "join", "replace", "doubling", "endless-loop", "output"])
@pytest.mark.slow
def test_hostile_prose_is_stopped_with_its_line(data, text, said):
    report = refused(data, {"outlook.md": "A first line.\n" + text + "\n"})
    assert "outlook.md, line 2" in report and said in report, report


@pytest.mark.slow
def test_prose_that_runs_too_long_is_stopped_at_the_time_limit(data):
    slow = ("{% for i in range(100) %}{% for j in range(99999) %}{% set t = total() %}{% endfor %}{% endfor %}\n")
    report = refused(data, {"outlook.md": slow}, edition_config="[limits]\nprose_seconds = 0.5\n")
    assert "outlook.md, line 1" in report and "took longer than 0.5 s" in report and "prose_seconds" in report


# --- the file itself -----------------------------------------------------------------------------

def test_windows_1252_prose_is_named_as_the_file_to_fix_with_its_line(data):
    report = refused(data, {"term-annual.md": "First line.\nThe Commissioner\u2019s fund.\n".encode("cp1252")})
    assert "prose/term-annual.md, line 2" in report and "not saved as UTF-8" in report and "Windows-1252" in report
    assert "paper.md" not in report


# --- headings and links --------------------------------------------------------------------------

def test_headings_that_would_break_the_paper_are_refused_with_their_line(data):
    report = refused(data, {"introduction.md": "Text.\n\n# A second title\n",
                            "outlook.md": "Text.\n\n##### Far too deep\n",
                            "term-annual.md": "Text.\n\n## A new section\n"})
    assert "introduction.md, line 3" in report and "top-level heading" in report
    assert "outlook.md, line 3" in report and "skips a level" in report
    assert "term-annual.md, line 3" in report and "would end the section" in report


def test_links_must_point_somewhere_in_the_paper_or_on_the_web(data):
    report = refused(data, {"outlook.md": "See [the plan](#the-plan).\n\nOr [the files](ftp://files.example/x).\n"})
    assert "outlook.md, line 1" in report and "#the-plan, which is not in the paper" in report
    assert "outlook.md, line 3" in report and "ftp://files.example/x" in report


def test_awkward_headings_get_usable_unique_anchors_and_links_to_them_work(data):
    doc = compose_with(data, {"outlook.md": "### 2025 and beyond\n\nText.\n\n### Title\n\n### Funding outlook\n\n"
                                            "See [below](#section-2025-and-beyond).\n"})
    headings = [b for b in doc.blocks if isinstance(b, Heading)]
    anchors = [h.anchor for h in headings]
    assert len(anchors) == len(set(anchors))
    assert all(a[0].isalpha() for a in anchors)
    by_text = {h.text: h.anchor for h in headings}
    assert by_text["2025 and beyond"] == "section-2025-and-beyond"
    assert by_text["Title"] != "title"  # the page's own title keeps that id
    assert doc.blocks  # composed


@pytest.mark.slow
def test_the_whole_paper_builds_with_awkward_headings_and_a_clash_with_a_figure(data, tmp_path):
    (data / YEAR / "prose" / "introduction.md").write_text(
        "### 2025 plans\n\nText.\n\n### Figure spend by priority\n\nMore text, see [plans](#section-2025-plans).\n",
        encoding="utf-8")
    result = build_edition(YEAR, data_dir=data, out=tmp_path / "out" / YEAR, build_dir=tmp_path / "cache", force=True)
    html = (result.out_dir / f"commissioning-framework-{YEAR}.html").read_text(encoding="utf-8")
    assert 'id="section-2025-plans"' in html and 'href="#section-2025-plans"' in html
    assert html.count('id="figure-spend-by-priority"') == 1
    assert (result.out_dir / f"commissioning-framework-{YEAR}.docx").stat().st_size > 10_000


def test_figures_still_compose_and_money_still_formats(data):
    doc = compose_with(data, {})
    assert any(isinstance(b, Heading) for b in doc.blocks)
    assert not any(isinstance(b, Figure) for b in doc.blocks)  # composed without charts here
    from pipeline.formatting import money

    assert money(Decimal("4654011")) == "£4,654,011"


@pytest.mark.slow
def test_check_stops_on_the_same_prose_mistake_report_would_stop_on(data, tmp_path):
    from pipeline.build import check_edition

    (data / YEAR / "prose" / "outlook.md").write_text('{{ money(total(term="Anual")) }}\n', encoding="utf-8")
    for run in (lambda: check_edition(YEAR, data_dir=data, build_dir=tmp_path / "cache"),
                lambda: build_edition(YEAR, data_dir=data, out=tmp_path / "out" / YEAR, build_dir=tmp_path / "cache")):
        with pytest.raises(InputError) as info:
            run()
        assert "outlook.md, line 1" in info.value.report() and 'did you mean "Annual"?' in info.value.report()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
