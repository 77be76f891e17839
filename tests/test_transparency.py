"""The transparency exports: grants as 360Giving data, the contracts register, and the notes on what the
register does not record yet.

A "complete" edition is the 2024-25 register with the officer's transparency columns filled in (made-up
test numbers, never real ones) and the [transparency] settings an office sets once registered with
360Giving; the real 2024-25 edition shows what is published while those values are still missing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from pipeline.analysis.classify import classify
from pipeline.analysis.schedule import schedule
from pipeline.build import build_edition, check_register, load_edition
from pipeline.exports.contracts import write_contracts_csv
from pipeline.exports.giving360 import CSV_COLUMNS, grants_package, write_grants
from pipeline.exports.transparency import settings, transparency_gaps
from pipeline.problems import InputError

from .conftest import copy_data

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / "360giving"
# The ten fields every 360Giving grant to an organisation must have, as the standard titles them.
CORE_TITLES = ("Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
               "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier", "Funding Org:Name")
# Made-up identifiers for the test edition (not the organisations' real numbers).
ORG_IDS = {"Living Without Abuse": "GB-CHC-1000001", "Catch 22": "GB-COH-01000002", "Freeva": "GB-CHC-1000003"}
EDITION_SETTINGS = """
[transparency]
prefix = "360G-opcctest"
funder_org_id = "GB-GOR-PC000999"
last_modified = 2025-03-31
irrecoverable_vat = 0
data_source = "https://www.example.org/transparency/grants-360giving.json"
"""


# --- helpers ---------------------------------------------------------------------------------------

def schema_validator() -> Draft202012Validator:
    """The official package schema, its remote $ref answered from the vendored grant schema (no network:
    the registry has no way to fetch), with format checking on."""
    package = json.loads((SCHEMA_DIR / "360-giving-package-schema.json").read_text(encoding="utf-8"))
    grant = json.loads((SCHEMA_DIR / "360-giving-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources([(s["$id"], DRAFT202012.create_resource(s)) for s in (package, grant)])
    Draft202012Validator.check_schema(package)
    Draft202012Validator.check_schema(grant)
    return Draft202012Validator(package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(package: dict) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in schema_validator().iter_errors(package)]


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark to show £ and accents"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def edit_register(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    extra = ["provider_org_id", "award_date", "procurement_route", "sme", "vcse", "grant_purpose", "grant_conditions"]
    fields = list(rows[0].keys()) + [c for c in extra if c not in rows[0]]
    rows = edit([{**{c: "" for c in fields}, **r} for r in rows])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        w.writerows(rows)


def complete(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    for r in rows:
        r["provider_org_id"] = ORG_IDS.get(r["provider"], "")
        if r["section"] == "grants":
            r["award_date"] = "01/04/2024"
            r["grant_purpose"] = f"To fund {r['project']}."
            r["grant_conditions"] = "Quarterly monitoring returns."
        else:
            r["procurement_route"] = "open procedure" if r["id"] == "VS-001" else "partnership agreement"
            r["sme"], r["vcse"] = ("no", "yes") if r["provider"] == "Catch 22" else ("", "")
    return rows


def export(data: Path, out: Path) -> dict[str, Path]:
    """The three files as the build writes them, without the rest of the build."""
    edition, config, reg = load_edition(YEAR, data_dir=data)
    review = schedule(classify(reg, edition, config), edition, config)
    out.mkdir(parents=True, exist_ok=True)
    files = {"json": out / "grants-360giving.json", "csv": out / "grants-360giving.csv",
             "contracts": out / "contracts-register.csv"}
    write_grants(files["json"], files["csv"], reg, config)
    from pipeline.outputs import contract_dates

    write_contracts_csv(files["contracts"], reg, config, contract_dates(review))
    return files


@pytest.fixture(scope="module")
def real_build(built_2024_25):
    """`invoke report` of the 2024-25 edition as it stands (transparency values still missing)."""
    return built_2024_25.result, built_2024_25.data


@pytest.fixture
def complete_data(tmp_path) -> Path:
    data = copy_data(tmp_path)
    edit_register(data / YEAR / "register.csv", complete)
    (data / YEAR / "config.toml").write_text(EDITION_SETTINGS, encoding="utf-8")
    return data


@pytest.fixture
def complete_files(complete_data, tmp_path) -> dict[str, Path]:
    return export(complete_data, tmp_path / "out")


# --- 1. report writes the files from the same register ---------------------------------------------

@pytest.mark.slow
def test_report_writes_the_grants_and_contracts_files(real_build):
    result, data = real_build
    names = {p.name for p in result.files}
    assert {"grants-360giving.json", "grants-360giving.csv", "contracts-register.csv"} <= names

    _, config, reg = load_edition(YEAR, data_dir=data)
    package = json.loads((result.out_dir / "grants-360giving.json").read_text(encoding="utf-8"))
    grants = package["grants"]
    # Every grant the office made to another organisation, in register order; the lines it spends itself
    # (Safer Streets 5, the Serious Violence Duty run by its VRN) and the "Various" ISVA line are not grants it made.
    expected = [l for l in reg.in_section("grants") if l.provider not in ("OPCC", "VRN", "Various")]
    assert [g["title"] for g in grants] == [l.project for l in expected]
    assert "Safer Streets 5 Melton" not in {g["title"] for g in grants}
    # Amounts are JSON numbers equal to the register's spend; together they are the MoJ money ending in March.
    assert all(isinstance(g["amountAwarded"], int) for g in grants)
    assert [g["amountAwarded"] for g in grants] == [int(l.spend) for l in expected]
    assert sum(g["amountAwarded"] for g in grants) == reg.total(expected) == Decimal(807202)
    # ISO dates, the recipient and the funder.
    assert grants[0]["plannedDates"] == [{"endDate": "2025-03-31"}]
    assert grants[1]["recipientOrganization"][0]["name"] == "Living Without Abuse"
    assert grants[1]["fundingOrganization"][0]["name"] == config["transparency"]["funder_name"]


def test_grants_csv_uses_the_standards_column_titles_and_plain_numbers(real_build):
    result, _ = real_build
    path = result.out_dir / "grants-360giving.csv"
    header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert tuple(header) == CSV_COLUMNS
    assert [t for t in header if t in CORE_TITLES] == list(CORE_TITLES)  # all ten, in the template's order
    rows = read_csv(path)
    assert len(rows) == 12
    perpetrator = rows[0]
    assert perpetrator["Title"] == "DA Perpetrator Programme, Jenkins Centre"
    assert perpetrator["Amount Awarded"] == "371859"  # no £, no commas
    assert perpetrator["Currency"] == "GBP"
    assert perpetrator["Planned Dates:End Date"] == "2025-03-31"
    assert perpetrator["Beneficiary Location:Name"] == "Leicester, Leicestershire and Rutland"
    assert perpetrator["fundingSource"] == "MoJ grant"


def test_contracts_register_lists_every_agreement_with_schedule_dates(real_build):
    result, data = real_build
    edition, config, reg = load_edition(YEAR, data_dir=data)
    review = {r.item.line.id: r for r in schedule(classify(reg, edition, config), edition, config)}
    rows = {r["Reference"]: r for r in read_csv(result.out_dir / "contracts-register.csv")}
    own = {"OPCC", "PCC"}
    assert list(rows) == [l.id for l in reg.in_section("commissioning") if l.provider not in own]

    victim_first = rows["VS-001"]
    assert victim_first["Title"] == "Victim First"
    assert victim_first["Supplier Name"] == "Catch 22"
    assert victim_first["Department"] == "Commissioning"
    assert victim_first["Value (GBP)"] == "500000"
    assert victim_first["Value Basis"] == "annual spend"
    assert victim_first["Start Date"] == "2024-04-01" and victim_first["End Date"] == "2029-03-31"
    assert victim_first["Review Date"] == review["VS-001"].review_start.isoformat()
    assert victim_first["Over £10,000 (Specified Information Order)"] == "yes"
    # The latest end counts every extension option: the city substance misuse contract ends 2026 + 1 + 1.
    assert rows["VU-001"]["Extension Options (years)"] == "1+1"
    assert rows["VU-001"]["Latest End Date (after options)"] == "2028-03-31"
    assert rows["VU-003"]["Over £10,000 (Specified Information Order)"] == "no"  # Rutland's £1,485
    # Not separately costed: no value, no guess at the threshold.
    assert rows["VU-006"]["Value (GBP)"] == "" and rows["VU-006"]["Over £10,000 (Specified Information Order)"] == ""
    assert rows["VU-006"]["Value Basis"] == "not separately costed"
    # A partnership contribution has no end date, so the schedule gives it no review date.
    assert rows["VS-007"]["Review Date"] == "" and rows["VS-007"]["Latest End Date (after options)"] == ""


# --- 2. the gaps: listed by check and by the build, never filled in ---------------------------------

def test_check_and_report_list_what_the_register_does_not_record(real_build):
    result, data = real_build
    text = check_register(YEAR, data_dir=data)
    assert "note: 360Giving: no award_date, so Award Date (required) is blank (all 12 grants)" in text
    assert "prefix and funder_org_id not set" in text
    assert "neither [transparency] last_modified nor [edition] paper_date is set" in text
    assert "the provider names no organisation; give each recipient its own line (1 line: VSG-012)" in text
    assert "contracts register: no spend" in text and "VU-006, VU-008" in text
    assert "irrecoverable_vat is not set" in text
    # The build gives the same notes (and prints them unless --quiet).
    _, config, reg = load_edition(YEAR, data_dir=data)
    gaps = transparency_gaps(reg, config)
    assert gaps and result.notes == tuple(gaps)
    assert all(f"note: {g}" in text for g in gaps)
    # ... and invents none of the missing values.
    package = json.loads((result.out_dir / "grants-360giving.json").read_text(encoding="utf-8"))
    for g in package["grants"]:
        assert "awardDate" not in g and "id" not in g and "dateModified" not in g
        assert "id" not in g["recipientOrganization"][0] and "id" not in g["fundingOrganization"][0]
    contracts = read_csv(result.out_dir / "contracts-register.csv")
    assert {r["Procurement Route"] for r in contracts} == {""}
    assert {r["Irrecoverable VAT (GBP)"] for r in contracts} == {""}
    assert {r["SME"] for r in contracts} == {""}


@pytest.mark.slow
def test_invoke_report_prints_the_notes_and_quiet_hides_them(tmp_path):
    out = tmp_path / "build" / YEAR
    loud = subprocess.run([sys.executable, "-m", "invoke", "report", "--year", YEAR, "--out", str(out), "--force"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert loud.returncode == 0, loud.stderr[-3000:]
    # many notes of one kind: one line, with where to find each (invoke check lists them in full)
    assert "note: 14 transparency gaps (blank in the grants and contracts files): see `invoke check`" in loud.stderr
    assert (out / "grants-360giving.json").exists() and (out / "contracts-register.csv").exists()


def test_the_gaps_go_away_when_the_register_records_the_values(complete_data):
    _, config, reg = load_edition(YEAR, data_dir=complete_data)
    gaps = transparency_gaps(reg, config)
    assert not [g for g in gaps if "award_date" in g or "not set" in g or "grant_conditions" in g]
    # What the test register still leaves out is still named.
    assert any("SME or VCSE not recorded" in g and "VS-001" not in g for g in gaps)


def test_a_grant_listed_in_the_settings_moves_from_contracts_to_grants(complete_data, tmp_path):
    config_file = complete_data / YEAR / "config.toml"
    config_file.write_text(EDITION_SETTINGS + 'grant_lines = ["PR-008", "XX-999"]\n', encoding="utf-8")
    files = export(complete_data, tmp_path / "out")
    package = json.loads(files["json"].read_text(encoding="utf-8"))
    assert "360G-opcctest-PR-008" in {g["id"] for g in package["grants"]}
    assert "PR-008" not in {r["Reference"] for r in read_csv(files["contracts"])}
    _, config, reg = load_edition(YEAR, data_dir=complete_data)
    assert "[transparency] grant_lines names XX-999, not in this register" in transparency_gaps(reg, config)


# --- 3. the official schema, offline -----------------------------------------------------------------

def test_a_complete_register_gives_valid_360giving_data(complete_files):
    package = json.loads(complete_files["json"].read_text(encoding="utf-8"))
    assert errors(package) == []
    g = {x["title"]: x for x in package["grants"]}
    project360 = g["Project 360"]
    assert project360["id"] == "360G-opcctest-VSG-001"
    assert project360["awardDate"] == "2024-04-01"
    assert project360["recipientOrganization"] == [
        {"id": "GB-CHC-1000001", "name": "Living Without Abuse", "charityNumber": "1000001"}]
    # A company number is published inside the identifier only, where no spreadsheet drops its zero.
    assert g["Domestic Violence Caseworker, Victim First"]["recipientOrganization"][0] == {
        "id": "GB-COH-01000002", "name": "Catch 22"}
    # No registered number: 360Giving's rule, the publisher prefix plus the recipient's name.
    assert g["Empowerment Programme"]["recipientOrganization"][0]["id"] == "360G-opcctest-Womens-Aid-Leicestershire"
    assert project360["fundingOrganization"][0]["id"] == "GB-GOR-PC000999"
    assert project360["dateModified"] == "2025-03-31T00:00:00Z"
    assert project360["grantConditions"] == "Quarterly monitoring returns."
    rows = {r["Identifier"]: r for r in read_csv(complete_files["csv"])}
    assert rows["360G-opcctest-VSG-001"]["Last Modified"] == "2025-03-31T00:00:00Z"
    assert rows["360G-opcctest-VSG-001"]["Recipient Org:Charity Number"] == "1000001"


def test_the_2024_25_file_fails_the_schema_only_where_check_lists_a_gap(real_build):
    result, _ = real_build
    package = json.loads((result.out_dir / "grants-360giving.json").read_text(encoding="utf-8"))
    found = errors(package)
    assert found  # it is not valid 360Giving yet, and nothing pretends it is
    # Every error is a required value left out (award date, identifiers), never a malformed one.
    validator = schema_validator()
    leaves = [leaf for e in validator.iter_errors(package) for leaf in _leaves(e)]
    assert {leaf.validator for leaf in leaves} == {"required"}
    assert {m for leaf in leaves for m in ("awardDate", "id") if f"'{m}'" in leaf.message} == {"awardDate", "id"}


def _leaves(error):
    return [leaf for c in error.context for leaf in _leaves(c)] if error.context else [error]


def _valid_grant(files) -> dict:
    return json.loads(files["json"].read_text(encoding="utf-8"))


@pytest.mark.parametrize("path, bad", [
    (("amountAwarded",), "£371,859"),  # text with £ and commas, not a number
    (("awardDate",), "01/04/2024"),  # UK order, not ISO
    (("awardDate",), "2024-13-01"),  # a month that does not exist
    (("dateModified",), "2025-03-31"),  # Last Modified must be a full date-time (format checking is on)
    (("dataSource",), "www.example.org no scheme"),  # not a URI
    (("currency",), "Pounds"),
    (("recipientOrganization", 0, "id"), None),  # required identifier removed
    (("fundingOrganization",), []),  # a grant needs a funder
    (("plannedDates", 0, "endDate"), "March 2025"),
])
def test_a_malformed_value_fails_validation(complete_files, path, bad):
    package = _valid_grant(complete_files)
    target = package["grants"][0]
    for key in path[:-1]:
        target = target[key]
    if bad is None:
        del target[path[-1]]
    else:
        target[path[-1]] = bad
    assert errors(package), f"the schema accepted {path} = {bad!r}"


def test_the_remote_grant_schema_is_resolved_from_the_vendored_copy(complete_files):
    """The package schema only points at the grant schema; a broken grant must still fail, and nothing is fetched."""
    package = _valid_grant(complete_files)
    del package["grants"][0]["title"]
    leaves = [leaf.message for e in schema_validator().iter_errors(package) for leaf in _leaves(e)]
    assert "'title' is a required property" in leaves
    bare = Draft202012Validator(
        json.loads((SCHEMA_DIR / "360-giving-package-schema.json").read_text(encoding="utf-8")),
        registry=Registry())  # no grant schema registered and no way to fetch one
    with pytest.raises(Exception, match="Unresolvable: https://raw.githubusercontent.com"):
        list(bare.iter_errors(package))


def test_format_checking_really_checks_dates_and_web_addresses():
    checker = Draft202012Validator.FORMAT_CHECKER
    assert not checker.conforms("2025-13-01T00:00:00Z", "date-time")
    assert checker.conforms("2025-03-31T00:00:00Z", "date-time")
    assert not checker.conforms("not a web address", "uri")


# --- 3b. flattentool, 360Giving's own converter, both ways (offline, against the vendored schema) ------

GRANT_SCHEMA = SCHEMA_DIR / "360-giving-schema.json"


def test_flattentool_turns_the_csv_into_exactly_the_json_we_publish(complete_files, tmp_path):
    """What 360Giving's tools (CoVE, the Data Quality Tool) do with a CSV: unflatten it with the schema's
    titles. Every grant, every field, every value: the same as grants-360giving.json."""
    import flattentool

    sheets = tmp_path / "csv"
    sheets.mkdir()
    (sheets / "grants.csv").write_bytes(complete_files["csv"].read_bytes())
    out = tmp_path / "unflattened.json"
    flattentool.unflatten(str(sheets), output_name=str(out), input_format="csv", encoding="utf-8-sig",
                          root_list_path="grants", root_id="", id_name="id", schema=str(GRANT_SCHEMA),
                          convert_titles=True)
    published = json.loads(complete_files["json"].read_text(encoding="utf-8"))
    unflattened = json.loads(out.read_text(encoding="utf-8"))
    assert unflattened["grants"] == published["grants"]
    # The fields the standard has no column for come back under their JSON names, and a charity number
    # and amounts keep their types.
    project360 = next(g for g in unflattened["grants"] if g["title"] == "Project 360")
    assert project360["grantConditions"] == "Quarterly monitoring returns."
    assert project360["recipientOrganization"][0]["charityNumber"] == "1000001"
    assert isinstance(project360["amountAwarded"], int)


@pytest.mark.filterwarnings("ignore:Field .* does not have a title")  # the schema's transaction fields
def test_flattentool_turns_the_json_into_the_csv_we_publish(complete_files, tmp_path):
    """And the other way: flattened with the schema's titles and roll-ups, our JSON gives our CSV's
    columns and values (flattentool leaves out the empty ones; ours keeps the template's columns)."""
    import flattentool

    out = tmp_path / "flat"
    flattentool.flatten(str(complete_files["json"]), output_name=str(out), output_format="csv",
                        main_sheet_name="grants", root_list_path="grants", root_id="", id_name="id",
                        schema=str(GRANT_SCHEMA), rollup=True, use_titles=True, remove_empty_schema_columns=True)
    with (out / "grants.csv").open(encoding="utf-8", newline="") as fh:
        flattened = list(csv.DictReader(fh))
    ours = read_csv(complete_files["csv"])
    assert len(flattened) == len(ours) == 12
    assert set(flattened[0]) <= set(CSV_COLUMNS)
    for theirs, mine in zip(flattened, ours):
        assert {k: v for k, v in theirs.items() if v} == {k: v for k, v in mine.items() if v}


# --- 4. safe for Excel, the same bytes every time ----------------------------------------------------

def test_formula_like_cells_are_neutralised(complete_data, tmp_path):
    def hostile(rows):
        for r in rows:
            if r["id"] == "VSG-001":
                r["project"] = '=HYPERLINK("http://evil.example","click")'
                r["grant_purpose"] = "+SUM(A1:A9)"
            if r["id"] == "VS-001":
                r["notes"] = "@cmd|' /C calc'!A0"
                r["project"] = "-2+3"
        return rows

    edit_register(complete_data / YEAR / "register.csv", hostile)
    files = export(complete_data, tmp_path / "out")
    grants = {r["Identifier"]: r for r in read_csv(files["csv"])}
    assert grants["360G-opcctest-VSG-001"]["Title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert grants["360G-opcctest-VSG-001"]["Description"] == "'+SUM(A1:A9)"
    contracts = {r["Reference"]: r for r in read_csv(files["contracts"])}
    assert contracts["VS-001"]["Description"] == "'@cmd|' /C calc'!A0"
    assert contracts["VS-001"]["Title"] == "'-2+3"
    # The JSON is data, not a spreadsheet: it keeps the officer's text exactly.
    package = json.loads(files["json"].read_text(encoding="utf-8"))
    assert package["grants"][1]["title"] == '=HYPERLINK("http://evil.example","click")'
    raw = files["contracts"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw


_EXPORT_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.test_transparency import export
    export(Path(sys.argv[1]), Path(sys.argv[2]))
""")


@pytest.mark.slow
def test_the_files_are_byte_identical_across_builds(complete_data, tmp_path):
    outs = []
    for n, (seed, tz) in enumerate((("1", "UTC"), ("2", "Pacific/Kiritimati"))):
        out = tmp_path / f"run{n}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
        proc = subprocess.run([sys.executable, "-c", _EXPORT_SCRIPT, str(complete_data), str(out)], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1] and len(outs[0]) == 3
    # Last Modified is the edition's date, not the day of the build.
    assert b'"dateModified": "2025-03-31T00:00:00Z"' in outs[0]["grants-360giving.json"]


# --- settings -------------------------------------------------------------------------------------

def test_recipient_ids_are_left_blank_when_the_office_turns_name_ids_off(complete_data, tmp_path):
    (complete_data / YEAR / "config.toml").write_text(EDITION_SETTINGS + "recipient_ids_from_names = false\n",
                                                      encoding="utf-8")
    _, config, reg = load_edition(YEAR, data_dir=complete_data)
    package = grants_package(reg, config)
    women = next(g for g in package["grants"] if g["title"] == "Empowerment Programme")
    assert "id" not in women["recipientOrganization"][0]
    assert any("Recipient Org:Identifier (required) is blank" in g and "VSG-007" in g
               for g in transparency_gaps(reg, config))


def test_last_modified_falls_back_to_the_editions_paper_date_never_the_clock(tmp_path):
    data = copy_data(tmp_path)
    (data / YEAR / "config.toml").write_text("[edition]\npaper_date = 2024-07-01\n", encoding="utf-8")
    _, config, reg = load_edition(YEAR, data_dir=data)
    assert {g["dateModified"] for g in grants_package(reg, config)["grants"]} == {"2024-07-01T00:00:00Z"}
    assert not [g for g in transparency_gaps(reg, config) if "Last Modified" in g]
    # The edition's own last_modified wins over the paper date.
    (data / YEAR / "config.toml").write_text("[edition]\npaper_date = 2024-07-01\n[transparency]\n"
                                             "last_modified = 2025-02-14\n", encoding="utf-8")
    _, config, reg = load_edition(YEAR, data_dir=data)
    assert {g["dateModified"] for g in grants_package(reg, config)["grants"]} == {"2025-02-14T00:00:00Z"}


def test_wrong_settings_are_named_one_by_one(complete_data):
    (complete_data / YEAR / "config.toml").write_text(textwrap.dedent("""
        [transparency]
        prefix = "opcctest"
        funder_org_id = "GB-CHC-12"
        order_threshold = "10,000"
        grant_sections = ["grant"]
        recipient_ids_from_names = "yes"
        last_modified = "31/03/2025"
        department = 7
        irrecoverable_vat = "recoverable"
        funder_nmae = "typo"
    """), encoding="utf-8")
    with pytest.raises(InputError) as caught:  # refused as the settings are read, before any stage runs
        load_edition(YEAR, data_dir=complete_data)
    text = str(caught.value)
    for key, hint in [("prefix", "starting 360G-"), ("funder_org_id", "charity number"),
                      ("order_threshold", "without quotes"), ("grant_sections", "[vocabulary] sections"),
                      ("recipient_ids_from_names", "true or false"), ("last_modified", "2025-03-31"),
                      ("department", "text in quotes"), ("irrecoverable_vat", "amount in pounds"),
                      ("funder_nmae", "not known")]:
        assert f"{YEAR}/config.toml, [transparency] {key}:" in text and hint in text, key
    assert len(caught.value.problems) == 9


def test_a_build_with_wrong_settings_stops_before_touching_the_previous_build(tmp_path):
    data = copy_data(tmp_path)
    (data / YEAR / "config.toml").write_text('[transparency]\ncurrency = "pounds"\n', encoding="utf-8")
    previous = tmp_path / "build" / YEAR
    previous.mkdir(parents=True)
    (previous / ".fingerprint").write_text("old")
    (previous / "grants-360giving.json").write_text("the published file")
    with pytest.raises(InputError) as caught:
        build_edition(YEAR, data_dir=data, build_dir=tmp_path / "build", force=True)
    assert str(caught.value.problems[0]) == (
        f'{data / YEAR / "config.toml"}, [transparency] currency: found "pounds"; '
        'expected a three-letter ISO 4217 code in capitals, e.g. "GBP"')
    assert (previous / "grants-360giving.json").read_text() == "the published file"
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [YEAR]
