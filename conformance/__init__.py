"""Conformance suite for TensorFlow variable_scope / name_scope / reuse semantics.

The public API is what a tool needs to load cases and check observations; running cells
goes through the pytest plugin (``pytest cases/``) or ``python -m conformance``.
"""
from __future__ import annotations

from .case import Case, Expect, Variant, load_case
from .errors import CaseError, ConformanceError
from .matcher import Mismatch, compare
from .runner import run_cell

__version__ = "0.1.0"

__all__ = [
    "Case", "CaseError", "ConformanceError", "Expect", "Mismatch", "Variant",
    "__version__", "compare", "load_case", "run_cell",
]
