"""Fork-then-``_exit``: the one way this package runs work in a forked child."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from typing import Callable, Optional

EX_SOFTWARE = 70  # the work raised: a bug, said with its traceback on stderr


def exit_status(code) -> int:
    """The exit status a SystemExit's code gives, as the interpreter computes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1  # SystemExit("message")


def describe_exit(code: int) -> str:
    """Why a process ended, from its exit code as subprocess gives it (-N: signal N)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return "killed by signal %s" % name
    if code == EX_SOFTWARE:
        return "the executor failed (exit status %d; its traceback is in the log)" % code
    return "exited with status %d" % code


def fork(work: Callable[[], Optional[int]]) -> int:
    """Fork; the child runs ``work()`` and leaves with ``os._exit`` (no atexit handlers,
    no flushing of buffers it inherited): with the status ``work`` returned (None: 0), a
    SystemExit's status, or EX_SOFTWARE after printing the traceback of anything else.
    Returns the child's pid in the parent."""
    pid = os.fork()
    if pid:
        return pid
    status = EX_SOFTWARE  # pragma: no cover - in the child
    try:
        status = work() or 0
    except SystemExit as exc:
        status = exit_status(exc.code)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(status)
