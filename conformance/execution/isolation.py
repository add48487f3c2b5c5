"""What keeps one cell from changing another's verdict, without a fresh process per cell.

Cells run in reused worker processes (a fresh one per cell would cost a fork and TF's
runtime start-up every time). Two guards make reuse safe:

- ``own_process_reason(code)``, before a cell is sent: code that reaches process-wide
  state by name (os, sys, signal, threads, setattr on a module, ...) runs in a process of
  its own, forked for that cell and thrown away after it. Decided from the code's syntax;
  the corpus' cases do none of this.
- ``Guard``, after every cell in a reused worker: the process-wide state a case can
  change through an innocent-looking call (a TF or Keras global setter, a thread started
  by a library, a signal handler, the working directory, ...), together with TF's own
  flags (``executor.state``). The worker compares it with what it was before the cell and
  retires on any difference, so the next cell gets a fresh worker.

Imports nothing heavy; reads TF and Keras modules only through ``sys.modules``.
"""
from __future__ import annotations

import ast
import contextlib
import gc
import os
import signal
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..results.files import umask

# Modules whose use means the code reaches process state directly, in ways the guard after
# each cell cannot see (a forked child, a C-level environment or handler, a raw descriptor,
# the interpreter's import machinery). Threads, temporary files and the like need no
# process of their own: a thread left running, a changed working directory or umask are in
# the guard's fingerprint.
PROCESS_MODULES = frozenset((
    "os", "posix", "sys", "signal", "_thread", "multiprocessing", "subprocess", "ctypes",
    "gc", "builtins", "importlib", "atexit", "faulthandler", "resource", "fcntl", "socket",
    "pty", "tty", "termios", "locale", "site", "runpy", "mmap",
))
# Names that reach around the case's own namespace.
PROCESS_NAMES = frozenset((
    "setattr", "delattr", "globals", "vars", "exec", "eval", "compile", "__import__",
    "open", "breakpoint", "input", "exit", "quit", "__builtins__", "__dict__", "__class__",
    "__globals__", "__code__", "__subclasses__", "__setattr__", "__delattr__",
))
# The names every case's namespace starts with (module objects shared by every cell).
SHARED = frozenset(("tf", "tf2", "np"))


def own_process_reason(code: str) -> Optional[str]:
    """Why ``code`` must run in a process of its own (thrown away after it), or None."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None  # the executor reports it
    bound = _bound_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]
            for name in names:
                if name.split(".")[0] in PROCESS_MODULES:
                    return "imports %s" % name
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            return "declares %s names" % type(node).__name__.lower()
        elif isinstance(node, ast.Name) and node.id in PROCESS_NAMES:
            return "uses %s" % node.id
        elif isinstance(node, ast.Attribute):
            if node.attr in PROCESS_NAMES:
                return "uses .%s" % node.attr
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                base = _base_name(node)
                if base is None or base in SHARED or base not in bound:
                    return "assigns to an attribute of %s" % (base or "an expression")
    return None


def _base_name(node) -> Optional[str]:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound_names(tree) -> set:
    """Names the code itself binds (assignments, defs, classes, loop and with targets),
    except the shared module names: attributes of these objects are the case's own."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            args = getattr(node, "args", None)
            if args is not None:
                for arg in args.args + args.kwonlyargs + getattr(args, "posonlyargs", []):
                    bound.add(arg.arg)
        elif isinstance(node, ast.Lambda):
            bound.update(a.arg for a in node.args.args)
    return bound - SHARED


# ------------------------------------------------------------------ after every cell

# Signals whose Python-level handler a case could swap for another Python function (the
# kernel's view, _proc_status, tells only that a handler is there).
_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGCHLD, signal.SIGUSR1)
_STATUS_FIELDS = (b"Umask:", b"SigBlk:", b"SigIgn:", b"SigCgt:")
_TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)
_KEY_MODULES = ("builtins", "sys", "os", "numpy", "tensorflow", "tensorflow.compat.v1",
                "tensorflow.compat.v2", "conformance.execution.executor")


class Guard:
    """Watches a reused worker's process-wide state from one cell to the next.

    ``fds``: descriptors that must stay what they are (stdio and the worker's pipes);
    ``modules``: module objects whose attributes must keep their identity (those a case's
    namespace starts with, and TF's own); ``state``: a function giving TF's own flags."""

    def __init__(self, fds: Tuple[int, ...], modules: List[Any],
                 state: Callable[[], Any]) -> None:
        self.fds, self.modules, self.state = fds, modules, state
        self.last = self.fingerprint()
        self.attrs = [dict(vars(m)) for m in modules]

    def fingerprint(self) -> Dict[str, Any]:
        return {
            "working directory": _safe(os.getcwd),
            # umask and which signals are caught, ignored or blocked, in one read
            "umask and signal dispositions": _proc_status(),
            "Python signal handlers": tuple(signal.getsignal(s) for s in _HANDLED),
            "environment variables": hash(frozenset(os.environ.items())),
            "interval timers": tuple(signal.getitimer(t) != (0.0, 0.0) for t in _TIMERS),
            "threads": (threading.active_count(), len(sys._current_frames())),
            "file descriptors": tuple(_fd_identity(fd) for fd in self.fds),
            "standard streams": tuple(id(s) for s in (sys.stdin, sys.stdout, sys.stderr)),
            "interpreter settings": (sys.getrecursionlimit(), gc.isenabled(),
                                     sys.getswitchinterval(), sys.gettrace() is None,
                                     sys.getprofile() is None),
            "imported modules": tuple(id(sys.modules.get(n)) for n in _KEY_MODULES),
            "module attributes": tuple(_attrs_hash(m) for m in self.modules),
            **self.state(),
        }

    def check(self) -> Optional[str]:
        """What the last cell changed that a later cell could see, or None."""
        now = self.fingerprint()
        for key, value in self.last.items():
            if now.get(key) == value:
                continue
            if key == "module attributes":
                changed = self._changed_attribute()
                if changed is None:  # only lazy imports resolved: the new normal
                    self.last = dict(self.last, **{key: now[key]})
                    continue
                return "changed %s" % changed
            return "changed %s" % key
        return None

    def _changed_attribute(self) -> Optional[str]:
        """The public attribute a cell rebound or deleted. Private ones are TF's own
        bookkeeping (registries that grow as modules load lazily), and a lazy loader that
        replaced itself with its module is the new normal."""
        for module, before in zip(self.modules, self.attrs):
            after = vars(module)
            for name, value in before.items():
                if name.startswith("_"):
                    continue
                if name not in after:
                    return "%s.%s (deleted)" % (module.__name__, name)
                if after[name] is not value and not _lazy(value):
                    return "%s.%s" % (module.__name__, name)
        self.attrs = [dict(vars(m)) for m in self.modules]
        return None


def neutralise() -> None:
    """Stop what could fire after the cell and hit whatever runs next in this process
    before it retires: interval timers."""
    for timer in _TIMERS:
        with contextlib.suppress(OSError, ValueError):
            signal.setitimer(timer, 0)


def _lazy(value) -> bool:
    """A placeholder that replaces itself with the real module on first use."""
    return "lazy" in type(value).__name__.lower()


def _attrs_hash(module) -> int:
    return hash(tuple(map(id, vars(module).values())))


def _proc_status():
    """The umask and the signal masks from /proc/self/status (Linux); elsewhere, every
    signal's handler from Python (slower: ~60 calls)."""
    try:
        with open("/proc/self/status", "rb") as f:
            return tuple(line for line in f.read().splitlines()
                         if line.startswith(_STATUS_FIELDS))
    except OSError:
        return (umask(),) + tuple(
            signal.getsignal(s) for s in range(1, signal.NSIG)
            if s not in (signal.SIGKILL, signal.SIGSTOP))


def _fd_identity(fd: int):
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mode)


def _safe(fn, *args):
    try:
        return fn(*args)
    except (OSError, ValueError):
        return None
