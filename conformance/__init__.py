"""Conformance suite for TensorFlow variable_scope / name_scope / reuse semantics.

The public API is what a tool needs to load cases and check observations; running cells
goes through the pytest plugin (``pytest cases/``) or ``python -m conformance``.

The names below are imported on first use (PEP 562), so that the executor processes
(``python -m conformance.sandbox``) and the tox plugin do not pay for the case loader's
YAML and JSON Schema imports.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Case": "case", "Expect": "case", "Variant": "case", "load_case": "case",
    "CaseError": "errors", "ConformanceError": "errors",
    "Mismatch": "matcher", "compare": "matcher",
    "run_cell": "runner",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module("." + module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
