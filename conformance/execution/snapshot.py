"""Process state that Python can read back, taken before a cell and compared after it
(``isolation.Guard``): every loaded module's attributes, the runner's own code, resource
limits, random generators, numpy's error and print settings, logging levels.

Reads TF and numpy only through ``sys.modules``; imports nothing heavy.
"""
from __future__ import annotations

import logging
import sys
import types
from typing import Any, Dict, List, Optional, Tuple

try:
    import resource
except ImportError:  # not Unix
    resource = None

# Module attributes that change in a fresh process too, without any cell asking: the
# warnings registry, and what the executor notes about the cell it runs (set anew by
# every cell before its code runs).
_VOLATILE = frozenset(("__warningregistry__", "_GRAPH_BEFORE_CELL"))
HARNESS = "conformance"


def _dict_of(obj) -> Optional[dict]:
    try:
        d = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return None
    return d if isinstance(d, dict) else None


def _lazy(value) -> bool:
    """A placeholder that replaces itself with the real module on first use."""
    return "lazy" in type(value).__name__.lower()


def _same(old: list, new: list) -> bool:
    """Whether two lists hold the same objects. ``==`` compares identical items without
    calling them, so unchanged lists (the common case) cost one C loop; an item whose
    ``__eq__`` raises counts as a change."""
    try:
        return len(old) == len(new) and old == new
    except Exception:
        return False


class Modules:
    """The attributes of every module in ``sys.modules``, by identity.

    A module imported after the snapshot (TF loads lazily) joins it as it is; an attribute
    added to a module is the new normal too, and so is one that was None and got a value
    (a global initialised on first use: TF's flags object, tempfile's name sequence), a
    tuple that grew at its end (a registry), and a module of TF's that gave way to another
    (see _same_module). Any
    other attribute rebound or deleted, public or private, is reported, except a lazy
    loader that replaced itself with its module; so is a module replaced or removed in
    ``sys.modules``."""

    def __init__(self) -> None:
        self.entries: Dict[str, Tuple[Any, dict, list, list, Any, int]] = {}
        for name, module in list(sys.modules.items()):
            self._take(name, module)

    def _take(self, name: str, module) -> None:
        d = _dict_of(module)
        if d is None:
            d = {}
        tag = _version_tag(d)
        self.entries[name] = (module, d, list(d), list(d.values()), tag,
                              tag.value if tag is not None else None)

    def retake(self, packages) -> None:
        """Take the modules of these packages anew (the executor's reset between cells
        rebinds some of their globals)."""
        for package in packages:
            for name, module in list(sys.modules.items()):
                if name == package or name.startswith(package + "."):
                    self._take(name, module)

    def check(self) -> Optional[str]:
        """The first change a later cell could see ("module.attr"), or None (after which
        the snapshot is the state now)."""
        modules = sys.modules
        gone = self.entries.keys() - modules.keys()
        if gone:
            return "sys.modules (%s removed)" % sorted(gone)[0]
        for name, module in list(modules.items()):
            entry = self.entries.get(name)
            if entry is None:
                self._take(name, module)
                continue
            if entry[0] is not module:
                if not _lazy(entry[0]):
                    return "sys.modules[%r] (replaced)" % name
                self._take(name, module)
                continue
            d = entry[1]
            if entry[4] is not None and entry[4].value == entry[5]:
                continue  # the dict was not written to at all
            # The values alone say whether an attribute was rebound, deleted or added;
            # the names too only in the runner's own modules (a rename that keeps the
            # value and the position is possible only for a module's last attribute).
            if _same(entry[3], list(d.values())) and (
                    not name.startswith(HARNESS) or _same(entry[2], list(d))):
                continue
            changed = _changed_name(entry[1], entry[2], entry[3])
            if changed is not None:
                return "%s.%s" % (name, changed)
            self._take(name, module)
        return None


def _version_tag_reader():
    """A reader of a dict's version tag (CPython 3.6-3.13, PEP 509: a new value from a
    global counter whenever the dict is written to), or None where the tag is not where
    it is expected (another interpreter or build): then every dict's contents are
    compared. Reading one tag touches one dict header, not the ~100k objects of TF's
    module globals (comparing those costs ~10-40 ms per cell on TF 2.21)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 14):
        return None
    try:
        import ctypes

        offset = 2 * ctypes.sizeof(ctypes.c_void_p) + ctypes.sizeof(ctypes.c_ssize_t)

        def reader(d):
            return ctypes.c_uint64.from_address(id(d) + offset)

        probe: dict = {}
        tags = [reader(probe).value]
        for value in (object(), object(), None):  # a new key, then rebinding it twice
            probe["x"] = value
            tags.append(reader(probe).value)
        if len(set(tags)) != len(tags) or reader(probe).value != tags[-1]:
            return None
        return reader
    except Exception:
        return None


_TAG_READER = _version_tag_reader()


def _version_tag(d: dict):
    return _TAG_READER(d) if _TAG_READER is not None and d else None


def _same_module(old, new) -> bool:
    """A module that gave way to another of the same name, or one of TF's API module
    wrappers to another module (TF 1.15 rebinds tensorflow_core.compat, the wrapper of
    tensorflow._api.v1.compat, on the first tf.function): TF's import plumbing."""
    return isinstance(old, types.ModuleType) and isinstance(new, types.ModuleType) and (
        getattr(old, "__name__", None) == getattr(new, "__name__", 0)
        or "modulewrapper" in type(old).__name__.lower())


def _grown(old, new) -> bool:
    """A registry kept as a tuple and rebound with more items at its end (TF 1.15's
    ops._TENSOR_LIKE_TYPES, when tf.function registers its types the first time)."""
    return (type(old) is tuple and type(new) is tuple and len(new) > len(old)
            and all(a is b for a, b in zip(old, new)))


def _changed_name(d: dict, keys: list, values: list) -> Optional[str]:
    for key, value in zip(keys, values):
        if key in _VOLATILE:
            continue
        if key not in d:
            if type(value).__name__ == "_Feature":  # a __future__ import's leftover
                continue  # (TF 1.15's nest deletes them on the first tf.function)
            return "%s (deleted)" % key
        if d[key] is not value and value is not None and not _lazy(value) and not (
                _same_module(value, d[key]) or _grown(value, d[key])):
            return key
    return None


# ------------------------------------------------------------------ the runner's own code

def harness() -> List[Tuple[Any, tuple]]:
    """The runner's own functions and classes (modules ``conformance.*``) with what
    decides their behaviour besides module attributes: a function's code, defaults and
    closure; a class's attributes, and its methods' code and defaults."""
    out = []
    for name, module in list(sys.modules.items()):
        if name != HARNESS and not name.startswith(HARNESS + "."):
            continue
        for value in list((_dict_of(module) or {}).values()):
            if getattr(value, "__module__", None) != name:
                continue
            if isinstance(value, types.FunctionType):
                out.append((value, _function_state(value)))
            elif isinstance(value, type):
                out.append((value, _class_state(value)))
    return out


def _function_state(fn) -> tuple:
    return (fn.__code__, fn.__defaults__, _ids(fn.__kwdefaults__ or {}),
            tuple(id(_cell(c)) for c in fn.__closure__ or ()))


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:  # empty cell
        return None


def _class_state(cls) -> tuple:
    attrs = dict(vars(cls))
    methods = tuple(_function_state(v) for v in attrs.values()
                    if isinstance(v, types.FunctionType))
    return (tuple(attrs), _ids(attrs), methods)


def _ids(d: dict) -> tuple:
    return tuple(map(id, d.values()))


def harness_changed(before: List[Tuple[Any, tuple]]) -> Optional[str]:
    for obj, state in before:
        now = _function_state(obj) if isinstance(obj, types.FunctionType) else _class_state(obj)
        if now != state:
            return "%s.%s" % (obj.__module__, obj.__qualname__)
    return None


# ------------------------------------------------------------------ other process state

_RLIMITS = tuple(sorted(getattr(resource, n) for n in dir(resource) if n.startswith("RLIMIT_"))
                 ) if resource is not None else ()


def rlimits() -> tuple:
    out = []
    for limit in _RLIMITS:
        try:
            out.append(resource.getrlimit(limit))
        except (ValueError, OSError):
            out.append(None)
    return tuple(out)


class RandomStates:
    """The global random generators as a freshly forked worker has them, given back to
    every cell: numpy's (a fork inherits the executor's state) and Python's (reseeded from
    the OS at every fork, as ``random`` itself does). A seed or draw of one cell is then
    invisible to the next, as in a fresh process. (TF's seeds are set per cell by the
    executor; its global generator object is in ``executor.state``.)"""

    def __init__(self) -> None:
        np = sys.modules.get("numpy")
        self.numpy = np.random.get_state() if np is not None else None

    def restore(self) -> None:
        rnd = sys.modules.get("random")
        if rnd is not None:
            rnd.seed()
        np = sys.modules.get("numpy")
        if np is not None and self.numpy is not None:
            np.random.set_state(self.numpy)


def numpy_settings() -> tuple:
    """numpy's floating-point error handling and print options."""
    np = sys.modules.get("numpy")
    if np is None:
        return ()
    try:
        options = np.get_printoptions()
        return (tuple(sorted(np.geterr().items())), id(np.geterrcall()), np.getbufsize(),
                tuple(sorted((k, v if isinstance(v, (str, int, float, bool, type(None)))
                              else id(v)) for k, v in options.items())))
    except Exception:
        return ("<error>",)


def logging_levels() -> dict:
    """Each configured logger's level, handlers and switches (TF's and absl's loggers
    decide what a cell prints), and the global ``logging.disable`` level."""
    manager = logging.Logger.manager
    loggers = [logging.getLogger()] + [
        v for v in list(manager.loggerDict.values())
        if isinstance(v, logging.Logger) and (v.level or v.handlers or v.disabled)]
    out = {"logging.disable": manager.disable}
    for lg in loggers:
        out[lg.name] = (lg.level, lg.disabled, lg.propagate, tuple(map(id, lg.handlers)))
    return out


def changed_logger(before: dict, now: dict) -> Optional[str]:
    """A logger configured before whose configuration changed (one a lazily imported
    library configured is the new normal)."""
    for name, state in before.items():
        if now.get(name, state) != state or (name not in now and state[0]):
            return name
    return None
