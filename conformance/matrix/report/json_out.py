"""matrix.json: the combined matrix as data, for other tools (the HTML page embeds its own,
deduplicated shape instead: ``html.page_data``).

Shape (FORMAT_VERSION in conformance.matrix; its comment log lists the changes)::

    {"format": "conformance-matrix", "format_version": 1,
     "columns": [{"key": "2.16/cpu", "tf_minor", "device", "status", "reason", "tf", "envs"}],
     "cases": {id: {"title", "tags", "file", "line", "modes",
                    "cells": {"<tf_minor>/<mode>/<device>": {"outcome", "reason", "observed",
                              "variant", "note", "expect", "repro", "mismatches", "env",
                              "change"}}}},
     "changes": [{"case", "mode", "device", "tf_minor", "previous", "text",
                  "kind"}],              # kind: "semantic" or "wording"
     "summary": {"<tf_minor>/<device>": {outcome: count}},
     "problems": ["<file>: <what>"], "case_errors": ["<case file>:<line>: <what>"],
     "grid": {case: {"<mode>/<device>": {    # only when producer/consumer cases ran
         "producers": ["1.15", …], "consumers": ["1.15", …],
         "cells": {"<producer minor>><consumer minor>": {"outcome", "reason",
                   "kind",   # restores | raises | differs | no_artifact | fails
                   "what",   # the error raised, the variant, ... in one line
                   "variant", "note", "env", "producer_tf"}}}}},
     "rename_maps": {case: {"<old minor>→<new minor>": {old key: new key}}}}
"""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Dict, Optional

from ...jsonvalues import finite
from ..model import FORMAT_VERSION, Matrix
from . import checkpoints, view

FORMAT = "conformance-matrix"
CELL_FIELDS = ("outcome", "reason", "observed", "variant", "note", "expect", "repro",
               "mismatches", "env", "change")


def to_dict(m: Matrix) -> Dict[str, Any]:
    cases: Dict[str, Any] = {}
    for case in m.cases:
        cases[case.id] = {
            "title": case.title, "tags": case.tags, "file": case.file, "line": case.line,
            "modes": case.modes, "cells": {},
        }
    for (case_id, tf_minor, mode, device), cell in m.cells.items():
        cases[case_id]["cells"]["%s/%s/%s" % (tf_minor, mode, device)] = {
            name: getattr(cell, name) for name in CELL_FIELDS
        }
    columns = []
    for column in m.columns:
        entry = {"key": column.key}
        entry.update(asdict(column))
        columns.append(entry)
    out = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "columns": columns,
        "cases": cases,
        "changes": [asdict(change) for change in m.changes],
        "summary": view.summary(m),
        "problems": list(m.problems),
        "case_errors": list(m.case_errors),
    }
    if m.grid:  # only then: a matrix without producer/consumer cases is as it was
        out["grid"] = checkpoints.grid_data(m)
        out["rename_maps"] = checkpoints.rename_maps(m)
    return out


def render(m: Matrix, data: Optional[Dict[str, Any]] = None) -> str:
    """``data``: to_dict(m), when the caller has it already."""
    return dumps(to_dict(m) if data is None else data) + "\n"


def dumps(data: Any) -> str:
    """Compact JSON, always valid: a NaN or infinity read from an old raw file is written
    as its name (a bare NaN would stop the page's script from parsing its data)."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(finite(data), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
