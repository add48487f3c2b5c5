"""Conformance suite for TensorFlow variable_scope / name_scope / reuse semantics.

The public API is what a tool needs to load cases and check observations; running cells
goes through the pytest plugin (``pytest cases/``) or ``python -m conformance``. The
layers are drawn in docs/architecture.md.

The names below are imported on first use (PEP 562), so that the executor processes and
the tox plugin do not pay for the case loader's YAML and JSON Schema imports.
"""
from __future__ import annotations

import importlib

__version__ = "0.2.0"

_EXPORTS = {
    "Case": "case.model", "Expect": "case.model", "Variant": "case.model",
    "load_case": "case.load",
    "CaseError": "errors", "ConformanceError": "errors", "Problem": "errors",
    "Mismatch": "case.compare", "compare": "case.compare",
    "CellRecord": "results.record",
    "run_cell": "execution.cell",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    attr = "run" if name == "run_cell" else name
    value = getattr(importlib.import_module("." + module, __name__), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
