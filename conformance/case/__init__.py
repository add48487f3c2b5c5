"""Cases: the model (``model``), loading and validation (``load``, ``yamlsource``, ``cache``),
choosing the expectation for a cell (``choose``) and comparing it with what TF did
(``compare``). In-environment side: Python 3.7, no TensorFlow."""
from __future__ import annotations

from .load import case_id, load_case
from .model import Case, Expect, Variant

__all__ = ["Case", "Expect", "Variant", "case_id", "load_case"]
