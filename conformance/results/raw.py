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
from typing import Any, Dict, List, Optional

from ..errors import ResultsError
from ..vocabulary import DEVICES, ENV_STATUSES, MODES, OUTCOMES

FORMAT = "conformance-raw"
FORMAT_VERSION = 2
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
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as exc:
        raise ResultsError("cannot read: %s" % (exc.strerror or exc)) from None
    except RecursionError:
        raise ResultsError("unreadable JSON: nested too deeply") from None
    except ValueError as exc:
        raise ResultsError("unreadable JSON: %s" % exc) from None
    return check(doc)


def check(doc: Any) -> Dict[str, Any]:
    """The document without its cells is checked against the schema; the cells are left
    to ``cell_problem`` (the schema's checks, ~0.2 CPU-s for a full file, are not needed
    to combine, and a bad cell must not cost the whole file)."""
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
    problem = _first_problem(envelope)
    if problem:
        raise ResultsError(problem)
    doc = dict(doc, format_version=FORMAT_VERSION, cells=cells,
               errors=[dict({"key": ""}, **e) for e in envelope["errors"]])
    return doc


_validator = None


def _first_problem(doc: dict) -> Optional[str]:
    global _validator
    if _validator is None:
        import jsonschema

        _validator = jsonschema.Draft7Validator(schema())
    errors = sorted(_validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    return "%s: %s" % (where, _short(err.message))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_problem(rec: Any) -> Optional[str]:
    """Why a cell record cannot be combined, or None."""
    if not isinstance(rec, dict):
        return "expected an object, found %s" % type(rec).__name__
    for key in ("case", "mode", "device"):
        if not isinstance(rec.get(key), str):
            return "%s: expected a string, found %r" % (key, rec.get(key))
    for key, allowed in (("mode", MODES), ("device", DEVICES), ("outcome", OUTCOMES)):
        if rec.get(key) not in allowed:
            return "%s: expected one of %s, found %r" % (key, ", ".join(allowed), rec.get(key))
    return None
