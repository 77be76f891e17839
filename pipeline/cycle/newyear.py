"""Start a new edition from the previous one: carry the register forward and list what to check.

new-year proposes, the officer decides. Every line keeps its id, status and dates; what each line
needs is written into its new_year_action cell and the checklist. Only one figure is changed: a
line whose agreement ended, options and all, before the new year starts has its spend blanked
("confirm spend (was £X)"), because last year's money cannot be this year's. The prose and
paper.toml are copied with a "not yet reviewed" line at the top, which holds up the final paper
until the officer has read them; the front sheet's meeting details and any draft declaration are
not carried over.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Literal

from ..config import Config
from ..analysis.dates import shift_months_end
from ..edition import Edition
from ..formatting import money, plural, uk_date
from ..input.load import ACTION_COLUMN, load_register, normalise_header, pending_actions, register_path
from ..problems import InputError, Problem
from ..input import columns
from ..input.register import Line, Register
from ..analysis.decisions import band_for, bands_from
from ..analysis.ended import ended_before
from ..input.review import PAPER_FILE, mark_line
from .front_sheet import carry_front_sheet
from ..exports.calendar_state import STATE_FILE
from ..processes import alive

CLOSED_STATUS = "decommissioned"  # a decision already recorded: such lines are not marked again
CHECKLIST_FILE = "new-year-checklist.txt"  # not .md: the edition's .md files are the paper's prose

_WIDTH = 100  # characters per line of the printed checklist

ItemKind = Literal["ended", "decision", "option", "spend", "decommissioned", "file"]

_HEADINGS: dict[str, tuple[str, str]] = {
    "ended": ("Agreements that ended before {next_start}",
              "Nothing about them has been changed except a spend for money that cannot be this year's. For "
              "each, decide whether it has ended, was extended or was re-commissioned, then update its status, "
              "dates and spend yourself, and clear the {column} cell."),
    "decision": ("Decisions due by the end of {next}",
                 "The date is the end date less the notice period for the line's value (set in config.toml)."),
    "option": ("Extension options to take or let go",
               "If you take an option, move the end date on and remove that option from extension_options."),
    "spend": ("Spend to confirm for {next}",
              "The {previous} amounts were carried forward unchanged (except where the agreement ended before "
              "{next}: that spend is blank, with the old amount in the {column} cell). Change any that differ."),
    "decommissioned": ("Lines already decommissioned",
                       "They are still in the register. Delete a row if it should not appear in the {next} paper."),
    "file": ("Files to review",
             "Copied from {previous} with a \"NOT YET REVIEWED\" line at the top: the final paper is not built "
             "while any file has it. Rewrite each for {next}, then delete that line."),
}


@dataclass(frozen=True)
class ChecklistItem:
    kind: ItemKind
    text: str
    line_id: str | None = None


@dataclass(frozen=True)
class NewYearResult:
    previous: Edition
    next: Edition
    folder: Path  # data/<next>/
    register: Path  # the new register file
    ended: tuple[str, ...]  # ids whose agreement ended before the new year: each has an action, nothing decided
    blanked: tuple[str, ...]  # ids whose spend was blanked: their agreement ended, options and all, before it
    copied: tuple[Path, ...]  # prose and settings copied as drafts, inside `folder`
    checklist: tuple[ChecklistItem, ...]

    def items(self, kind: ItemKind) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.checklist if item.kind == kind)

    def format(self) -> str:
        """The checklist as the officer reads it, numbered by heading, with a box to tick per item."""
        words = {"next": self.next.label, "previous": self.previous.label,
                 "column": ACTION_COLUMN, "next_start": uk_date(self.next.start)}
        out = [
            f"New edition {self.next.label} created in {self.folder}",
            f"from {self.previous.label}. The register is {self.register.name}.",
            "",
            "Nothing has been decided for you. Work through this list, editing the register, then run",
            f"the check for {self.next.label} until it reports no problems.",
        ]
        number = 0
        for kind, (heading, explanation) in _HEADINGS.items():
            items = self.items(kind)  # type: ignore[arg-type]
            if not items:
                continue
            number += 1
            out += ["", f"{number}. {heading.format(**words)} ({len(items)})"]
            out += textwrap.wrap(explanation.format(**words), _WIDTH, initial_indent="   ", subsequent_indent="   ")
            out += [textwrap.fill(item.text, _WIDTH, initial_indent="   [ ] ", subsequent_indent="       ",
                                  break_on_hyphens=False) for item in items]
        if number == 0:
            out += ["", "Nothing needs checking: no agreement has ended or falls due."]
        return "\n".join(out) + "\n"

    def summary(self) -> str:
        """What `invoke new-year` prints: what was made, where the checklist is, and what to run next."""
        counts = [f"  {len(self.items(kind)):>3}  {heading.format(next=self.next.label, previous=self.previous.label, next_start=uk_date(self.next.start))}"
                  for kind, (heading, _) in _HEADINGS.items() if self.items(kind)]  # type: ignore[arg-type]
        actions = len(set(self.ended) | {i.line_id for i in self.checklist if i.kind == "decision"} | set(self.blanked))
        year = self.next.label
        return "\n".join([
            f"Started {year} in {self.folder} from {self.previous.label}.",
            f"Nothing has been decided for you: {plural(actions, 'line')} of {self.register.name} "
            f"{'has' if actions == 1 else 'have'} a note in the {ACTION_COLUMN} column"
            + (f", and {plural(len(self.blanked), 'spend')} {'was' if len(self.blanked) == 1 else 'were'} blanked "
               "to confirm" if self.blanked else "") + ".",
            "The checklist:", *counts,
            f"It is saved as {self.folder / CHECKLIST_FILE}.",
            "",
            "Next:",
            f"  invoke workbook --year {year}    write the register as an Excel workbook to edit",
            f"  (edit the register and the prose in {self.folder}, deleting each NOT YET REVIEWED line)",
            f"  invoke check --year {year}       until it lists no problems, actions or files to review",
            f"  invoke report --year {year}      build the paper (--draft builds a marked draft meanwhile)",
        ]) + "\n"


def roll_forward(previous: Edition, data_dir: Path, config: Config) -> NewYearResult:
    """Create data/<next>/ from data/<previous>/ and return the checklist for the officer.

    Refuses to touch an existing data/<next>/. The new folder appears only when it is complete.
    """
    data_dir = Path(data_dir)
    new = previous.next()
    source = data_dir / previous.label
    target = data_dir / new.label
    if target.exists():
        raise InputError([Problem(str(target), None, None, "",
                                  f"the {new.label} edition already exists, so nothing was changed; "
                                  f"to start {new.label} again, rename or delete this folder first")])
    if not source.is_dir():
        raise InputError([Problem(str(source), None, None, "",
                                  f"there is no {previous.label} folder to start {new.label} from; "
                                  f"expected data/{previous.label}/ holding that year's register")])
    register_file = register_path(previous, config, None, data_dir)
    old = load_register(register_file, config)  # a register with problems stops here, with the list
    unfinished = pending_actions(old)
    if unfinished:
        # Rolling an unfinished year forward would carry its undecided lines into a second year.
        column = next(k for k, _ in unfinished[0].extra if normalise_header(k) == ACTION_COLUMN)
        raise InputError([Problem(str(register_file), l.row, column, dict(l.extra)[column],
                                  f"{previous.label} still has new-year actions to resolve, so {new.label} was not "
                                  "started; finish and clear these cells first (the checklist is in "
                                  f"data/{previous.label}/{CHECKLIST_FILE})") for l in unfinished])

    carried, items, ended, blanked = _carry(old, previous, new, config)
    _remove_abandoned(data_dir)
    # The process id in the name lets a later run tell a folder left by a killed run from one in use.
    work = Path(tempfile.mkdtemp(prefix=f".{new.label}-in-progress-{os.getpid()}-", dir=data_dir))
    try:
        os.chmod(work, 0o755)  # mkdtemp makes a private folder; the edition folder is an ordinary one
        # A macro workbook (.xlsm) is carried forward as a plain .xlsx: the macros are not ours to copy.
        name = register_file.name if register_file.suffix.lower() != ".xlsm" else register_file.stem + ".xlsx"
        new_register = work / name
        _write_register(carried, new_register, new, config)
        load_register(new_register, config)  # what we wrote must load; fail here, not next week
        copied, file_items = _copy_drafts(source, work, previous, new, register_file)
        result = NewYearResult(previous, new, target, target / name, ended, blanked,
                               tuple(target / p.relative_to(work) for p in copied), (*items, *file_items))
        (work / CHECKLIST_FILE).write_text(result.format(), encoding="utf-8")
        os.rename(work, target)  # all or nothing: a half-made folder would block the next attempt
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _remove_abandoned(data_dir: Path) -> None:
    """Delete the half-made folders of new-year runs that were killed (their process no longer exists)."""
    for leftover in data_dir.glob(".*-in-progress-*"):
        parts = leftover.name.rsplit("-", 2)
        pid = parts[-2] if len(parts) == 3 else ""
        if leftover.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


# --- marking and the checklist ------------------------------------------------------------------

def _carry(old: Register, previous: Edition, new: Edition, config: Config
           ) -> tuple[Register, list[ChecklistItem], tuple[str, ...], tuple[str, ...]]:
    items: dict[str, list[ChecklistItem]] = {k: [] for k in _HEADINGS}
    # Reuse last year's action column even if the officer retyped its heading ("New year action").
    column = next((c for c in old.extra_columns if normalise_header(c) == ACTION_COLUMN), ACTION_COLUMN)
    lines: list[Line] = []
    ended_ids: list[str] = []
    blanked: list[str] = []
    for line in old.lines:
        actions: list[str] = []
        name = f"{line.id} {line.project} ({line.provider})"
        closed = line.status.lower() == CLOSED_STATUS
        ended = line.end_date is not None and line.end_date < new.start
        if ended_before(line, new) and line.spend is not None:
            # Last year's money cannot be this year's once the agreement has run out: blank, with the amount kept.
            actions.append(f"Confirm spend (was {money(line.spend)}): the agreement ended before {new.label}.")
            blanked.append(line.id)
            was_spend = line.spend
            line = replace(line, spend=None)
        else:
            was_spend = None
        if closed:
            items["decommissioned"].append(ChecklistItem("decommissioned", f"{name}: marked {CLOSED_STATUS}.", line.id))
            if actions:
                actions.append(f"Delete the row if it should not appear in the {new.label} paper; then clear this cell.")
        elif ended:
            was = f"status \"{line.status}\"" if line.status else "status active"
            options = f"; extension options {line.extension_text} still listed" if line.extension_options else ""
            actions.insert(0, f"Ended {uk_date(line.end_date)} ({was}{options}). Decide: ended (status {CLOSED_STATUS}), "
                              f"extended (new end_date, status extended) or re-commissioned (new dates, status "
                              f"recommissioned).")
            actions.append(f"Confirm the {new.label} spend; then clear this cell." if was_spend is None else
                           "Then clear this cell.")
            spent = f"; spend blanked, was {money(was_spend)}" if was_spend is not None else ""
            items["ended"].append(ChecklistItem("ended", f"{name}: ended {uk_date(line.end_date)} ({was}{options}{spent}).",
                                                line.id))
            ended_ids.append(line.id)
        else:
            due = _due(line, new, config, items)
            if due:
                actions.insert(0, due)
            spent = f"{money(line.spend)} in {previous.label}" if line.spend is not None else \
                f"not separately costed in {previous.label}"
            items["spend"].append(ChecklistItem("spend", f"{name}: {spent}.", line.id))
        lines.append(_with_action(line, column, " ".join(actions)))
    extra_columns = old.extra_columns if column in old.extra_columns else (*old.extra_columns, column)
    register = Register(source=old.source, lines=tuple(lines), extra_columns=extra_columns)
    return register, [item for kind in _HEADINGS for item in items[kind]], tuple(ended_ids), tuple(blanked)


def _due(line: Line, new: Edition, config: Config, items: dict[str, list[ChecklistItem]]) -> str:
    """Checklist entries for a running agreement whose notice date falls on or before the new year's end."""
    if line.end_date is None:
        return ""
    notice = band_for(line.spend, bands_from(config)).notice_months
    decide_by = shift_months_end(line.end_date, -notice)
    if decide_by > new.end:
        return ""
    name = f"{line.id} {line.project} ({line.provider})"
    ends = f"ends {uk_date(line.end_date)}"
    if decide_by < new.start:
        when = f"the decision was due by {uk_date(decide_by)}, before {new.label} began: check it was made"
    else:
        notice_text = "1 month's notice" if notice == 1 else f"{notice} months' notice"
        when = f"decide by {uk_date(decide_by)} ({notice_text})" if notice else f"decide by {uk_date(decide_by)}"
    items["decision"].append(ChecklistItem("decision", f"{name}: {ends}; {when}.", line.id))
    action = f"Decision due by {uk_date(decide_by)} (ends {uk_date(line.end_date)})."
    if line.extension_options:
        years = line.extension_options[0]
        until = shift_months_end(line.end_date, 12 * years)
        rest = "+".join(str(n) for n in line.extension_options[1:])
        after = f"extension_options to {rest}" if rest else "clear extension_options"
        items["option"].append(ChecklistItem(
            "option",
            f"{name}: {ends} with options {line.extension_text}. Taking the next one "
            f"({plural(years, 'year')}) runs it to {uk_date(until)}: set end_date to {uk_date(until)} and {after}.",
            line.id))
        action += f" Extension option {line.extension_text} available."
    return action


def _with_action(line: Line, column: str, action: str) -> Line:
    # The action column is ours: last year's leftovers are replaced, so it only ever holds this year's to-dos.
    extra = tuple((k, action if k == column else v) for k, v in line.extra)
    if not any(k == column for k, _ in line.extra):
        extra += ((column, action),)
    return replace(line, extra=extra)


# --- files --------------------------------------------------------------------------------------

def _write_register(register: Register, path: Path, new: Edition, config: Config) -> None:
    """Write in the previous year's format, so the office keeps working the way it did."""
    if path.suffix.lower() == ".xlsx":
        from .workbook import write_workbook  # imported here: only Excel registers need openpyxl

        write_workbook(register, config, path, edition=new)
        return
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*columns.names(), *register.extra_columns])
        for line in register.lines:
            extra = dict(line.extra)
            writer.writerow([
                *(_plain(line.value(col.name)) if col.kind == "money" else line.text(col.name) for col in columns.TABLE),
                *(extra.get(name, "") for name in register.extra_columns),
            ])


def _plain(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def _copy_drafts(source: Path, work: Path, previous: Edition, new: Edition, register_file: Path
                 ) -> tuple[list[Path], list[ChecklistItem]]:
    """Copy prose (*.md), paper.toml and the edition's config.toml; list them, and anything left behind.

    Prose and paper.toml get the "not yet reviewed" line on top; paper.toml loses the meeting's details
    and any draft declaration, which belong to last year's meeting."""
    copied: list[Path] = []
    items: list[ChecklistItem] = []
    mentions = re.compile("|".join(re.escape(t) for t in {previous.label, previous.short_label,
                                                           previous.label[2:]}))
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = path.relative_to(source)
        if path == register_file or rel.name == CHECKLIST_FILE or rel.name.startswith((".", "~$")) \
                or rel.parts[0] == "backups":
            continue
        if rel == Path("performance.csv"):
            # The return's shape carries forward, not its figures: the new year's come from its providers.
            from ..input.performance import COLUMNS as RETURN_COLUMNS

            (work / rel).write_text(",".join(RETURN_COLUMNS) + "\n", encoding="utf-8")
            copied.append(work / rel)
            items.append(ChecklistItem("file", f"{rel.as_posix()}: the performance return's columns were carried "
                                               f"forward without {previous.label}'s figures; fill in each line's return "
                                               f"for the latest complete year, with its source."))
            continue
        if rel == Path(STATE_FILE):  # the calendar's record: next year's events keep their UIDs and versions
            shutil.copy2(path, work / rel)
            copied.append(work / rel)
            items.append(ChecklistItem("file", f"{rel.as_posix()}: the calendar's record copied, so next year's "
                                               "calendar updates this year's events instead of adding them again."))
            continue
        if path.suffix.lower() == ".md" or rel in (Path("config.toml"), Path(PAPER_FILE)):
            dest = work / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            rows = [str(n) for n, line in enumerate(text.splitlines(), start=1) if mentions.search(line)]
            where = f"; it mentions {previous.label} on {'line' if len(rows) == 1 else 'lines'} {', '.join(rows)}" if rows else ""
            if rel == Path("config.toml"):
                shutil.copy2(path, dest)
                what = "settings copied unchanged (set [edition] paper_date anew if it is there)"
            elif rel == Path(PAPER_FILE):
                carried, cleared = carry_front_sheet(text, new)
                dest.write_text(mark_line(new, previous, toml=True) + "\n" + carried, encoding="utf-8")
                what = ("front sheet copied, marked NOT YET REVIEWED"
                        + (f"; {', '.join(cleared)} cleared: fill them in for the {new.label} meeting" if cleared else "")
                        + "; check purpose, recommendation and every [facts] figure")
                where = ""  # its line numbers changed; the check lists what is left
            else:
                dest.write_text(mark_line(new, previous) + "\n" + text, encoding="utf-8")
                what = "prose copied, marked NOT YET REVIEWED"
                where = f"; it mentions {previous.label} on {'line' if len(rows) == 1 else 'lines'} " \
                        f"{', '.join(str(int(r) + 1) for r in rows)}" if rows else ""
            copied.append(dest)
            items.append(ChecklistItem("file", f"{rel.as_posix()}: {what}{where}."))
        else:
            items.append(ChecklistItem("file", f"{rel.as_posix()}: not copied (only the register, prose .md files, "
                                               f"config.toml and paper.toml are carried forward); copy it by hand if it is still needed."))
    return copied, items
