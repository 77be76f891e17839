"""Run a build's independent stages at the same time, one forked process each, on every core.

A build's stages form a small graph: the charts, the exports and the writers do not depend on each
other, only on the analysis (and the writers on the composed paper). `run` starts each task as soon
as the tasks it needs have finished and a core is free. A task runs in a child process forked from
the build, so it sees the analysis and the composed paper as they are, without copying them; it
writes its files itself, and only its small result (chart captions and tables, say) comes back,
pickled, through a pipe. A task marked `inline` runs in the build's own process: its result (the
composed paper) is needed by the tasks after it.

The files are the same, byte for byte, as when every task runs one after another in one process
(tests/test_parallel_build.py builds both ways and compares them): each task writes only its own
files, from the same inputs, with the same code.

It runs serially (jobs=1) where forking is not safe or not possible: on systems without fork, when
the process already runs other threads (a preview server, say: a forked copy of a thread's lock could
never be released), and on a single core.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from .problems import InputError


@dataclass(frozen=True)
class Task:
    name: str  # the stage's name, as the build's timings report it
    run: Callable[[dict[str, Any]], Any]  # given the results of the tasks in `after`, by name
    after: tuple[str, ...] = ()
    inline: bool = False  # run in this process: its result is large, or needed by later tasks as it is


@dataclass
class _Child:
    task: Task
    pid: int
    fd: int
    started: float
    data: list[bytes] = field(default_factory=list)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_jobs() -> int:
    """How many tasks may run at once: every usable core, or 1 where forking is not safe."""
    if not can_fork():
        return 1
    return max(1, usable_cores())


def can_fork() -> bool:
    # macOS's system libraries are not fork-safe; Windows has no fork.
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def run(tasks: list[Task], jobs: int | None = None, on_done: Callable[[str, float], None] | None = None,
        while_waiting: Callable[[], None] | None = None) -> tuple[dict[str, Any], list[tuple[str, float]]]:
    """Run every task once its `after` tasks are done, at most `jobs` at a time, in list order of
    preference. Returns each task's result by name and (name, seconds) in the order they finished.
    The first failure stops the others and is raised here, as the task raised it.

    `while_waiting` is called once, in this process, the first time it has nothing to do but wait for
    forked tasks: the place for preparation later tasks need (importing what they use, say)."""
    names = [t.name for t in tasks]
    if len(set(names)) != len(names) or any(a not in names for t in tasks for a in t.after):
        raise ValueError(f"tasks must have unique names and depend only on each other: {names}")
    jobs = default_jobs() if jobs is None else jobs
    if jobs > 1 and not can_fork():
        jobs = 1
    results: dict[str, Any] = {}
    timings: list[tuple[str, float]] = []

    def finished(name: str, took: float, result: Any) -> None:
        results[name] = result
        timings.append((name, took))
        if on_done:
            on_done(name, took)

    if jobs <= 1:
        for task in _in_dependency_order(tasks):
            t0 = time.perf_counter()
            result = task.run({a: results[a] for a in task.after})
            finished(task.name, time.perf_counter() - t0, result)
        return results, timings

    waiting = list(tasks)
    children: dict[int, _Child] = {}  # by the read end of its pipe
    try:
        while waiting or children:
            ready = [t for t in waiting if all(a in results for a in t.after)]
            # Start ready tasks in the list's order while cores are free. An inline task runs here and
            # now, so the tasks after it wait for it; then what became ready is looked at again.
            progressed = False
            for task in ready:
                if len(children) >= jobs:
                    break
                waiting.remove(task)
                progressed = True
                if task.inline:
                    t0 = time.perf_counter()
                    result = task.run({a: results[a] for a in task.after})
                    finished(task.name, time.perf_counter() - t0, result)
                    break
                child = _fork(task, {a: results[a] for a in task.after})
                children[child.fd] = child
            if progressed:
                continue
            if not children:
                raise RuntimeError(f"tasks left that can never start: {[t.name for t in waiting]}")
            if while_waiting is not None:
                prepare, while_waiting = while_waiting, None
                prepare()
            for name, took, result in _collect(children):
                finished(name, took, result)
    except BaseException:
        for child in children.values():
            _stop(child)
        raise
    return results, timings


def _in_dependency_order(tasks: list[Task]) -> list[Task]:
    done: set[str] = set()
    order: list[Task] = []
    left = list(tasks)
    while left:
        task = next((t for t in left if all(a in done for a in t.after)), None)
        if task is None:
            raise RuntimeError(f"tasks left that can never start: {[t.name for t in left]}")
        left.remove(task)
        order.append(task)
        done.add(task.name)
    return order


def _fork(task: Task, inputs: dict[str, Any]) -> _Child:
    read, write = os.pipe()
    parent = os.getpid()
    # Objects that exist now are the child's inputs: moved out of the collector's sight, the child's
    # collections neither walk them nor touch (and so copy) their memory pages.
    gc.freeze()
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        os.close(read)
        os.close(write)
        raise
    if pid:
        gc.unfreeze()
    if pid == 0:  # the child: run the task, send the outcome, leave without running the build's cleanup
        os.close(read)
        try:
            _die_with(parent)
            t0 = time.perf_counter()
            outcome = ("ok", task.run(inputs), time.perf_counter() - t0)
        except InputError as exc:  # its problems travel; the message is rebuilt from them
            outcome = ("input", exc.problems, 0.0)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build
            outcome = ("error", exc, traceback.format_exc())
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that cannot be pickled still reports what happened
            payload = pickle.dumps(("error", RuntimeError(f"{task.name} failed:\n{outcome[2]}"), outcome[2]))
        try:
            with os.fdopen(write, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(write)
    return _Child(task, pid, read, time.perf_counter())


def _die_with(parent: int) -> None:
    """Linux: end this child when the build is killed, so nothing writes on after it (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:  # noqa: BLE001 - without it a killed build's children just finish their task
        pass
    if os.getppid() != parent:  # the build died before the request took effect
        os._exit(1)


def _collect(children: dict[int, _Child]):
    """Wait until at least one child has sent everything; yield (name, seconds, result) for each."""
    readable, _, _ = select.select(list(children), [], [])
    for fd in readable:
        child = children[fd]
        chunk = os.read(fd, 1 << 20)
        if chunk:
            child.data.append(chunk)
            continue
        os.close(fd)
        del children[fd]
        _, status = os.waitpid(child.pid, 0)
        if not child.data:
            how = (f"was stopped by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                   else f"ended with code {os.waitstatus_to_exitcode(status)}")
            raise RuntimeError(f"the {child.task.name} stage {how} before it finished")
        kind, value, extra = pickle.loads(b"".join(child.data))
        if kind == "input":
            raise InputError(value)
        if kind == "error":
            if isinstance(value, BaseException) and hasattr(value, "add_note"):
                value.add_note(f"(in the {child.task.name} stage, run in a separate process:)\n{extra}")
            raise value
        yield child.task.name, extra, value


def _stop(child: _Child) -> None:
    try:
        os.kill(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(child.pid, 0)
    except ChildProcessError:
        pass
    try:
        os.close(child.fd)
    except OSError:
        pass
