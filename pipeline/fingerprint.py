"""What a build's inputs are, as one hash: a build whose inputs hash the same is up to date."""

from __future__ import annotations

import hashlib
from pathlib import Path


def digest(paths: list[Path], extra: str = "", by_size: frozenset[Path] = frozenset()) -> str:
    """One hash of the files' names and contents, read a block at a time (a huge file costs time, not
    memory); a file in `by_size` counts by its size and time stamp only (the build refuses it unread)."""
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(str(p).encode() + b"\0")
        if p in by_size:
            info = p.stat()
            h.update(f"{info.st_size}:{info.st_mtime_ns}".encode())
            continue
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def inputs_fingerprint(inputs: list[Path], extra: str, state: Path, record: bytes | None = None,
                 by_size: frozenset[Path] = frozenset()) -> str:
    """The build's inputs, the calendar's record among them: as it is now, or (`record`) as this build
    leaves it, so the next report of the same inputs finds the build up to date."""
    if record is None:
        record = state.read_bytes() if is_file(state) else b""
    return digest([p for p in dict.fromkeys(inputs) if p.exists()], extra + hashlib.sha256(record).hexdigest(),
                   by_size)


def prose_inputs(prose_dir: Path, max_bytes: int) -> tuple[list[Path], frozenset[Path]]:
    """What of the prose folder shapes the paper: every file's name (a misnamed file is refused, another
    noted), the text of the prose files the composer may read, and only the size of one it refuses as too large."""
    from .paper.prose_files import PROSE_NAME

    try:
        files = [p for p in prose_dir.iterdir() if p.is_file()] if prose_dir.is_dir() else []
    except OSError:
        return [], frozenset()
    readable = [p for p in files if p.suffix == ".md" and PROSE_NAME.match(p.stem)]
    names_only = [p for p in files if p not in readable]
    large = {p for p in readable if p.stat().st_size > max_bytes}
    return [*readable, *names_only], frozenset({*large, *names_only})


def files_under(folder: Path, pattern: str = "*") -> list[Path]:
    return [p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts] if folder.exists() else []


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False
