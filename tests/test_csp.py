"""The Community Safety Partnership allocation: its settings and data are checked, its formula computed
exactly, and its fit recognises a split that follows a formula.

Every input is made in the test: a small register of partnership lines, a csp-allocation.csv and the
[csp_allocation] settings, so each figure asserted can be worked out by hand.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from pipeline.analysis.csp import allocate, largest_remainder, simplex_least_squares
from pipeline.config import load_config
from pipeline.input.csp import read_csp
from pipeline.input.csp_settings import CspSettings, Factor
from pipeline.input.register import Line, Register
from pipeline.problems import InputError

from .conftest import copy_data

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / "data" / "config.toml").read_text(encoding="utf-8")
HEADER = ("area,line_id,population,population_source,population_period,population_licence,population_link,"
          "recorded_crime,recorded_crime_source,recorded_crime_period,recorded_crime_licence,recorded_crime_link,"
          "harm,harm_source,harm_period,harm_licence,harm_link,notes")
OGL = "Open Government Licence v3.0"


def register(spend: dict[str, int | None]) -> Register:
    return Register("register.csv", tuple(
        Line(i, "commissioning", "Annual", "Community Safety", f"CSP - {i}", "Council",
             None if v is None else Decimal(v)) for i, v in spend.items()))


def csv_file(tmp_path: Path, rows: list[tuple[str, str, str, str, str]], name: str = "csp-allocation.csv") -> Path:
    """rows: (area, line_id, population, recorded_crime, harm); a figure's source and period are filled in."""
    lines = [HEADER]
    for area, line_id, pop, crime, harm in rows:
        cells = [area, line_id]
        for value in (pop, crime, harm):
            cells += [f'"{value}"' if "," in value else value, "ONS" if value else "", "2023" if value else "",
                      OGL if value else "", ""]
        cells.append("")
        lines.append(",".join(cells))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def formula(population: float, crime: float = 0, harm: float = 0, crime_counts: str = "share", **kw) -> CspSettings:
    return CspSettings((Factor("population", "Population", Decimal(str(population)), "share"),
                        Factor("recorded_crime", "Recorded crime", Decimal(str(crime)), crime_counts),
                        Factor("harm", "Crime severity score", Decimal(str(harm)), "share")),
                       kw.get("pot"), Decimal(kw.get("floor", 0)), Decimal(kw.get("cap", 0)))


# --- settings ------------------------------------------------------------------------------------

def settings_problems(tmp_path: Path, old: str, new: str) -> str:
    assert old in SHARED, f"{old!r} is not in data/config.toml any more; update the test"
    data = copy_data(tmp_path)
    (data / "config.toml").write_text(SHARED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config("2024-25", data)
    return info.value.report()


def test_weights_that_do_not_add_up_to_100_are_refused_naming_file_table_and_key(tmp_path):
    report = settings_problems(tmp_path, "population = 33.34\n", "population = 40\n")
    assert "config.toml, [csp_allocation] weights" in report
    assert "the weights add up to 106.66, not 100" in report


@pytest.mark.parametrize(("old", "new", "fragments"), [
    ("population = 33.34\n", 'population = "a third"\n', ("[csp_allocation.weights] population", "weight in percent")),
    ('recorded_crime = "per_head"', 'recorded_crime = "per head"', ("[csp_allocation.counts] recorded_crime", '"share"')),
    ('pot = "register"', 'pot = "all of it"', ("[csp_allocation] pot", "an amount in pounds")),
    ("phasing_cap_percent = 0", "phasing_cap_percent = 150", ("[csp_allocation] phasing_cap_percent", "from 0 to 100")),
    ("harm = 33.33\n", "hram = 33.33\n", ("[csp_allocation.weights] hram", "not a factor")),
])
def test_bad_csp_settings_are_refused_with_table_and_key(tmp_path, old, new, fragments):
    report = settings_problems(tmp_path, old, new)
    for fragment in fragments:
        assert fragment in report


def test_the_shipped_settings_are_valid():
    config = load_config("2024-25")
    assert "csp_allocation" in config.raw


# --- the data file -------------------------------------------------------------------------------

def test_an_area_with_no_line_and_a_bad_figure_are_reported_together(tmp_path):
    reg = register({"CS-001": 600, "CS-002": 400})
    path = csv_file(tmp_path, [("North", "CS-001", "1,000", "", ""), ("South", "CS-009", "-5", "", ""),
                               ("East", "CS-002", "0", "", "")])
    with pytest.raises(InputError) as info:
        read_csp(path, reg)
    report = info.value.report()
    assert "Found 3 problems" in report
    assert "row 3, column 'line_id': found \"CS-009\"; no line of the register register.csv has this id" in report
    assert "row 3, column 'population': found \"-5\"; a figure cannot be negative" in report
    assert "row 4, column 'population': found \"0\"; expected a positive number" in report


def test_a_figure_without_its_source_and_a_line_used_twice_are_refused(tmp_path):
    reg = register({"CS-001": 600, "CS-002": 400})
    path = tmp_path / "csp-allocation.csv"
    path.write_text(HEADER + "\nNorth,CS-001,1000,,2023,,,,,,,,,,,,,\nSouth,CS-001,500,ONS,2023,,,,,,,,,,,,,\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_csp(path, reg)
    report = info.value.report()
    assert "row 2, column 'population_source'" in report and "needs its source" in report
    assert "row 3, column 'line_id'" in report and "already funds the area in row 2" in report


def test_the_2024_25_file_matches_its_register(config):
    from pipeline.build import load_edition

    _, _, reg = load_edition("2024-25")
    data = read_csp(ROOT / "data" / "2024-25" / "csp-allocation.csv", reg)
    assert [a.area for a in data.areas][:3] == ["Leicester", "Rutland", "Blaby"]
    assert all(a.figure("population").value for a in data.areas)  # every population is recorded
    assert all(a.figure("population").licence == OGL for a in data.areas)


# --- the formula ---------------------------------------------------------------------------------

def test_largest_remainder_sums_exactly_to_the_pot():
    assert largest_remainder([Fraction(1000, 3)] * 3, 1000) == (334, 333, 333)
    assert sum(largest_remainder([Fraction(1, 7) * 100] * 7, 100)) == 100


def test_formula_allocations_are_whole_pounds_summing_to_the_pot(tmp_path):
    reg = register({"A": 500, "B": 300, "C": 200})
    data = read_csp(csv_file(tmp_path, [("A", "A", "3", "1", ""), ("B", "B", "3", "1", ""), ("C", "C", "3", "1", "")]), reg)
    result = allocate(formula(50, 50), data, reg)
    assert [a.formula for a in result.areas] == [334, 333, 333]  # equal shares of £1,000, remainder to the first
    assert result.areas[0].difference == 166 and result.areas[0].difference_percent == Decimal("49.7")


def test_a_rate_per_head_counts_crime_per_person(tmp_path):
    reg = register({"A": 500, "B": 500})
    # A has twice B's crime and twice its people: the same rate, so the same share of the crime weight.
    data = read_csp(csv_file(tmp_path, [("A", "A", "200", "20", ""), ("B", "B", "100", "10", "")]), reg)
    result = allocate(formula(0, 100, crime_counts="per_head"), data, reg)
    assert [a.formula for a in result.areas] == [500, 500]
    result = allocate(formula(0, 100), data, reg)  # as a share of all crime, A has two thirds
    assert [a.formula for a in result.areas] == [667, 333]


def test_a_floor_raises_a_small_area_and_the_others_pay_for_it(tmp_path):
    reg = register({"A": 800, "B": 150, "C": 50})
    data = read_csp(csv_file(tmp_path, [("A", "A", "80", "", ""), ("B", "B", "15", "", ""), ("C", "C", "5", "", "")]), reg)
    result = allocate(formula(100, floor=100), data, reg)
    # Without the floor C gets 50; with it C gets 100 and A and B share 900 in the ratio 80:15.
    assert [a.formula for a in result.areas] == [758, 142, 100]
    assert sum(a.formula for a in result.areas) == 1000
    with pytest.raises(ValueError, match="floor"):
        allocate(formula(100, floor=400), data, reg)


def test_phasing_caps_the_change_and_gives_the_path_to_the_formula(tmp_path):
    reg = register({"A": 500, "B": 500})
    data = read_csp(csv_file(tmp_path, [("A", "A", "3", "", ""), ("B", "B", "1", "", "")]), reg)
    previous = {"A": Decimal(500), "B": Decimal(500)}
    result = allocate(formula(100, cap=10), data, reg, previous)
    a, b = result.areas
    assert (a.formula, b.formula) == (750, 250)
    assert result.phasing == "applied"
    assert (a.allocation, b.allocation) == (550, 450)  # no more than 10% from 500 each
    # Each year B may fall by at most 10% of its last grant: 450, 405, 365 (364.5), 328, 295, 266, 250.
    assert b.path == (405, 364, 328, 295, 266, 250)
    assert a.path[-1] == 750 and result.phasing_years == 7
    assert all(x + y == 1000 for x, y in zip(a.path, b.path))


def test_phasing_without_a_previous_edition_says_so(tmp_path):
    reg = register({"A": 500, "B": 500})
    data = read_csp(csv_file(tmp_path, [("A", "A", "3", "", ""), ("B", "B", "1", "", "")]), reg)
    result = allocate(formula(100, cap=10), data, reg)
    assert result.phasing.startswith("there is no previous edition")
    assert [a.allocation for a in result.areas] == [750, 250]
    assert any("phasing_cap_percent: not applied" in n for n in result.notes)


def test_a_blank_weighted_figure_means_no_formula_allocation_and_a_note(tmp_path):
    reg = register({"A": 600, "B": 300, "C": 100})
    data = read_csp(csv_file(tmp_path, [("A", "A", "6", "5", ""), ("B", "B", "3", "", ""), ("C", "C", "1", "1", "")]), reg)
    result = allocate(formula(50, 50), data, reg)
    assert result.areas[1].formula is None and result.areas[1].missing == ("Recorded crime",)
    assert result.formula_pot == 700  # the pot less what the register gives B
    assert sum(a.formula for a in result.computed) == 700
    assert any("recorded crime (weighted 50%) is blank for B" in n for n in result.notes)


# --- the fit -------------------------------------------------------------------------------------

def test_the_fit_recovers_the_weights_of_a_split_made_from_a_known_formula(tmp_path):
    # Shares: population 0.5/0.3/0.2, crime 0.2/0.2/0.6. A split of £10,000 at 60% population and
    # 40% crime gives 3,800 / 2,600 / 3,600 exactly.
    reg = register({"A": 3800, "B": 2600, "C": 3600})
    data = read_csp(csv_file(tmp_path, [("A", "A", "50", "20", ""), ("B", "B", "30", "20", ""),
                                        ("C", "C", "20", "60", "")]), reg)
    result = allocate(formula(60, 40), data, reg)
    fit = result.fit
    assert [f.key for f in fit.factors] == ["population", "recorded_crime"]
    assert fit.weights == (Decimal("60.0"), Decimal("40.0"))
    assert fit.largest.pounds == 0 and fit.stated.pounds == 0
    assert [a.formula for a in result.areas] == [3800, 2600, 3600]
    # Against a formula it does not follow (population alone), the fit shows the gap.
    alone = allocate(formula(100), data, reg)
    assert alone.fit.stated.area == "C" and alone.fit.stated.pounds == 1600  # 3,600 against 2,000


def test_simplex_least_squares_keeps_weights_non_negative():
    # The target lies beyond the first factor, on the far side from the second: the best weight on the
    # simplex is all on the first, not a negative weight on the second.
    cols = [[Fraction(6, 10), Fraction(4, 10)], [Fraction(4, 10), Fraction(6, 10)]]
    assert simplex_least_squares(cols, [Fraction(7, 10), Fraction(3, 10)]) == (1, 0)
    assert simplex_least_squares(cols, [Fraction(1, 2), Fraction(1, 2)]) == (Fraction(1, 2), Fraction(1, 2))


# --- the paper and the export --------------------------------------------------------------------

def test_the_2024_25_paper_and_export_carry_the_computed_figures(tmp_path):
    import csv

    from pipeline.build import compose_edition
    from pipeline.exports.csp_csv import write_csp_csv
    from pipeline.paper.model import Paragraph, Table

    doc = compose_edition("2024-25")
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.anchor == "table-csp-allocation")
    leicester = next(r for r in table.rows if r[0] == "Leicester")
    assert leicester[1] == "368,600" and leicester[2] == "271,818"
    text = " ".join("".join(r.text for r in b.runs) for b in doc.blocks if isinstance(b, Paragraph))
    assert "With no recorded crime or crime severity score figures in csp-allocation.csv the formula cannot be worked out" in text
    assert "Leicester receives £62,027 (29.6%) more" in text  # the section and the prose quote one figure
    assert text.count("£62,027") >= 2

    from pipeline.build import load_edition
    from pipeline.config import load_config as lc
    from pipeline.csp_build import csp_for_edition

    edition, config, reg = load_edition("2024-25")
    result = csp_for_edition(edition, lc("2024-25"), reg, None, ROOT / "data")
    out = tmp_path / "csp-allocation.csv"
    write_csp_csv(out, result)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 9
    assert rows[0]["area"] == "Leicester" and rows[0]["population"] == "368600"
    assert rows[0]["actual_allocation"] == "271818" and rows[0]["formula_allocation"] == ""
    assert rows[0]["best_fit_allocation"] == "209791"
    assert sum(int(r["actual_allocation"]) for r in rows) == 639676


def test_with_every_figure_recorded_the_paper_sets_the_formula_against_the_register(tmp_path):
    """Crime and harm figures made up for the test: the section then shows formula allocations and says
    how far the stated formula is from the actual split."""
    import csv

    from pipeline.build import compose_edition
    from pipeline.paper.model import Paragraph, Table

    data = copy_data(tmp_path)
    path = data / "2024-25" / "csp-allocation.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for n, row in enumerate(rows, 1):
        for factor, value in (("recorded_crime", 1000 * n), ("harm", 10 + n)):
            row.update({factor: str(value), f"{factor}_source": "made up for the test", f"{factor}_period": "2023"})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    doc = compose_edition("2024-25", data_dir=data)
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.anchor == "table-csp-allocation")
    assert [c.title for c in table.columns][-2] == "Formula allocation (£)"
    formula = [int(r[-2].replace(",", "")) for r in table.rows]
    assert sum(formula) == 639676  # whole pounds, summing exactly to the pot
    text = " ".join("".join(r.text for r in b.runs) for b in doc.blocks if isinstance(b, Paragraph))
    assert "The stated formula does not reproduce the actual split" in text
    assert "population alone comes closest to the actual split: no mix of weights does better" in text


def test_a_bad_csp_file_stops_the_build_with_its_row_and_leaves_the_output_untouched(tmp_path):
    from pipeline.build import build_edition

    data = copy_data(tmp_path)
    path = data / "2024-25" / "csp-allocation.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("CS-003", "CS-03", 1), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        build_edition("2024-25", out=out, force=True, data_dir=data, build_dir=tmp_path / "build")
    assert "csp-allocation.csv, line CS-03 at row 4, column 'line_id'" in info.value.report()
    assert 'did you mean "CS-003"?' in info.value.report()
    assert not out.exists()


def test_phasing_is_exported_with_its_path(tmp_path):
    import csv

    from pipeline.exports.csp_csv import write_csp_csv

    reg = register({"A": 500, "B": 500})
    data = read_csp(csv_file(tmp_path, [("A", "A", "3", "", ""), ("B", "B", "1", "", "")]), reg)
    result = allocate(formula(100, cap=10), data, reg, {"A": Decimal(500), "B": Decimal(500)})
    out = tmp_path / "out.csv"
    write_csp_csv(out, result)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows[1]["formula_allocation"] == "250" and rows[1]["phased_allocation"] == "450"
    assert rows[1]["phasing_path"] == "405; 364; 328; 295; 266; 250"
    assert rows[1]["difference_pounds"] == "250"  # actual 500 against the formula's 250
