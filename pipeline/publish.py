"""Publishing a build: the output folder checked as ours to replace, the new build swapped into place
in one step (the folder is never missing nor half written), a failure of the disk said in words, and
then what the calendar published saved as the edition's record."""

from __future__ import annotations

import errno
import os
import shutil
import sys
from pathlib import Path

from .config import Config
from .edition import Edition
from .exports.calendar_state import save_state
from .input.load import register_path
from .processes import alive
from .problems import InputError, Problem


def check_target(target: Path) -> None:
    """The output folder must be ours to replace: new, empty, or a previous build of this tool."""
    for parent in (target, *target.parents):
        try:
            if parent.exists() and not parent.is_dir():
                where = "the output folder" if parent == target else f"{parent}, a folder on the output path,"
                raise InputError([Problem(str(target), None, None, "",
                                          f"{where} is a file, not a folder; choose another --out")])
            if parent.exists():
                break
        except PermissionError:
            break
    if target.is_dir() and any(target.iterdir()) and not (target / ".fingerprint").exists():
        raise InputError([Problem(str(target), None, None, "",
                                  "this output folder already holds files that were not built by this tool; "
                                  "choose an empty or new folder with --out so nothing of yours is replaced")])


def os_problem(exc: OSError, target: Path) -> Problem:
    """A failure of the disk or the file system, in words; the previous build is always intact."""
    kept = f"{target} is as it was before this build" if target.exists() else "nothing was written"
    where = exc.filename or target
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = "the disk is full"
        todo = "free some space (build/ can be emptied with `invoke clean`) and build again"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        what = "permission was refused"
        todo = ("close the paper if it is open in Word or a browser, check you may write there, "
                "or choose another folder with --out")
    elif exc.errno == errno.EROFS:
        what = "the disk is read-only"
        todo = "choose another folder with --out"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        what = "a file stands where a folder is needed"
        todo = "choose another folder with --out, or move that file"
    else:
        what = exc.strerror or type(exc).__name__
        todo = "check the folder and build again"
    return Problem(str(where), None, None, "", f"the build stopped: {what}; {todo}. {kept}")


def remove_abandoned(target: Path) -> None:
    """Delete temporary folders left by builds that were killed (their process no longer exists)."""
    for leftover in target.parent.glob(f".{target.name}.building-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}.old-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not alive(int(pid)) and target.exists():
            shutil.rmtree(leftover, ignore_errors=True)


def swap_into_place(tmp: Path, target: Path) -> None:
    """Put the new build at `target` in one atomic step, so `target` is never missing: a new folder is
    renamed into place; an existing one is exchanged with the new one (Linux renameat2, macOS
    renamex_np) and the old one, now at `tmp`, deleted. Where no exchange exists (Windows), two renames
    are the fallback, and the old build is put back if the second fails."""
    if not target.exists():
        try:
            tmp.rename(target)
            return
        except OSError:
            if not target.exists():
                raise
            # another build put its folder there meanwhile: exchange with it below
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step. False when the system or file system cannot (nothing is changed)."""
    import ctypes

    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        fn = getattr(libc, "renameat2", None)
        if fn is None:
            return False
        at_fdcwd, rename_exchange = -100, 2
        done = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
    elif sys.platform == "darwin":
        libc = ctypes.CDLL(None, use_errno=True)
        fn = getattr(libc, "renamex_np", None)
        if fn is None:
            return False
        rename_swap = 0x2
        done = fn(os.fsencode(a), os.fsencode(b), rename_swap) == 0
    else:
        return False
    if done:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP)):
        return False  # this file system cannot exchange: fall back
    raise OSError(code, os.strerror(code), str(b))


def own_register(edition: Edition, config: Config, register: str | Path | None, data_dir: Path) -> bool:
    """Built from the edition's own register? A build of another file (--register) is a trial: what its
    calendar publishes is not the edition's, so it does not become the edition's record."""
    if register is None:
        return True
    try:
        return Path(register).resolve() == register_path(edition, config, None, data_dir).resolve()
    except InputError:
        return False


def save_record(state: Path, published: bytes) -> None:
    """After the build is in place: what its calendar published becomes the edition's record."""
    try:
        save_state(state, published)
    except OSError as exc:
        raise InputError([Problem(str(state), None, None, "",
                                  f"the build is complete, but the calendar's record could not be saved "
                                  f"({exc.strerror or exc}); check the folder may be written and build again with "
                                  "--force, so the next calendar knows what this one published")]) from None
