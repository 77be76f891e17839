"""The chart cache: charts drawn once for a register, its settings and the code, reused by later builds.

The cache is plain JSON plus the image files, each checked against its recorded hash and shape before
it is used: a damaged or tampered entry is drawn again, never published.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
from dataclasses import asdict, fields
from pathlib import Path

from .edition import Edition
from .fingerprint import digest, files_under, is_file

log = logging.getLogger("pipeline")
_PACKAGE = Path(__file__).resolve().parent


_CACHE_FORMAT = "charts-json-3"  # 2: print parts of tall charts are cached too; 3: the records are hashed


def key(register: Path, config_files: list[Path], edition: Edition) -> str:
    """Everything that shapes a chart: the register, the settings and the code (analysis, charts,
    input, formatting - all of pipeline/), plus the matplotlib version that draws them (read from its
    installed metadata: importing matplotlib takes longer than a build found up to date)."""
    from importlib.metadata import version

    code = files_under(_PACKAGE, "*.py")
    extra = f"{_CACHE_FORMAT}|{edition.label}|matplotlib {version('matplotlib')}|python {sys.version_info[:2]}"
    return digest([p for p in [register, *config_files, *code] if p.exists()], extra)


def _records_hash(records: object) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(cache: Path, charts) -> None:
    from .paper.chart_files import print_images

    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = cache.parent / f".{cache.name}.writing-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "files").mkdir(parents=True)
    records = []
    for chart in charts:
        record = {f.name: getattr(chart, f.name) for f in fields(chart) if f.name not in ("svg", "png", "data")}
        record["data"] = asdict(chart.data)
        for kind in ("svg", "png"):
            path = getattr(chart, kind)
            shutil.copyfile(path, staging / "files" / path.name)
            record[kind] = {"name": path.name, "sha256": _sha256(path), "size": path.stat().st_size}
        # A tall chart's print pages (<slug>.print-N.png) travel with it, checked like the rest.
        parts = [path for path in print_images(chart.png) if path != chart.png]
        for path in parts:
            shutil.copyfile(path, staging / "files" / path.name)
        record["print_parts"] = [{"name": path.name, "sha256": _sha256(path), "size": path.stat().st_size}
                                 for path in parts]
        records.append(record)
    # The recorded figures (titles, alt text, data tables) are checked like the images: by their hash.
    index = {"format": _CACHE_FORMAT, "charts": records, "charts_sha256": _records_hash(records)}
    (staging / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(cache, ignore_errors=True)
    try:
        staging.rename(cache)  # one step: another build never sees half an entry
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a concurrent build wrote it first
    _prune(cache.parent)


def read(cache: Path, out_dir: Path):
    """The cached charts copied into out_dir and checked there (what is checked is what is published),
    or None when there is no entry or it fails any check."""
    from .paper.chart_files import print_part_path
    from .paper.charts import Chart
    from .paper.model import Column, Table

    index = cache / "index.json"
    if not is_file(index):
        return None
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT or not isinstance(data.get("charts"), list):
            raise ValueError("unknown cache format")
        if data.get("charts_sha256") != _records_hash(data["charts"]):
            raise ValueError("the recorded charts do not match their recorded hash")
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        charts = []
        for record in data["charts"]:
            files = {}
            for kind in ("svg", "png"):
                entry = record[kind]
                name = entry["name"]
                if not isinstance(name, str) or Path(name).name != name or not name.endswith(f".{kind}"):
                    raise ValueError(f"bad file name {name!r}")
                copy = out_dir / name
                shutil.copyfile(cache / "files" / name, copy)
                if copy.stat().st_size != entry["size"] or _sha256(copy) != entry["sha256"]:
                    raise ValueError(f"{name} does not match its recorded hash")
                (_check_svg if kind == "svg" else _check_png)(copy)
                files[kind] = copy
            for n, entry in enumerate(record.get("print_parts", []), start=1):
                name = entry["name"]
                if name != print_part_path(files["png"], n).name:
                    raise ValueError(f"bad print part name {name!r}")
                copy = out_dir / name
                shutil.copyfile(cache / "files" / name, copy)
                if copy.stat().st_size != entry["size"] or _sha256(copy) != entry["sha256"]:
                    raise ValueError(f"{name} does not match its recorded hash")
                _check_png(copy)
            table = dict(record["data"])
            table["columns"] = tuple(Column(**c) for c in table["columns"])
            for key in ("rows", "totals"):
                table[key] = tuple(tuple(row) for row in table[key])
            chart_table = Table(**table)
            for row in (*chart_table.rows, *chart_table.totals, tuple(c.title for c in chart_table.columns)):
                if not all(isinstance(cell, str) for cell in row):
                    raise ValueError("a chart table cell is not text")
            plain = {k: v for k, v in record.items() if k not in ("svg", "png", "data", "print_parts")}
            if not all(isinstance(v, str) for v in plain.values()):
                raise ValueError("a chart's title or alt text is not text")
            charts.append(Chart(**plain, data=chart_table, svg=files["svg"], png=files["png"]))
        os.utime(cache)  # recently used: kept when the cache is pruned
        return tuple(charts)
    except Exception as exc:  # anything wrong with the entry: draw the charts again
        log.debug("chart cache %s not used: %s", cache.name, exc)
        shutil.rmtree(out_dir, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        return None


_SVG_UNSAFE = ("script", "foreignobject", "iframe", "object", "embed")


def _check_svg(path: Path) -> None:
    """A chart SVG is drawing only: no scripts, event handlers or links out of the file."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(path.read_bytes())
    if not root.tag.endswith("svg"):
        raise ValueError("not an SVG")
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag in _SVG_UNSAFE:
            raise ValueError(f"<{tag}> in a chart")
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise ValueError(f"event handler {local} in a chart")
            if local == "href" and not (value.startswith("#") or value.startswith("data:image/")):
                raise ValueError(f"link {value[:40]!r} in a chart")


def _check_png(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as img:
        if img.format != "PNG":
            raise ValueError("not a PNG")
        img.verify()  # reads every chunk and checks its CRC: a truncated file fails here


def _prune(cache_root: Path, keep: int = 8) -> None:
    """Keep the chart cache small: the most recently used entries only."""
    entries = sorted((p for p in cache_root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
