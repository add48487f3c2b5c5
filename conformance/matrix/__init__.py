"""The matrix (host side): ``combine`` reads raw results files into the ``model``,
``changes`` finds where behaviour differs between TF versions, and ``report`` renders
matrix.json, matrix.md, index.html, badges and findings.md from it."""
from __future__ import annotations

from .changes import describe, find_changes, signature
from .combine import combine
from .model import FORMAT_VERSION, Case, Cell, Change, Column, Matrix

__all__ = ["FORMAT_VERSION", "Case", "Cell", "Change", "Column", "Matrix", "combine",
           "describe", "find_changes", "signature"]
