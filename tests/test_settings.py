"""Settings (data/config.toml and data/<year>/config.toml) are checked before anything is built.

Each mistake an officer can make in the settings is refused with the file, the [table] and key, the
value found and what is expected - all of them at once, exit code 2, no traceback - instead of a
nonsense schedule (notice_months = -6) or a crash deep inside a stage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.problems import InputError

from .conftest import copy_data

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
SHARED = (ROOT / "data" / "config.toml").read_text(encoding="utf-8")


def problems_with(tmp_path: Path, shared: str, edition: bytes | None = None) -> str:
    data = copy_data(tmp_path)
    (data / "config.toml").write_text(shared, encoding="utf-8")
    if edition is not None:
        (data / YEAR / "config.toml").write_bytes(edition)
    with pytest.raises(InputError) as info:
        load_config(YEAR, data)
    return info.value.report()


def edited(old: str, new: str, count: int = 1) -> str:
    assert old in SHARED, f"{old!r} is not in data/config.toml any more; update the test"
    return SHARED.replace(old, new, count)


@pytest.mark.parametrize(("old", "new", "fragments"), [
    ("notice_months = 6", "notice_months = -6",
     ("config.toml, [[schedule.bands]] band 1, notice_months", 'found "-6"', "from 0 to 120")),
    ("short_funding_months = 12", 'short_funding_months = "twelve"',
     ("[classify] short_funding_months", 'found "twelve"', "whole number of months")),
    ("min_spend = 250000", 'min_spend = "250k"',
     ("band 1, min_spend", 'found "250k"', "no £, commas or k")),
    ("years_ahead = 4", "years_ahead = 4.5", ("[outlook] years_ahead", 'found "4.5"', "whole number of years")),
    ("list_max_lines = 150", "list_max_lines = true", ("[paper] list_max_lines", 'found "true"')),
    ('sections = ["commissioning", "grants"]', 'sections = "commissioning"',
     ("[vocabulary] sections", "expected a list in square brackets", 'sections = ["commissioning"]')),
    ('terms = ["Long", "Med", "Short", "Partnership", "Annual", "TBC"]', 'terms = ["Long", "long", "Med"]',
     ("[vocabulary] terms", "listed twice",)),
    ('title = "{short_name} Commissioning Framework {year}"', 'title = "{short} Commissioning Framework {year}"',
     ("[paper] title", "the placeholder {short} is unknown", "did you mean {short_name}?")),
    ('subject = "Commissioned', 'subject = "{ Commissioned', ("[paper] subject", "is not paired")),
    ("[outlook]", "[outlok]", ("[outlook]", "this table is missing", "[outlok]", 'did you mean "outlook"?')),
    ("recent_start_months = 24", "recent_start_month = 24",
     ("[classify] recent_start_months; this setting is missing", "[classify] recent_start_month; this setting is not used",
      'did you mean "recent_start_months"?')),
    ("register_rows = 100000", "register_rows = 0", ("[limits] register_rows", "from 1 to")),
    ("prose_seconds = 5", 'prose_seconds = "5 s"', ("[limits] prose_seconds", "number of seconds")),
    ('prose_dir = "prose"', 'prose_dir = "../../etc"', ("[paper] prose_dir", "a folder inside the edition")),
    ('label = "Funded for twelve months"\n', "", ("[categories.d] label", "this setting is missing")),
], ids=["negative", "words", "250k", "fraction", "boolean", "list-as-string", "duplicate", "placeholder",
        "brace", "missing-table", "typo-key", "zero-limit", "limit-text", "prose-dir", "category-label"])
def test_a_wrong_setting_is_named_with_its_file_table_and_key(tmp_path, old, new, fragments):
    report = problems_with(tmp_path, edited(old, new))
    missing = [f for f in fragments if f not in report]
    assert not missing, f"the message lacks {missing}:\n{report}"


def test_every_wrong_setting_is_reported_at_once(tmp_path):
    text = edited("notice_months = 6", "notice_months = -6")
    text = text.replace("years_ahead = 4", 'years_ahead = "four"').replace("min_spend = 250000", 'min_spend = "250k"')
    report = problems_with(tmp_path, text)
    assert report.startswith("Found 3 problems"), report
    for key in ("notice_months", "years_ahead", "min_spend"):
        assert key in report


def test_an_edition_override_is_named_as_the_file_to_fix(tmp_path):
    report = problems_with(tmp_path, SHARED, b"[schedule]\n[[schedule.bands]]\nmin_spend = 0\n"
                                             b"review_lead_months = 600\nnotice_months = 3\n")
    assert f"{YEAR}/config.toml, [[schedule.bands]] band 1, review_lead_months" in report, report
    assert 'found "600"' in report


def test_an_edition_config_not_saved_as_utf8_is_refused_with_its_line(tmp_path):
    report = problems_with(tmp_path, SHARED, '[organisation]\n# note\nname = "Café"\n'.encode("cp1252"))
    assert f"{YEAR}/config.toml" in report and "line 3" in report and "not saved as UTF-8" in report, report


def test_the_project_settings_are_valid_and_limits_have_their_documented_defaults():
    config = load_config(YEAR)
    assert config.limits.register_rows == 100_000 and config.limits.prose_seconds == 5
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in ("register_megabytes", "register_rows", "prose_seconds", "prose_characters"):
        assert key in readme, f"[limits] {key} is not documented in the README"


def test_a_setting_a_build_would_choke_on_stops_check_and_report_before_anything_is_written(tmp_path):
    from pipeline.build import build_edition, check_edition

    data = copy_data(tmp_path)
    (data / "config.toml").write_text(edited("notice_months = 6", "notice_months = -6"), encoding="utf-8")
    for run in (lambda: check_edition(YEAR, data_dir=data, build_dir=tmp_path / "cache"),
                lambda: build_edition(YEAR, data_dir=data, out=tmp_path / "out", build_dir=tmp_path / "cache")):
        with pytest.raises(InputError) as info:
            run()
        assert "notice_months" in info.value.report() and 'found "-6"' in info.value.report()
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_transparency_and_calendar_settings_are_named_with_their_file_table_and_key(tmp_path):
    report = problems_with(tmp_path, SHARED, b'[calendar]\nyears_ahead = -1\n[transparency]\ncurrency = "pounds"\n')
    for fragment in (f"{YEAR}/config.toml, [calendar] years_ahead: found \"-1\"", "from 0 (no limit) to 50",
                     f"{YEAR}/config.toml, [transparency] currency: found \"pounds\"", "three-letter ISO 4217 code"):
        assert fragment in report, f"the message lacks {fragment!r}:\n{report}"


def test_a_value_from_the_shared_file_is_named_with_the_shared_file(tmp_path):
    report = problems_with(tmp_path, edited('decisions_from = "edition"', 'decisions_from = "tomorrow"'),
                           b"[paper]\nlist_max_lines = 0\n")
    shared = tmp_path / "data" / "config.toml"
    assert f"{shared}, [calendar] decisions_from: found \"'tomorrow'\"; expected one of: edition, all" in report, report
    assert f"{shared.parent / YEAR / 'config.toml'}, [paper] list_max_lines: found \"0\"" in report, report


def test_a_setting_left_out_takes_the_one_default_its_table_declares(tmp_path):
    from dataclasses import FrozenInstanceError, fields

    from pipeline.settings import Decisions, Paper

    data = copy_data(tmp_path)
    text = edited("list_max_lines = 150\n", "").replace("review_window_months = 3\n", "")
    (data / "config.toml").write_text(text.replace('prose_dir = "prose"\n', ""), encoding="utf-8")
    settings = load_config(YEAR, data).settings
    declared = {f.name: f.default for cls in (Paper, Decisions) for f in fields(cls)}
    assert settings.paper.list_max_lines == declared["list_max_lines"] == 150
    assert settings.decisions.review_window_months == declared["review_window_months"] == 3
    assert settings.paper.prose_dir == declared["prose_dir"] == "prose"
    with pytest.raises(FrozenInstanceError):
        settings.paper.list_max_lines = 10  # type: ignore[misc]


def test_every_key_of_the_project_settings_is_declared():
    """A key the settings do not declare would be read by no stage: each table's keys are its fields."""
    import tomllib
    from dataclasses import fields

    from pipeline import settings as s

    declared = {name: {f.name for f in fields(kind)} for name, kind, _ in (*s._TABLES, *s._LATER)}
    declared.update(performance={f.name for f in fields(s.Performance)}, calendar={f.name for f in fields(s.CalendarSettings)},
                    transparency={f.name for f in fields(s.Transparency)})
    shared = tomllib.loads(SHARED)
    assert set(shared) <= set(s.TOP_LEVEL)
    for table, keys in declared.items():
        assert set(shared.get(table, {})) <= keys, (table, set(shared.get(table, {})) - keys)


def test_no_stage_reads_the_raw_settings():
    """Stages read config.settings; the raw tables (and a default of their own) belong to the settings module."""
    import re

    raw = re.compile(r"config\.raw\b|config\[\"")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "pipeline").rglob("*.py"))
             if path.name not in ("config.py", "settings.py", "settings_check.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if raw.search(line)]
    assert not found, found


def test_the_grant_sections_are_one_list_for_the_decisions_and_the_exports(tmp_path):
    data = copy_data(tmp_path)
    (data / YEAR / "config.toml").write_text('[transparency]\ngrant_sections = ["grants"]\n', encoding="utf-8")
    settings = load_config(YEAR, data).settings  # an older file that agrees is still accepted
    assert settings.transparency.grant_sections == settings.decisions.grant_sections == ("grants",)
    report = problems_with(tmp_path / "other", SHARED, b'[transparency]\ngrant_sections = ["commissioning"]\n')
    assert f"{YEAR}/config.toml, [transparency] grant_sections" in report, report
    assert "[decisions] grant_sections (grants)" in report and "delete this line" in report, report
