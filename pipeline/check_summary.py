"""What `invoke check` tells the officer about an edition: its lines and totals by section, then notes
(register gaps, unexplained acronyms, transparency gaps, open new-year actions, prose carried over)."""

from __future__ import annotations

from pathlib import Path

from .config import DATA_DIR, Config
from .edition import Edition
from .formatting import money, plural
from .input.load import pending_actions
from .input.register import Register


def summary(edition: Edition, config: Config, reg: Register, data_dir: Path = DATA_DIR, rendered: list | None = None
            ) -> str:
    sheet = f" (read from the sheet '{reg.sheet}')" if reg.sheet else ""
    out = [f"{reg.source}: {plural(len(reg), 'line')} for {edition.label} - all valid{sheet}."]
    for section in config.vocabulary.sections:
        lines = reg.in_section(section)
        if lines:
            out.append(f"  {section:<15} {plural(len(lines), 'line'):>10}   {money(reg.total(lines)):>12}")
    out.append(f"  {'total':<15} {plural(len(reg), 'line'):>10}   {money(reg.total()):>12}")
    out.extend(f"  note: {w}" for w in reg.warnings)
    out.extend(f"  note: {n}" for n in analysis_notes(edition, config, reg))
    from .exports.transparency import transparency_gaps

    out.extend(f"  note: {g}" for g in transparency_gaps(reg, config))
    pending = [l.id for l in pending_actions(reg)]
    if pending:
        out.append(f"  note: {plural(len(pending), 'line')} still {'has' if len(pending) == 1 else 'have'} a "
                   f"new_year_action to resolve ({', '.join(pending[:8])}{', ...' if len(pending) > 8 else ''})")
    out.extend(f"  note: {n}" for n in carried_over_notes(edition, config, data_dir, rendered))
    return "\n".join(out)


def carried_over_notes(edition: Edition, config: Config, data_dir: Path = DATA_DIR, rendered: list | None = None
                       ) -> list[str]:
    """Files still marked "not yet reviewed" (the final paper waits for them), then typed dates and
    year labels in the prose that belong to an earlier year, each with its file and line."""
    from .input.review import MARK, edition_files, stale_mentions, unreviewed

    folder = data_dir / edition.label
    prose_dir = config.settings.paper.prose_dir
    marked = unreviewed(folder, prose_dir)
    notes = [f"{len(marked)} {'file is' if len(marked) == 1 else 'files are'} still marked \"{MARK}\", so only a "
             f"draft builds until you delete that line in each: {', '.join(str(p) for p in marked)}"] if marked else []
    stale = stale_mentions(edition_files(folder, prose_dir), edition)
    if rendered is not None:  # dates the prose prints from the register or [facts], found where they are written
        from .input.review import stale_in_rendered

        stale += [s for src in rendered for s in stale_in_rendered(Path(src.file), src.text, src.rendered, edition)
                  if s not in stale]
    notes.extend(f"earlier year in the prose: {s}; check it is still right for {edition.label}"
                 for s in sorted(set(stale), key=lambda s: (str(s.file), s.line)))
    return notes


def analysis_notes(edition: Edition, config: Config, reg: Register) -> list[str]:
    """What the officer should know before the paper is built: register gaps and unexplained acronyms."""
    from .analysis.classify import classify, data_gaps
    from .paper.glossary import unknown_acronyms

    notes = []
    for what, lines in data_gaps(classify(reg, edition, config), config):
        ids = ", ".join(l.id for l in lines[:12]) + (", ..." if len(lines) > 12 else "")
        notes.append(f"{what}: {len(lines)} ({ids}); they still build, and the paper names them in its "
                     "data quality section")
    glossary = config.settings.glossary
    ignore = config.settings.glossary_settings.ignore
    for word, ids in unknown_acronyms(reg, glossary, ignore).items():
        notes.append(f"{word} (in {', '.join(ids[:6])}{', ...' if len(ids) > 6 else ''}) is not in the [glossary] of "
                     "config.toml: add what it stands for, or add it to [glossary_settings] ignore")
    return notes
