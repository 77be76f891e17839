"""`invoke workbook --force` over an officer's workbook keeps a dated copy of it, with their own sheets
and comments, instead of losing them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"


def workbook_task(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoke", "workbook", "--year", YEAR, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_force_keeps_a_dated_copy_of_the_workbook_it_replaces(tmp_path):
    path = tmp_path / "register.xlsx"
    first = workbook_task("--out", str(path))
    assert first.returncode == 0, first.stderr
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("My working")["A1"] = "officer's own notes"
    wb["Register"]["E2"].comment = Comment("check with finance", "officer")
    wb.save(path)
    mine = path.read_bytes()

    refused = workbook_task("--out", str(path))
    assert refused.returncode == 2 and "--force" in refused.stderr and "dated copy" in refused.stderr
    assert path.read_bytes() == mine

    forced = workbook_task("--out", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    backups = list((tmp_path / "backups").glob("register-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == mine
    assert str(backups[0]) in forced.stdout
    kept = openpyxl.load_workbook(backups[0])
    assert kept["My working"]["A1"].value == "officer's own notes"
    assert kept["Register"]["E2"].comment.text == "check with finance"
    assert "My working" not in openpyxl.load_workbook(path).sheetnames

    again = workbook_task("--out", str(path), "--force")  # a second replacement never overwrites the first copy
    assert again.returncode == 0
    assert len(list((tmp_path / "backups").glob("register-*.xlsx"))) == 2
