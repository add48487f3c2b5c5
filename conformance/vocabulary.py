"""The suite's words, defined once: modes, devices, outcomes and defaults.

Every other module (and the HTML page, through the data embedded in it) reads these;
none spells them out again. Imports nothing, so both sides of the package can use it:
the in-environment side (Python 3.7, inside every TF env) and the host side.
"""
from __future__ import annotations

# Execution modes of a cell, in report order.
MODES = ("v1", "graph", "eager", "function")
GRAPH_MODES = ("v1", "graph")  # the code runs in a fresh tf.Graph
DEVICES = ("cpu", "gpu")

# What a cell can end as (in a raw results file).
OUTCOMES = ("pass", "fail", "xfail", "xpass", "error", "crash", "timeout", "skip")
# What an environment file can say instead of cells (a whole column that did not run).
ENV_STATUSES = ("unavailable", "not_run")
# Every outcome a matrix cell can show.
CELL_OUTCOMES = OUTCOMES + ENV_STATUSES
# Outcomes that make a run fail (pytest failure, --strict, the diff's "worse").
FAILING = frozenset(("fail", "xpass", "error", "crash", "timeout"))
# Outcomes whose observed behaviour is compared across TF versions.
RAN = frozenset(("pass", "fail", "xfail", "xpass", "error"))
# Outcomes that mean the cell was not attempted.
DID_NOT_RUN = frozenset(("skip",) + ENV_STATUSES)
# Which outcome a group of cells is shown as: the first of these that occurs.
PRIORITY = ("crash", "error", "timeout", "fail", "xpass", "xfail", "pass",
            "unavailable", "not_run", "skip")

# Seconds a cell may run before it is killed (a case's `timeout` overrides it).
DEFAULT_TIMEOUT = 60.0
# Largest `timeout` a case may ask for.
MAX_TIMEOUT = 3600.0


def behaviour_of(mode: str) -> str:
    """The process-wide TF behaviour a mode needs: "v1" (disable_v2_behavior) or "tf2"."""
    return "v1" if mode == "v1" else "tf2"


def as_dict() -> dict:
    """The vocabulary as JSON data (embedded in the HTML page)."""
    return {"modes": list(MODES), "devices": list(DEVICES), "outcomes": list(CELL_OUTCOMES),
            "failing": sorted(FAILING), "priority": list(PRIORITY)}
