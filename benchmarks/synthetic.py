"""Synthetic registers of any size, valid per the register format in README.md, for benchmarks.

Two profiles:

- `today`: starts with the real 2024-25 lines (so the edition's prose, which quotes named lines such
  as Victim First, still composes) and is filled up to the requested size with generated lines drawn
  from a realistic mix: mostly commissioning lines, the paper's six terms and priorities, spends
  written the ways officers write them (12345, "12,345", £12,345, 12345.50, blank), dates in both
  accepted forms, extension options, statuses and the odd category override. Many lines have no dates.
- `dated`: what a large office or a regional roll-up holds: every line generated (none of the
  2024-25 lines, no 2024-25 prose or front sheet), every line dated (start and end), most with
  extension options, many with break dates, both sections, every status. This is the heavy case for
  the decision analysis, the forward plan and the calendar.

Everything is drawn from `random.Random(seed)`, so the same (size, seed, profile) always gives the
same bytes.

    python -m benchmarks.synthetic 10000 /tmp/bench-data [SEED] [today|dated]
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
YEAR = "2024-25"
HEADER = ("id", "section", "term", "priority", "project", "provider", "spend", "funding_source",
          "start_date", "end_date", "extension_options", "status", "category", "notes")
DATED_HEADER = (*HEADER[:11], "break_dates", *HEADER[11:])
PROFILES = ("today", "dated")

_TERMS = (("Long", 18), ("Med", 22), ("Short", 28), ("Partnership", 12), ("Annual", 14), ("TBC", 6))
_PRIORITIES = (("Victim Services", 30), ("Vulnerability", 22), ("Prevention", 20), ("Community Safety", 16),
               ("Partnerships", 7), ("Various", 5))
_PREFIX = {"Victim Services": "VS", "Vulnerability": "VU", "Prevention": "PR", "Community Safety": "CS",
           "Partnerships": "PA", "Various": "VA"}
_STATUSES = (("", 62), ("active", 12), ("recommissioned", 6), ("under review", 7), ("extended", 6),
             ("ending", 5), ("decommissioned", 2))
_OPTIONS = (("", 68), ("1", 12), ("2", 8), ("1+1", 9), ("2+1", 2), ("1 + 1 + 1", 1))
_FUNDING = ("MoJ grant", "MoJ Victims Grant", "Home Office", "Police grant", "Precept", "Youth Endowment Fund",
            "Safer Streets", "Serious Violence Duty grant", "Local authority match")
_SERVICE = ("Victim Support", "Domestic Abuse Outreach", "Sexual Violence Counselling", "Youth Diversion",
            "Substance Misuse Treatment", "Mental Health Triage", "Restorative Justice", "IDVA Service",
            "ISVA Service", "Hate Crime Advocacy", "Stalking Advocacy", "Modern Slavery Support",
            "Knife Crime Education", "Night Time Economy Patrols", "Street Pastors", "Safeguarding Board",
            "Out of Court Resolution", "Perpetrator Programme", "Community Safety Partnership",
            "Neighbourhood Watch", "Online Safety Programme", "Rural Crime Partnership",
            "Fraud Victim Support", "Child Exploitation Service", "Homelessness Outreach")
_AREA = ("Leicester City", "Leicestershire County", "Rutland", "Blaby", "Charnwood", "Harborough",
         "Hinckley and Bosworth", "Melton", "North West Leicestershire", "Oadby and Wigston", "LLR-wide",
         "East Midlands")
_PROVIDER_HEAD = ("Turning Point", "Catch 22", "Freeva", "New Dawn New Day", "Living Without Abuse",
                  "Women's Aid", "Hope CIC", "Quetzal", "First Step", "Crimestoppers", "Hampton Trust",
                  "Tomorrow Project", "Warning Zone", "Leicester Rape Crisis", "Victim First", "Force", "OPCC")
_PROVIDER_TAIL = ("", " Ltd", " CIC", " Trust", " Partnership", " Council", " (Leicestershire)", " - LLR")
_NOTES = ("Contribution to a council-held contract.",
          "Statutory service; helps the force comply with the Victims' Code.",
          "Co-funded with the local authority; any change needs a variation of the agreement.",
          "Pilot extended while an evaluation is completed.",
          "Delivery relies on partner funding that ends in March.",
          "Awarded through the Commissioner's grant round, usually in awards under £20,000.",
          "Aligned to the substance misuse contract break.",
          "Impact not yet demonstrated; review with the provider before renewal.")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _date_text(rng: random.Random, d: date) -> str:
    return d.isoformat() if rng.random() < 0.6 else d.strftime("%d/%m/%Y")


def _spend_text(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return ""  # not separately costed
    amount = int(rng.lognormvariate(10.6, 1.1))  # median ~£40k, a long tail into the hundreds of thousands
    amount = max(500, min(amount, 2_500_000))
    style = rng.random()
    if style < 0.45:
        return f"{amount:,}"
    if style < 0.7:
        return str(amount)
    if style < 0.85:
        return f"£{amount:,}"
    return f"{amount}.{rng.randrange(100):02d}"


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


_EDITION_START = date(2024, 4, 1)  # the first day of YEAR


def _this_years_spend(spend: str, end: date | None, options: str, status: str) -> str:
    """A line that ended before the edition began (closed, or past its last option) has no money in
    it: the register refuses such a spend, so the generated line carries none, as new-year leaves it."""
    if end is None:
        return spend
    years = sum(int(p) for p in options.split("+")) if options else 0
    latest = _month_end(end.year + years, end.month)
    if latest < _EDITION_START or (status in ("decommissioned", "ending") and end < _EDITION_START):
        return ""
    return spend


def synthetic_row(rng: random.Random, n: int) -> list[str]:
    """One valid generated line, numbered n (ids are unique by construction)."""
    term = _pick(rng, _TERMS)
    priority = _pick(rng, _PRIORITIES)
    section = "grants" if (term in ("Short", "Med") and rng.random() < 0.35) else "commissioning"
    service = rng.choice(_SERVICE)
    area = rng.choice(_AREA)
    project = f"{service} - {area}" if rng.random() < 0.6 else f"{service}, {area} ({n})"
    provider = rng.choice(_PROVIDER_HEAD) + rng.choice(_PROVIDER_TAIL)
    funding = rng.choice(_FUNDING) if rng.random() < 0.45 else ""

    start = end = None
    if term in ("Partnership", "Annual", "TBC") and rng.random() < 0.85:
        pass  # reviewed each year: no end date
    else:
        if rng.random() < (0.7 if section == "commissioning" else 0.4):
            start = date(rng.randrange(2018, 2026), rng.randrange(1, 13), 1)
        span = {"Long": (36, 84), "Med": (18, 48), "Short": (6, 24)}.get(term, (12, 36))
        if start is not None:
            months = rng.randrange(*span)
            total = start.year * 12 + start.month - 1 + months - 1
            end = _month_end(total // 12, total % 12 + 1)
        else:
            end = _month_end(rng.randrange(2024, 2031), rng.choice((3, 3, 3, 6, 9, 12)))
    options = _pick(rng, _OPTIONS) if end is not None else ""
    status = _pick(rng, _STATUSES)
    category = rng.choice("abcd") if rng.random() < 0.02 else ""
    if status in ("decommissioned", "ending"):
        category = ""  # the register refuses a category on a line outside a-d (drawn anyway: same stream)
    notes = rng.choice(_NOTES) if rng.random() < 0.55 else ""
    spend = _this_years_spend(_spend_text(rng), end, options, status)
    return [
        f"{_PREFIX[priority]}-S{n:06d}", section, term, priority, project, provider, spend, funding,
        _date_text(rng, start) if start else "", _date_text(rng, end) if end else "", options, status, category,
        notes,
    ]


_DATED_OPTIONS = (("", 25), ("1", 25), ("2", 12), ("1+1", 28), ("2+1", 6), ("1+1+1", 4))


def dated_row(rng: random.Random, n: int) -> list[str]:
    """One generated line with every date filled in: start, end, options and (often) breaks."""
    term = _pick(rng, _TERMS)
    priority = _pick(rng, _PRIORITIES)
    section = "grants" if rng.random() < 0.4 else "commissioning"
    service = rng.choice(_SERVICE)
    area = rng.choice(_AREA)
    project = f"{service} - {area}" if rng.random() < 0.6 else f"{service}, {area} ({n})"
    provider = rng.choice(_PROVIDER_HEAD) + rng.choice(_PROVIDER_TAIL)
    funding = rng.choice(_FUNDING) if rng.random() < 0.7 else ""
    start = date(rng.randrange(2019, 2027), rng.randrange(1, 13), 1)
    span = {"Long": (48, 96), "Med": (24, 48), "Short": (6, 24)}.get(term, (12, 36))
    months = rng.randrange(*span)
    total = start.year * 12 + start.month - 1 + months - 1
    end = _month_end(total // 12, total % 12 + 1)
    breaks = []
    if months >= 24 and rng.random() < 0.45:
        # Yearly breaks on the anniversaries after the first year, strictly inside the agreement.
        for k in range(1, months // 12):
            b = _month_end(start.year + k + (start.month - 2) // 12, (start.month - 2) % 12 + 1)
            if start < b < end and rng.random() < 0.7:
                breaks.append(b)
    options = _pick(rng, _DATED_OPTIONS)
    status = _pick(rng, _STATUSES)
    category = rng.choice("abcd") if rng.random() < 0.02 else ""
    if status in ("decommissioned", "ending"):
        category = ""  # the register refuses a category on a line outside a-d (drawn anyway: same stream)
    notes = rng.choice(_NOTES) if rng.random() < 0.55 else ""
    spend = _this_years_spend(_spend_text(rng), end, options, status)
    return [
        f"{_PREFIX[priority]}-D{n:06d}", section, term, priority, project, provider, spend, funding,
        _date_text(rng, start), _date_text(rng, end), options, ";".join(_date_text(rng, b) for b in breaks),
        status, category, notes,
    ]


def dated_register(lines: int, seed: int = 2024) -> str:
    """CSV text of a valid register of `lines` generated lines, every one dated."""
    rng = random.Random(seed)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(DATED_HEADER)
    writer.writerows(dated_row(rng, n) for n in range(1, lines + 1))
    return buf.getvalue()


def synthetic_register(lines: int, seed: int = 2024, base: Path = DATA / YEAR / "register.csv") -> str:
    """CSV text (UTF-8, header first) of a valid register with exactly `lines` lines (the `today` profile)."""
    with base.open(encoding="utf-8-sig", newline="") as fh:
        real = list(csv.reader(fh))
    header, real_rows = real[0], real[1:]
    index = {h: i for i, h in enumerate(header)}
    rows = [[r[index[h]] if h in index and index[h] < len(r) else "" for h in HEADER] for r in real_rows][:lines]
    rng = random.Random(seed)
    n = 0
    while len(rows) < lines:
        n += 1
        rows.append(synthetic_row(rng, n))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue()


def write_edition(data_dir: Path, lines: int, seed: int = 2024, year: str = YEAR, profile: str = "today") -> Path:
    """Write data_dir/config.toml and data_dir/<year>/register.csv (and, for `today`, the 2024-25 prose,
    edition settings and front sheet); return the register path."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    data_dir = Path(data_dir)
    folder = data_dir / year
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "config.toml", data_dir / "config.toml")
    if profile == "today":
        for name in ("config.toml", "paper.toml"):
            if (DATA / YEAR / name).exists():
                shutil.copy(DATA / YEAR / name, folder / name)
        prose = DATA / YEAR / "prose"
        if prose.is_dir():
            shutil.copytree(prose, folder / "prose", dirs_exist_ok=True)
    text = synthetic_register(lines, seed) if profile == "today" else dated_register(lines, seed)
    path = folder / "register.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m benchmarks.synthetic LINES DATA_DIR [SEED] [today|dated]", file=sys.stderr)
        return 2
    path = write_edition(Path(args[1]), int(args[0]), int(args[2]) if len(args) > 2 else 2024,
                         profile=args[3] if len(args) > 3 else "today")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
