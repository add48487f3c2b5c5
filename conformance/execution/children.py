"""Processes a case started (a subprocess, an asyncio child, a fork, a multiprocessing
worker) are found and killed after its cell, so that none outlives the run.

Every worker, and the executor process, is made a *child subreaper* (Linux,
``PR_SET_CHILD_SUBREAPER``): a process whose parent exits is re-parented to its nearest
subreaper ancestor instead of init, so a double fork or a ``setsid`` does not take a
case's process out of reach. After each cell the worker kills every child it has (it has
none of its own); the executor kills every child that is not one of its workers.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Iterable, List

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants; False where impossible
    (not Linux, or no libc through ctypes)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError, ImportError):
        return False


def any_children() -> bool:
    """Whether this process has a child, running or ended (one system call)."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    except (OSError, AttributeError):  # no waitid: ask /proc
        return bool(children())
    return True


def children() -> List[int]:
    """The pids of this process's children (those of every thread), from /proc."""
    pids: List[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for tid in tasks:
        try:
            with open("/proc/self/task/%s/children" % tid) as f:
                pids.extend(int(p) for p in f.read().split())
        except (OSError, ValueError):
            continue
    if not pids and not os.path.exists("/proc/self/task/%d/children" % os.getpid()):
        pids = _children_by_scan()
    return sorted(set(pids))


def _children_by_scan() -> List[int]:
    """Children found by their parent pid (a kernel without the ``children`` file)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(entry))
    return found


def kill_all(keep: Iterable[int] = (), rounds: int = 20) -> int:
    """Kill (SIGKILL) and reap every child of this process except ``keep``, again and
    again while orphans of theirs keep arriving (this process is their subreaper).
    Returns how many processes it killed."""
    keep = set(keep)
    killed = 0
    for _ in range(rounds):
        targets = [p for p in children() if p not in keep]
        if not targets:
            break
        for pid in targets:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed += 1
        for pid in targets:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        time.sleep(0.001)  # let orphans of the killed be re-parented to us
    _reap_ended(keep)
    return killed


def _reap_ended(keep) -> None:
    """Collect the exit status of children that ended by themselves (zombies)."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except (ChildProcessError, OSError, AttributeError):
            return
        if info is None or info.si_pid in keep:
            return
        with contextlib.suppress(OSError):
            os.waitpid(info.si_pid, 0)
