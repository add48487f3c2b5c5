"""Describing what a cell's code left behind as plain JSON data: the objects its names
are bound to (type, name, identity), values, and the exception it raised.

Needs no TensorFlow import of its own: TF and numpy types are recognised through the
modules the executor has already imported (``sys.modules``).
"""
from __future__ import annotations

import sys
import tempfile
import traceback
import types

from ..jsonvalues import finite_float
from ..results import normalise

PRIMITIVES = (str, bytes, int, float, bool, type(None))
MAX_ITEMS = 20
MAX_TEXT = 4000
TF_MODULES = ("tensorflow", "keras", "tf_keras")

def describe_namespace(ns: dict, preset: set, exprs: list):
    refs: dict = {}      # id(obj) -> token
    keep = []            # keep evaluated objects alive while ids are compared
    objects: dict = {}

    def describe(obj, asked: bool = True) -> dict:
        d = _describe(obj, asked)
        if not isinstance(obj, PRIMITIVES):
            d["ref"] = refs.setdefault(id(obj), len(refs))
            keep.append(obj)
        return d

    for key, obj in list(ns.items()):
        if key in preset or isinstance(obj, types.ModuleType) or key.startswith("__"):
            continue
        objects[key] = describe(obj, asked=key in exprs)
    for expr in exprs:
        if expr in objects:
            continue
        try:
            objects[expr] = describe(eval(expr, ns))
        except Exception as exc:
            objects[expr] = {"eval_error": short(exc)}
    by_ref: dict = {}
    for key, d in objects.items():
        if "ref" in d:
            by_ref.setdefault(d["ref"], []).append(key)
    groups = [names for names in by_ref.values() if len(names) > 1]
    return objects, groups


def _tfish(obj) -> bool:
    """An object of a TF / Keras class (or a subclass defined by the case)."""
    return any(str(getattr(c, "__module__", "")).split(".")[0] in TF_MODULES
               for c in type(obj).__mro__)


def _describe(obj, asked: bool = True) -> dict:
    """What an object is; its names only if TF made it or an expectation asks for them
    (a thread's .name, say, counts threads the process ever made: not a TF fact)."""
    d: dict = {"type": type(obj).__name__}
    if isinstance(obj, PRIMITIVES):
        d["value"] = jsonify(obj)
        return d
    if isinstance(obj, (list, tuple)):
        d["items"] = [_brief(x) for x in obj[:MAX_ITEMS]]
        if len(obj) > MAX_ITEMS:
            d["more"] = len(obj) - MAX_ITEMS
        return d
    if not asked and not _tfish(obj):
        return d
    try:
        name = obj.name
    except Exception as exc:  # e.g. EagerTensor.name raises under eager execution
        d["name_error"] = short(exc)
    else:
        if isinstance(name, str):
            d["name"] = name
    for attr in ("path", "original_name_scope"):
        try:
            value = getattr(obj, attr, None)
        except Exception:
            continue
        if isinstance(value, str):
            d[attr] = value
    return d


def _brief(obj):
    if isinstance(obj, PRIMITIVES):
        return jsonify(obj)
    try:
        name = obj.name
    except Exception:
        name = None
    return name if isinstance(name, str) else "<%s>" % type(obj).__name__


def jsonify(value):
    """Plain JSON data for a value; tuples become lists, numpy values plain numbers, and
    a float that JSON cannot hold its name ("NaN", "Infinity", "-Infinity")."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return finite_float(value)
    if isinstance(value, (str, bool, int, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonify(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonify(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): jsonify(v) for k, v in value.items()}
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, (np.ndarray, np.generic)):
        return jsonify(value.tolist())
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        if isinstance(value, tf.TensorShape):
            return value.as_list() if value.rank is not None else None
        if isinstance(value, tf.DType):
            return value.name
    return str(value)


def case_line(exc: BaseException, file: str):
    line = None
    # walk_tb, not extract_tb: the line numbers without reading every frame's source file.
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == file:
            line = lineno
    return line


def args(exc: BaseException) -> str:
    return "(%s)" % ", ".join(repr(a)[:60] for a in exc.args[:3])


def error_record(exc: BaseException, file: str, patterns=()) -> dict:
    message = safe_str(exc)
    record = {
        "type": type(exc).__name__,
        "types": [c.__name__ for c in type(exc).__mro__],
        "message": message[:MAX_TEXT],
        "line": case_line(exc, file),
    }
    if patterns:
        # The expectations' error.match patterns are searched here, under the cell's time
        # limit (a catastrophic pattern is the cell's timeout, not a hung run).
        import re

        record["matched"] = {p: re.search(p, message[:MAX_TEXT]) is not None for p in patterns}
    return record


def safe_str(exc: BaseException) -> str:
    """str(exc), or what can be said when the exception's own __str__ fails."""
    try:
        return str(exc)
    except Exception as inner:
        return "<str() of the exception failed: %s: %s>" % (type(inner).__name__,
                                                          _first_line(inner))


def _first_line(exc: BaseException) -> str:
    try:
        lines = str(exc).strip().splitlines()
    except Exception:
        return "?"
    return lines[0][:200] if lines else ""


def short(exc: BaseException) -> str:
    text = safe_str(exc).strip().splitlines()
    return "%s: %s" % (type(exc).__name__, text[0][:300] if text else "")


def with_normalised(record: dict) -> dict:
    """The observed record, plus ``normalised``: the text of the entries that differ
    between two runs of the same behaviour (uids, addresses, temporary paths), with
    placeholders (results.normalise). Only entries normalisation changed are listed."""
    extra = normalise.observed(record, (tempfile.gettempdir(),))
    if extra:
        record["normalised"] = extra
    return record
