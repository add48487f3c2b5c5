"""Values as JSON holds them: the one rule for floats JSON cannot hold.

JSON has no NaN or infinity (``json.dumps`` writes a bare ``NaN``, which browsers and
strict parsers refuse), so an observed or expected float that is not finite is written
as its name: "NaN", "Infinity", "-Infinity". ``float()`` reads those names back.
"""
from __future__ import annotations

import math
from typing import Any


def finite_float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its name."""
    if isinstance(value, float):
        return finite_float(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
