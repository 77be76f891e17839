"""Office files (.docx, .xlsx) that are byte-identical when their content is.

python-docx and openpyxl write zips stamped with the current time; this rewrites them with fixed
entry times, a fixed order and no host-specific attributes.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Callable

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest time a zip entry can carry


def normalise_zip(data: bytes, when: tuple[int, int, int, int, int, int] = ZIP_EPOCH,
                  rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """Rewrite an Office zip with fixed entry times, order and attributes; `rewrite` may edit an entry."""
    with zipfile.ZipFile(BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    if rewrite is not None:
        parts = {name: rewrite(name, content) for name, content in parts.items()}
    return zip_entries(parts, when)


def zip_entries(parts: dict[str, bytes], when: tuple[int, int, int, int, int, int] = ZIP_EPOCH) -> bytes:
    """An Office zip of these entries, with fixed entry times, order and attributes."""
    # Office expects the content types first; the rest in a stable order.
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n != "_rels/.rels", n))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # not the host OS, which zipfile would record
            info.external_attr = 0
            target.writestr(info, parts[name])
    return out.getvalue()
