"""The raw results format: one file per environment (docs/results-format.md).

The one place that knows the format: ``document`` builds one (the pytest writer, the
orchestrator's placeholders and the tests all use it), ``read`` checks one and brings an
older version up to the current one. The JSON Schema is ``data/raw.schema.json``.

Format log:
  1: first version.
  2: ``status`` may be ``partial`` (a subset run, or one stopped early); collection errors
     carry ``key``; a cell may carry ``runs`` (--verify). Version 1 files read as version 2.
"""
from __future__ import annotations

import json
import os
import stat
from typing import Any, Dict, List, Optional, Tuple

from ..errors import ResultsError
from ..vocabulary import DEVICES, ENV_STATUSES, MODES, OUTCOMES
from . import files

FORMAT = "conformance-raw"
FORMAT_VERSION = 3
STATUSES = ("complete", "partial") + ENV_STATUSES
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                           "raw.schema.json")


def schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def document(env: Dict[str, Any], cells: List[dict], errors: List[dict],
             status: str = "complete", reason: Optional[str] = None) -> Dict[str, Any]:
    """A raw results document; ``env`` holds at least name, tf_minor and device."""
    if status not in STATUSES:
        raise ValueError("status %r: expected one of %s" % (status, ", ".join(STATUSES)))
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "status": status,
            "reason": reason, "env": env, "cells": cells, "errors": errors}


def placeholder(name: str, tf_minor: str, device: str, status: str,
                reason: str) -> Dict[str, Any]:
    """The file of an environment that could not run or need not run: no cells."""
    env = {"name": name, "tf_minor": tf_minor, "tf": None, "device": device, "profiles": {}}
    return document(env, [], [], status, reason)


def read(path: str) -> Dict[str, Any]:
    """One raw file, checked and brought to the current version; ResultsError says why it
    cannot be used. Cells are checked one by one by ``cell_problem`` (the caller decides
    what to do with a bad one)."""
    duplicates: List[_Twice] = []
    doc = load_json(path, duplicates)
    return check(doc, bool(duplicates))


# A raw file of the full corpus is ~1.3 MB, a matrix.json ~25 MB: far larger is no results
# file, and reading it whole would only cost the memory.
MAX_BYTES = 256 << 20


def load_json(path: str, duplicates: Optional[List[Any]] = None) -> Any:
    """The JSON document in the regular file ``path`` (or a link to one); ResultsError when
    it is none: a FIFO, a device or a directory is not read (a FIFO waits for a writer
    forever, /dev/zero never ends), nor a file over MAX_BYTES. An object with a key twice
    is a ``_Twice`` (JSON keeps the last value silently), appended to ``duplicates``; with
    ``duplicates`` None, a key twice anywhere is a ResultsError."""
    try:
        kind = _not_regular(os.stat(path).st_mode)
        if kind:
            raise ResultsError("%s, not a regular file: not read" % kind)
        # O_NONBLOCK: were it swapped for a FIFO since the stat, open would wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            kind = _not_regular(st.st_mode)
            if kind:
                raise ResultsError("%s, not a regular file: not read" % kind)
            data = b"" if st.st_size > MAX_BYTES else f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ResultsError("cannot read: %s" % (exc.strerror or exc)) from None
    if st.st_size > MAX_BYTES or len(data) > MAX_BYTES:
        raise ResultsError("larger than %d MB (%d bytes): not a results file; not read"
                           % (MAX_BYTES >> 20, max(st.st_size, len(data))))
    found: List[Any] = [] if duplicates is None else duplicates
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_hook(found))
    except RecursionError:
        raise ResultsError("unreadable JSON: nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise ResultsError("unreadable JSON: %s" % exc) from None
    if found and duplicates is None:
        raise ResultsError("%s: %s" % (_where_twice(doc) or ("(top level)", found[0].twice)))
    if isinstance(doc, _Twice):
        raise ResultsError("(top level): %s" % doc.twice)
    return doc


def _not_regular(mode: int) -> Optional[str]:
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in files.KINDS if test(mode)), "a special file")


class _Twice(dict):
    """A JSON object in which a key occurs more than once (the last value kept)."""

    twice = ""


def _hook(found: List[Any]):
    def pairs_to_dict(pairs):
        d = dict(pairs)
        if len(d) == len(pairs):
            return d
        seen: set = set()
        keys = [k for k, _ in pairs if k in seen or seen.add(k)]
        obj = _Twice(d)
        obj.twice = "duplicate key %s (JSON keeps only the last)" % ", ".join(
            repr(k) for k in dict.fromkeys(keys))
        found.append(obj)
        return obj
    return pairs_to_dict


def _where_twice(value: Any, path: str = "") -> Optional[Tuple[str, str]]:
    """(dotted path, what) of the first object in ``value`` with a key twice."""
    if isinstance(value, _Twice):
        return path or "(top level)", value.twice
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, item in items:
        found = _where_twice(item, "%s.%s" % (path, key) if path else str(key))
        if found:
            return found
    return None


def check(doc: Any, duplicates: bool = False) -> Dict[str, Any]:
    """The document without its cells is checked against the schema; the cells are left
    to ``cell_problem`` (a bad cell must not cost the whole file). ``duplicates``: some
    object in ``doc`` has a key twice (``load_json``): outside the cells that refuses the
    file; a cell with one is marked, for ``cell_problem`` to tell."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ResultsError("expected format %r, found %r" % (FORMAT, found))
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultsError("expected an integer format_version, found %r" % (version,))
    if version > FORMAT_VERSION:
        raise ResultsError("format_version %d is newer than supported (%d)"
                           % (version, FORMAT_VERSION))
    cells = doc.get("cells", [])
    if not isinstance(cells, list):
        raise ResultsError("cells: expected a list")
    errors = doc.get("errors") or []
    envelope = dict(doc, cells=[], errors=[e for e in errors if isinstance(e, dict)])
    envelope["format_version"] = FORMAT_VERSION
    if duplicates:
        twice = _where_twice(envelope)
        if twice:
            raise ResultsError("%s: %s" % twice)
        cells = [_marked(rec) for rec in cells]
    problem = _first_problem(envelope)
    if problem:
        raise ResultsError(problem)
    doc = dict(doc, format_version=FORMAT_VERSION, cells=cells,
               errors=[dict({"key": ""}, **e) for e in envelope["errors"]])
    return doc


def _marked(rec: Any) -> Any:
    """The cell, as a ``_Twice`` saying where when some object in it has a key twice."""
    twice = _where_twice(rec)
    if not twice or rec is None:
        return rec
    marked = _Twice(rec)
    marked.twice = twice[1] if twice[0] == "(top level)" else "%s: %s" % twice
    return marked


_validators: Dict[str, Any] = {}
_DRAFT7: Dict[str, Any] = {}  # Draft 7's own keyword functions, where ours defer to them


def _validator(definition: Optional[str] = None):
    """The schema's validator: of the whole document, or of one of its definitions."""
    key = definition or ""
    if key not in _validators:
        import jsonschema

        _DRAFT7.update(jsonschema.Draft7Validator.VALIDATORS)
        whole = schema()
        target = whole if definition is None else whole["definitions"][definition]
        checker = jsonschema.validators.extend(jsonschema.Draft7Validator, {
            "properties": _properties, "additionalProperties": _additional,
            "items": _items})
        _validators[key] = checker(_inline(target, whole["definitions"]))
    return _validators[key]


# Draft 7's ``properties``, ``additionalProperties`` and ``items`` in the forms this schema
# uses, without descending into a value whose schema is only a ``type`` the value has
# (most of a cell's values): descending was most of the time of validating a cell.


def _fits(validator, value, sub) -> bool:
    if len(sub) != 1 or "type" not in sub:
        return False
    types = sub["type"]
    return any(validator.is_type(value, t) for t in ([types] if isinstance(types, str)
                                                     else types))


def _properties(validator, properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for name, sub in properties.items():
        if name in instance and not _fits(validator, instance[name], sub):
            yield from validator.descend(instance[name], sub, path=name, schema_path=name)


def _additional(validator, additional, instance, schema):
    if (not validator.is_type(instance, "object") or not isinstance(additional, dict)
            or "patternProperties" in schema):
        yield from _DRAFT7["additionalProperties"](validator, additional, instance, schema)
        return
    known = schema.get("properties", {})
    for name, value in instance.items():
        if name not in known and not _fits(validator, value, additional):
            yield from validator.descend(value, additional, path=name)


def _items(validator, items, instance, schema):
    if not validator.is_type(instance, "array") or not isinstance(items, dict):
        yield from _DRAFT7["items"](validator, items, instance, schema)
        return
    for index, value in enumerate(instance):
        if not _fits(validator, value, items):
            yield from validator.descend(value, items, path=index)


def _inline(node: Any, definitions: Dict[str, Any]) -> Any:
    """The schema with each ``{"$ref": "#/definitions/x"}`` replaced by x (none refers to
    itself): resolving a $ref while validating cost half of the time of a cell."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/definitions/") and len(node) == 1:
            return _inline(definitions[ref[len("#/definitions/"):]], definitions)
        return {k: _inline(v, definitions) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, definitions) for v in node]
    return node


def _first_problem(doc: Any, definition: Optional[str] = None) -> Optional[str]:
    validator = _validator(definition)
    if validator.is_valid(doc):  # the common case, without building every error
        return None
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    err = errors[0]
    where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    return "%s: %s" % (where, _short(err.message))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_problem(rec: Any, statuses: Tuple[str, ...] = ()) -> Optional[str]:
    """Why a cell record cannot be combined (the schema's first complaint, or a key twice
    in it), or None. Keys a reader relies on (case, mode, device, outcome) are told first.
    ``statuses``: outcomes allowed besides the cell outcomes (a matrix cell of a column
    that did not run, ``unavailable``), checked as a ``skip``."""
    if not isinstance(rec, dict):
        return "expected an object, found %s" % type(rec).__name__
    if isinstance(rec, _Twice):
        return rec.twice
    for key in ("case", "mode", "device"):
        if not isinstance(rec.get(key), str):
            return "%s: expected a string, found %r" % (key, rec.get(key))
    outcome = rec.get("outcome")
    for key, allowed in (("mode", MODES), ("device", DEVICES), ("outcome", OUTCOMES + statuses)):
        if rec.get(key) not in allowed:
            return "%s: expected one of %s, found %r" % (key, ", ".join(allowed), rec.get(key))
    return _cell_schema_problem(rec if outcome in OUTCOMES else dict(rec, outcome="skip"))


# The schema's verdict on cells seen before, keyed by the cell without its timings (the
# schema asks of ``duration`` only its type, of ``observed.*_seconds`` nothing): most cells
# of a matrix observe what the same cell did in the TF version before, and validating each
# anew would make reading a full matrix ~5x slower.
_verdicts: Dict[str, Optional[str]] = {}
_TIMED = "_seconds"
_key = json.JSONEncoder(check_circular=False, separators=(",", ":")).encode  # read: no cycles


def _cell_schema_problem(rec: Dict[str, Any]) -> Optional[str]:
    observed = rec.get("observed")
    if type(observed) is dict:
        observed = {k: v for k, v in observed.items() if not k.endswith(_TIMED)}
    rest = {k: v for k, v in rec.items() if k != "observed" and k != "duration"}
    timing = type(rec["duration"]).__name__ if "duration" in rec else "-"
    key = _key((timing, observed, rest))
    if key not in _verdicts:
        if len(_verdicts) > 200_000:
            _verdicts.clear()
        _verdicts[key] = _first_problem(rec, "cell")
    return _verdicts[key]
