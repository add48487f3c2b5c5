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
from typing import Any, Callable, Dict, Optional, Tuple

from ..results.files import umask
from . import snapshot

# The modules a cell in a reused worker may import: TF, numpy, Keras and pure helpers
# whose process-wide state is in the guard's snapshot (module attributes, the random
# generators, threads, the working directory, ...). Any other import (os, sys, ctypes,
# subprocess, this runner's own package ``conformance``, ...) may reach state the guard
# cannot compare, so the cell runs in a process of its own.
REUSE_IMPORTS = frozenset((
    "tensorflow", "numpy", "keras", "tf_keras", "__future__", "abc", "bisect",
    "collections", "contextlib", "copy", "dataclasses", "enum", "functools", "heapq",
    "itertools", "json", "math", "numbers", "operator", "random", "re", "string",
    "tempfile", "textwrap", "threading", "time", "typing", "warnings",
))
# Names that reach around the case's own namespace, into frames, code and classes.
PROCESS_NAMES = frozenset((
    "setattr", "delattr", "globals", "locals", "vars", "exec", "eval", "compile",
    "__import__", "open", "breakpoint", "input", "exit", "quit", "stack_size",
    "tb_frame", "tb_next", "f_back", "f_locals", "f_globals", "f_builtins", "f_code",
    "gi_frame", "gi_code", "cr_frame", "ag_frame", "cell_contents", "mro",
))
# Dunder names a case may use; any other (``__dict__``, ``__class__``, ``__globals__``,
# ``__code__``, ``__traceback__``, ``__subclasses__``, ...) reaches objects reflectively.
PLAIN_DUNDERS = frozenset((
    "__init__", "__call__", "__enter__", "__exit__", "__name__", "__module__",
    "__qualname__", "__doc__", "__version__", "__len__", "__iter__", "__next__",
    "__getitem__", "__contains__", "__repr__", "__str__", "__bool__", "__float__",
    "__int__", "__array__",
))
# Methods whose definition lets an object act later or lie about itself: a finalizer runs
# whenever the collector gets to it (maybe in the next cell); a permissive __eq__ could
# pass for a module attribute it replaced.
HOOK_METHODS = frozenset((
    "__del__", "__eq__", "__ne__", "__hash__", "__getattr__", "__getattribute__",
    "__setattr__", "__delattr__", "__init_subclass__", "__set_name__",
    "__instancecheck__", "__subclasscheck__", "__class_getitem__",
))
# Methods that change a container in place: called on a module's dict, list or set
# (``np.typecodes.update(...)``), they change what every later cell sees, and the guard
# compares a module attribute's identity, not its contents.
MUTATORS = frozenset((
    "update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert",
    "remove", "add", "discard", "sort", "reverse", "__setitem__", "__delitem__",
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
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        reason = _node_reason(node, bound, aliases)
        if reason is not None:
            return reason
    return None


def _node_reason(node, bound: set, aliases: set) -> Optional[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.ImportFrom) and node.level:
            return "imports relatively"
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
            node.module or ""]
        for name in names:
            if name.split(".")[0] not in REUSE_IMPORTS:
                return "imports %s" % name
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        return "declares %s names" % type(node).__name__.lower()
    elif isinstance(node, ast.Name):
        if node.id in PROCESS_NAMES or _reflective(node.id):
            return "uses %s" % node.id
    elif isinstance(node, ast.Attribute):
        if node.attr in PROCESS_NAMES or _reflective(node.attr):
            return "uses .%s" % node.attr
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            base = _base_name(node)
            if base is None or base in SHARED or base not in bound:
                return "assigns to an attribute of %s" % (base or "an expression")
            if base in aliases:
                return "assigns to an attribute of %s (another name for a shared object)" % base
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
        base = _base_name(node)
        if _not_the_cases(base, bound, aliases):
            return "assigns to an item of %s" % (base or "an expression")
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
          and node.func.attr in MUTATORS
          and isinstance(node.func.value, (ast.Name, ast.Attribute, ast.Subscript))):
        base = _base_name(node.func.value)
        if base is not None and _not_the_cases(base, bound, aliases):
            return "changes %s in place (.%s)" % (base, node.func.attr)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if node.name in HOOK_METHODS:
            return "defines %s" % node.name
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
            "getattr", "hasattr"):
        name = _string(node.args[1]) if len(node.args) > 1 else None
        if name is None or name in PROCESS_NAMES or _reflective(name):
            return "calls %s with a name it computes or a reflective one" % node.func.id
    return None


def _not_the_cases(base: Optional[str], bound: set, aliases: set) -> bool:
    """Whether what ``base`` names may be an object the case did not make: a shared or
    imported module, another name for one, or a name the code never binds."""
    return base is None or base in SHARED or base not in bound or base in aliases


def _string(node) -> Optional[str]:
    """A string literal's value (ast.Str on Python 3.7, ast.Constant after), else None."""
    if type(node).__name__ == "Constant":
        value = node.value
    elif type(node).__name__ == "Str":  # Python 3.7; reading .s on 3.12+ warns
        value = node.s
    else:
        return None
    return value if isinstance(value, str) else None


def _reflective(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and name not in PLAIN_DUNDERS


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


def _aliases(tree) -> set:
    """Names assigned another name for an object the code did not make: a shared or
    imported module or something reached from one without a call (``m = tf.nn``,
    ``T = tf.Tensor``, ``r = np.random``, ``a = m``). Attributes set on them are set on
    the shared object."""
    imported = set(SHARED)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update((a.asname or a.name).split(".")[0] for a in node.names)
    aliases: set = set()
    grew = True
    while grew:  # a = tf.nn; b = a
        grew = False
        for node in ast.walk(tree):
            targets, value = _assignment(node)
            base = _base_name(value) if isinstance(
                value, (ast.Name, ast.Attribute, ast.Subscript)) else None
            if base is None or (base not in imported and base not in aliases):
                continue
            for target in targets:
                for name in ast.walk(target):
                    if (isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store)
                            and name.id not in aliases):
                        aliases.add(name.id)
                        grew = True
    return aliases


def _assignment(node):
    if isinstance(node, ast.Assign):
        return node.targets, node.value
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        return [node.target], node.value
    if isinstance(node, ast.NamedExpr if hasattr(ast, "NamedExpr") else ()):
        return [node.target], node.value
    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        return [node.target], node.iter
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars], node.context_expr
    return [], None


# ------------------------------------------------------------------ after every cell

# Signals whose Python-level handler a case could swap for another Python function (the
# kernel's view, _proc_status, tells only that a handler is there).
_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGCHLD, signal.SIGUSR1)
_STATUS_FIELDS = (b"Umask:", b"SigBlk:", b"SigIgn:", b"SigCgt:")
_TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)


class Guard:
    """Watches a reused worker's process-wide state from one cell to the next.

    ``fds``: descriptors that must stay what they are (stdio and the worker's pipes);
    ``state``: a function giving TF's own flags (``executor.state``)."""

    def __init__(self, fds: Tuple[int, ...], state: Callable[[], Any]) -> None:
        self.fds, self.state = fds, state
        self.modules = snapshot.Modules()
        self.harness = snapshot.harness()
        self.last = self.fingerprint()

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
            "resource limits": snapshot.rlimits(),
            "numpy error and print settings": snapshot.numpy_settings(),
            "logging levels": snapshot.logging_levels(),
            **self.state(),
        }

    def check(self) -> Optional[str]:
        """What the last cell changed that a later cell could see, or None. The named
        settings come first: "changed resource variables" says more than the private
        module attribute behind it."""
        now = self.fingerprint()
        for key, value in self.last.items():
            if key == "logging levels":
                logger = snapshot.changed_logger(value, now[key])
                if logger is not None:
                    return "changed the logging configuration of %s" % logger
                self.last[key] = now[key]
            elif now.get(key) != value:
                return "changed %s" % key
        changed = self.modules.check()
        if changed is not None:
            return "changed %s" % changed
        changed = snapshot.harness_changed(self.harness)
        if changed is not None:
            return "changed the runner's %s" % changed
        return None


def neutralise() -> None:
    """Stop what could fire after the cell and hit whatever runs next in this process
    before it retires: interval timers."""
    for timer in _TIMERS:
        with contextlib.suppress(OSError, ValueError):
            signal.setitimer(timer, 0)


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
