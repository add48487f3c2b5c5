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


class Outcome:
    """One row of TABLE: an outcome and what it means everywhere it is shown or counted.

    name       as written in raw files, matrix.json, the page's URL and data
    kind       "cell": a cell's own outcome (raw.schema.json cell.outcome); "env": what an
               environment file says instead of cells, a whole column that did not run
               (raw.schema.json status; CellRecord.finish refuses it for a cell)
    fails      makes a run fail (pytest failure, --strict, the diff's "worse")
    ran        the code ran: its observed behaviour is compared across TF versions
    attempted  the cell was attempted (False: skipped, or its column did not run)
    good       counts as ok: badges' "good/ran", the page's "ok %", the diff's "was good"
    priority   which outcome a group of cells is shown as: the lowest that occurs
    symbol     in matrix.md
    glyph      in index.html's verdict grid
    label      in words: reports, badges, the page, the command line
    short      on the page, for a column with this status instead of its "ok %"
    """

    __slots__ = ("name", "kind", "fails", "ran", "attempted", "good", "priority", "symbol",
                 "glyph", "label", "short")

    def __init__(self, name: str, kind: str, fails: bool, ran: bool, attempted: bool,
                 good: bool, priority: int, symbol: str, glyph: str, label: str,
                 short: str = None) -> None:
        self.name, self.kind, self.fails, self.ran = name, kind, fails, ran
        self.attempted, self.good, self.priority = attempted, good, priority
        self.symbol, self.glyph, self.label, self.short = symbol, glyph, label, short

    def __repr__(self) -> str:
        return "Outcome(%s)" % ", ".join(repr(getattr(self, k)) for k in self.__slots__)


# Every outcome a matrix cell can show, one row each, in report order. Adding an outcome
# is a row here, its colour in matrix/report/page.html and, for a cell outcome or an
# environment status, its name in data/raw.schema.json (tests/host check the rest).
TABLE = tuple(Outcome(*row) for row in (
    # name         kind    fails  ran    attempted good  prio symbol glyph     label          short
    ("pass",        "cell", False, True,  True,  True,  6, "✅", "\u2713", "pass"),
    ("fail",        "cell", True,  True,  True,  False, 3, "❌", "\u2717", "fail"),
    ("xfail",       "cell", False, True,  True,  True,  5, "🐞", "x",      "xfail"),
    ("xpass",       "cell", True,  True,  True,  False, 4, "❗", "!",      "xpass"),
    ("error",       "cell", True,  True,  True,  False, 1, "⚠️", "E",      "error"),
    ("crash",       "cell", True,  False, True,  False, 0, "💥", "C",      "crash"),
    ("timeout",     "cell", True,  False, True,  False, 2, "⏱️", "T",      "timeout"),
    ("skip",        "cell", False, False, False, False, 9, "➖", "\u2013", "skip"),
    ("unavailable", "env",  False, False, False, False, 7, "⬛", "U",      "unavailable", "n/a"),
    ("not_run",     "env",  False, False, False, False, 8, "⬜", "\u00b7", "not run", "n/r"),
))
BY_NAME = {o.name: o for o in TABLE}

# What a cell can end as (in a raw results file).
OUTCOMES = tuple(o.name for o in TABLE if o.kind == "cell")
# What an environment file can say instead of cells (a whole column that did not run).
ENV_STATUSES = tuple(o.name for o in TABLE if o.kind == "env")
# Every outcome a matrix cell can show.
CELL_OUTCOMES = OUTCOMES + ENV_STATUSES
# Outcomes that make a run fail (pytest failure, --strict, the diff's "worse").
FAILING = frozenset(o.name for o in TABLE if o.fails)
# Outcomes whose observed behaviour is compared across TF versions.
RAN = frozenset(o.name for o in TABLE if o.ran)
# Outcomes that mean the cell was not attempted.
DID_NOT_RUN = frozenset(o.name for o in TABLE if not o.attempted)
# Outcomes that count as ok (and, in a diff, as "was good" before a failing one).
GOOD = tuple(o.name for o in TABLE if o.good)
# Which outcome a group of cells is shown as: the first of these that occurs.
PRIORITY = tuple(o.name for o in sorted(TABLE, key=lambda o: o.priority))
SYMBOLS = {o.name: o.symbol for o in TABLE}
LABELS = {o.name: o.label for o in TABLE}

# What a Reply's outcome can be (the wire between executor and pytest side; the cell's own
# outcome is decided by execution.cell):
#   ok       the code ran (or raised): ``observed`` says what happened
#   error    the runner itself failed (a bug, or a broken executor process)
#   crash    the process running the cell died, or the code ended its process
#   timeout  the cell ran past its time limit and was killed
#   lost     it never ran: queued behind a request whose process died
REPLY_OUTCOMES = ("ok", "error", "crash", "timeout", "lost")

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
            "failing": sorted(FAILING), "priority": list(PRIORITY),
            "did_not_run": sorted(DID_NOT_RUN), "good": list(GOOD),
            "labels": dict(LABELS), "glyphs": {o.name: o.glyph for o in TABLE},
            "short": {o.name: o.short for o in TABLE if o.short}}
