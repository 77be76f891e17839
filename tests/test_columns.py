"""The register's columns are defined once (pipeline/input/columns.py): the loader, the officer's
workbook, the contracts register and the paper's register table all follow that table, so a new
column is one entry there."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipeline.build import compose_edition
from pipeline.config import load_config
from pipeline.cycle.newyear import _write_register
from pipeline.cycle.workbook import HELP_SHEET, MONEY_FORMAT, SHEET, write_workbook
from pipeline.edition import parse_edition
from pipeline.exports.contracts import write_contracts_csv
from pipeline.exports.transparency import contract_lines, settings
from pipeline.input import columns
from pipeline.input.columns import Column
from pipeline.input.load import load_register
from pipeline.input.register import COLUMNS, INFERABLE, REQUIRED, Line
from pipeline.paper.model import Table
from pipeline.problems import InputError
from tests.conftest import ROOT, copy_data

YEAR = "2024-25"
HELP = "The total value of the contract over its whole term, in pounds (for example 250000)."
HEADING = "Total Contract Value (GBP)"


def test_the_register_constants_and_line_follow_the_table() -> None:
    assert COLUMNS == tuple(c.name for c in columns.TABLE) and len(set(COLUMNS)) == len(COLUMNS)
    assert REQUIRED == ("id", "section", "term", "priority", "project", "provider", "spend")
    assert set(INFERABLE) == {"start_date", "end_date", "extension_options", "break_dates", "spend", "agreement"}
    fields = [f.name for f in dataclasses.fields(Line) if f.name not in ("extra", "row")]
    assert fields == [n for n in COLUMNS if n in fields] and set(fields) <= set(COLUMNS)
    assert all(c.help for c in columns.TABLE), "every column needs its words for the workbook's help sheet"
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "currency")


@pytest.fixture
def with_total_value(monkeypatch, tmp_path: Path) -> Path:
    """A copy of the 2024-25 data whose register has a contract_value_total column, with the column added
    to the table as a new column would be: one entry."""
    monkeypatch.setattr(columns, "TABLE", (*columns.TABLE, Column("contract_value_total", "money", help=HELP,
                                                                   contracts=HEADING)))
    data = copy_data(tmp_path)
    path = data / YEAR / "register.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0].append("contract_value_total")
    for i, row in enumerate(rows[1:]):
        row.append("1,250,000" if i == 0 else "")
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return data


def test_a_new_money_column_is_one_entry_in_the_table(with_total_value: Path, tmp_path: Path) -> None:
    data = with_total_value
    config = load_config(YEAR, data_dir=data)
    register = load_register(data / YEAR / "register.csv", config)
    first, *rest = register.lines
    assert first.value("contract_value_total") == Decimal("1250000")
    assert all(l.value("contract_value_total") is None for l in rest)  # blank: not recorded
    assert "contract_value_total" not in register.extra_columns

    # The officer's workbook: the column, its amount as money, its words on the help sheet; read back the same.
    book = tmp_path / "register.xlsx"
    write_workbook(register, config, book)
    wb = openpyxl.load_workbook(book)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    at = header.index("contract_value_total") + 1
    cell = ws.cell(row=2, column=at)
    assert (cell.value, cell.number_format) == (1250000, MONEY_FORMAT)
    help_rows = {row[0]: row for row in wb[HELP_SHEET].iter_rows(values_only=True) if row and row[0]}
    assert help_rows["contract_value_total"][1:] == ("Optional", HELP)
    assert load_register(book, config).lines == register.lines

    # New-year writes it back in the register's own format, and it reads back the same.
    rolled = tmp_path / "rolled" / "register.csv"
    rolled.parent.mkdir()
    _write_register(register, rolled, parse_edition(YEAR).next(), config)
    assert "1,250,000" in rolled.read_text(encoding="utf-8")
    assert load_register(rolled, config).lines == register.lines

    # The contracts register: the heading, and the amount on the line's row.
    out = tmp_path / "contracts-register.csv"
    write_contracts_csv(out, register, config, {})
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0][-1] == HEADING
    listed = {row[0]: row[-1] for row in table[1:]}
    contracts = contract_lines(register, settings(config))
    assert listed == {l.id: ("1250000" if l is first else "") for l in contracts}
    assert first in contracts, "the test's line should be one the contracts register lists"


def test_a_new_column_is_checked_by_its_kind(with_total_value: Path) -> None:
    data = with_total_value
    path = data / YEAR / "register.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("1,250,000", "about a million", 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_register(path, load_config(YEAR, data_dir=data))
    (problem,) = info.value.problems
    assert problem.column == "contract_value_total" and problem.value == "about a million"
    assert problem.expected.startswith("expected an amount in pounds")


def test_a_new_column_shown_in_the_paper_is_one_entry_and_one_heading(with_total_value: Path, monkeypatch,
                                                                       tmp_path: Path) -> None:
    data = with_total_value
    # The paper still composes with the new column in the register but not in its table...
    doc = compose_edition(YEAR, data_dir=data)
    tables = [b for b in (*doc.blocks, *doc.web) if isinstance(b, Table)]
    register_tables = [t for t in tables if t.columns[-1].title.endswith("spend (£)")]
    assert register_tables and all(len(t.columns) == 5 for t in register_tables)
    # ...and shows it when the column has a width and the template one more heading.
    added = dataclasses.replace(columns.TABLE[-1], paper_width=1.0)
    monkeypatch.setattr(columns, "TABLE", (*columns.TABLE[:-1], added))
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    paper = templates / "paper.md"
    text = paper.read_text(encoding="utf-8")
    old = 'edition.short_label ~ " spend (£)"]'
    assert text.count(old) == 1
    paper.write_text(text.replace(old, 'edition.short_label ~ " spend (£)", "Total value (£)"]'), encoding="utf-8")
    register = load_register(data / YEAR / "register.csv", load_config(YEAR, data_dir=data))
    section = register.lines[0].section
    doc = compose_edition(YEAR, data_dir=data, templates=templates)
    table = next(b for b in doc.web if isinstance(b, Table) and b.anchor == f"table-{section}")
    assert [c.title for c in table.columns][-1] == "Total value (£)"
    assert table.columns[-1].kind == "money"
    assert any(row[-1] == "1,250,000" for row in table.rows)
    assert table.totals[0][-1] == "1,250,000"
