"""Two result sets compared cell by cell: what got worse, better, or behaves otherwise.

A result set is raw files (one, or a directory of them, any format_version) or a
matrix.json. Cells are keyed (case, tf_minor, mode, device); when each side holds exactly
one TF version and they differ (tf2.15-cpu.json against tf2.16-cpu.json: an upgrade
check), cells are matched across the two versions. A cell's kind:

- worse: its outcome went from pass or xfail to a failing one (fail, error, crash,
  timeout, xpass);
- better: from a failing outcome to one that is not;
- semantic: another outcome, or its observed behaviour differs (changes.signature: names,
  identity groups, error type, equals) beyond an error message's text;
- wording: only an error message's (normalised) text differs;
- added / removed: the cell is only in the new / the old set.

Cells with the same kind and the same before → after are one group (matrix.groups).
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ..errors import ResultsError, UsageError
from ..results import raw
from ..vocabulary import ENV_STATUSES, FAILING, GOOD
from . import groups
from .changes import describe, kind_of
from .combine import combine
from .model import Cell

CellKey = Tuple[str, str, str, str]
FORMAT = "conformance-diff"
# 1: the first.
# 2: "outcomes" (cells per outcome on each side) and "failing_both" (cells that fail on
#    both sides, the same way or not), so that "no differences" never hides failures.
FORMAT_VERSION = 2
# --fail-on: the kinds that make the exit status 1 ("failing": any cell that fails on the
# new side, whether or not it changed).
FAIL_ON = {
    "worse": ("worse",),
    "semantic": ("worse", "better", "semantic"),
    "changed": ("worse", "better", "semantic", "wording", "added", "removed"),
    "failing": ("worse",),
}
WAS_GOOD = frozenset(GOOD)


@dataclass
class ResultSet:
    label: str
    cells: Dict[CellKey, Cell]
    problems: List[str] = field(default_factory=list)

    @property
    def minors(self) -> List[str]:
        return sorted({k[1] for k in self.cells}, key=groups.version_key)

    def outcomes(self) -> Dict[str, int]:
        """Cells per outcome, most first (then by name)."""
        counts: Dict[str, int] = {}
        for cell in self.cells.values():
            counts[cell.outcome or "none"] = counts.get(cell.outcome or "none", 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def failing(self) -> int:
        return sum(1 for c in self.cells.values() if c.outcome in FAILING)


@dataclass
class Diff:
    old: ResultSet
    new: ResultSet
    compared: int
    groups: List[groups.Group]
    # cell -> (outcome before, outcome after); None where the cell is absent
    outcomes: Dict[CellKey, Tuple[Optional[str], Optional[str]]]
    across: Optional[Tuple[str, str]] = None  # (old minor, new minor) when matched across
    # cells that fail on both sides (in the new side's keys), with their two outcomes
    failing_both: Dict[CellKey, Tuple[str, str]] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(len(g.cells) for g in self.groups if g.kind == kind)

    def status(self, fail_on: str = "worse") -> int:
        if self.old.problems or self.new.problems:
            return 2  # cells that could not be read would pass as "added" / "removed"
        if fail_on == "failing" and self.new.failing():
            return 1
        return 1 if any(g.kind in FAIL_ON[fail_on] for g in self.groups) else 0


def load(path: str) -> ResultSet:
    """Raw file, directory of raw files, or matrix.json; UsageError if none of these.
    What cannot be read in it (a file, a cell) is in ``problems``, one line each."""
    if os.path.isdir(path):
        paths = sorted(glob.glob(os.path.join(path, "*.json")))
        if not paths:
            raise UsageError("%s: no *.json result files in this directory" % path)
        return _from_raw(path, paths)
    if not os.path.lexists(path):
        raise UsageError("%s: no such file or directory (expected a raw results file, a "
                         "directory of them, or a matrix.json)" % path)
    twice: list = []  # a raw file's cell with a key twice is skipped by combine
    try:
        doc = raw.load_json(path, twice)
        if isinstance(doc, dict) and doc.get("format") == "conformance-matrix":
            if twice:
                raw.load_json(path)  # refused, saying where
            return _from_matrix(path, doc)
    except ResultsError as exc:
        raise UsageError("%s: %s" % (path, str(exc).replace(
            "unreadable JSON: ", "cannot read as JSON: "))) from None
    return _from_raw(path, [path])


def _from_raw(label: str, paths: List[str]) -> ResultSet:
    m = combine(paths)
    if not m.cells and m.problems:
        raise UsageError("%s: no results read: %s" % (label, "; ".join(m.problems)))
    return ResultSet(label, dict(m.cells), list(m.problems))


def _from_matrix(label: str, doc: dict) -> ResultSet:
    """The cells of a matrix.json, each checked as a raw file's cell is (a column that
    did not run: its status is the outcome); a bad one is skipped with a problem."""
    cells: Dict[CellKey, Cell] = {}
    problems = ["%s (recorded in it)" % p for p in doc.get("problems") or []
                if isinstance(p, str)]

    def skip(where: str, what: str) -> None:
        problems.append("%s: %s: %s; skipped" % (label, where, what))

    cases = doc.get("cases")
    if not isinstance(cases, dict):
        raise UsageError("%s: cases: expected an object, found %s" % (
            label, type(cases).__name__))
    for case, entry in cases.items():
        entry_cells = entry.get("cells") if isinstance(entry, dict) else None
        if not isinstance(entry_cells, dict):
            skip("cases.%s" % case, "expected an object with cells")
            continue
        for key, c in entry_cells.items():
            parts = key.split("/")
            where = "cases.%s.cells.%s" % (case, key)
            if len(parts) != 3:
                skip(where, "expected a key <tf_minor>/<mode>/<device>")
                continue
            tf_minor, mode, device = parts
            problem = raw.cell_problem(dict(c, case=case, mode=mode, device=device)
                                       if isinstance(c, dict) else c, ENV_STATUSES)
            if problem:
                skip(where, problem)
                continue
            cells[(case, tf_minor, mode, device)] = Cell(
                c.get("outcome"), c.get("reason"), c.get("observed"), c.get("variant"),
                c.get("note"), c.get("expect"), list(c.get("mismatches") or []),
                c.get("repro"), c.get("env"))
    return ResultSet(label, cells, problems)


def compare(old: ResultSet, new: ResultSet) -> Diff:
    old_cells, across = old.cells, None
    if len(old.minors) == 1 and len(new.minors) == 1 and old.minors != new.minors:
        across = (old.minors[0], new.minors[0])
        old_cells = {(k[0], across[1], k[2], k[3]): c for k, c in old.cells.items()}
    items = []
    outcomes: Dict[CellKey, Tuple[Optional[str], Optional[str]]] = {}
    failing_both: Dict[CellKey, Tuple[str, str]] = {}
    compared = 0
    signatures: Dict[int, object] = {}
    for key in sorted(set(old_cells) | set(new.cells),
                      key=lambda k: (k[0], groups.version_key(k[1]), k[2], k[3])):
        a, b = old_cells.get(key), new.cells.get(key)
        if a is None or b is None:
            kind = "added" if a is None else "removed"
            detail = "%s: %s" % (kind, (b or a).outcome)
        else:
            compared += 1
            if a.outcome in FAILING and b.outcome in FAILING:
                failing_both[key] = (a.outcome, b.outcome)
            detail = describe(a, b, signatures) or ""
            if a.outcome != b.outcome and "outcome: " not in detail:
                detail = "; ".join(p for p in (detail, "outcome: %s → %s" % (
                    a.outcome, b.outcome)) if p)
            if not detail:
                continue
            kind = _kind(a, b, signatures)
        outcomes[key] = (a.outcome if a else None, b.outcome if b else None)
        items.append(("", kind, detail, key))
    return Diff(old, new, compared, groups.group(items), outcomes, across, failing_both)


def _kind(a: Cell, b: Cell, signatures) -> str:
    if a.outcome in WAS_GOOD and b.outcome in FAILING:
        return "worse"
    if a.outcome in FAILING and b.outcome not in FAILING:
        return "better"
    if a.outcome != b.outcome:
        return "semantic"
    return kind_of(a, b, signatures)
