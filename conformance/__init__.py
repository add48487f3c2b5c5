"""Conformance suite for TensorFlow variable_scope / name_scope / reuse semantics."""
from __future__ import annotations

__version__ = "0.1.0"
