"""Combine per-environment results (``reports/raw/*.json``) into one matrix model.

The input format is docs/results-format.md. Combining is deterministic (inputs sorted by
path) and never fatal: a file that cannot be used is named in ``Matrix.problems`` and
skipped, like coverage.py's ``combine_parallel_data``. Columns are ``(tf_minor, device)``
ordered by numeric version, rows are case ids, and a cell is keyed
``(case, tf_minor, mode, device)``. Rendering lives in ``report``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from packaging.version import InvalidVersion, Version

from ..errors import ResultsError
from ..results import raw
from ..results.key import CellKey as FileKey
from ..vocabulary import DEVICES, DID_NOT_RUN, ENV_STATUSES, MODES
from .changes import find_changes
from .model import Case, Cell, CellKey, Column, Matrix, PairKey, _order


def _rank(cell_device: str, env_device: str, outcome: str) -> Tuple[bool, int]:
    """Which record wins a cell: the environment of that device, then a real record (an
    attempted cell), then a column's status, then a skipped cell."""
    level = 1 if outcome in ENV_STATUSES else 0 if outcome in DID_NOT_RUN else 2
    return (cell_device == env_device, level)


def combine(paths: Iterable[Any]) -> Matrix:
    """Read raw result files into one Matrix; problems are collected, never raised."""
    combiner = _Combiner()
    for path in sorted(str(p) for p in paths):
        combiner.read(path)
    return combiner.finish()


class _Combiner:
    """The steps of ``combine``: ``read`` each file (its cells offered to the cells they
    belong to), then ``finish``: the columns of environments that did not run, column
    statuses, order, and the behaviour changes."""

    def __init__(self) -> None:
        self.m = Matrix()
        self.best: Dict[CellKey, Tuple[Tuple[bool, int], Cell]] = {}
        self.cases: Dict[str, Case] = {}
        self.columns: Dict[Tuple[str, str], Column] = {}
        self.seen_env: Dict[str, str] = {}
        self.statuses: List[Tuple[Dict[str, Any], str]] = []  # files of envs that did not run
        self.ran_columns = set()  # columns that have a file with cells of their own device
        self.partial: List[Tuple[Column, Any]] = []  # columns with a file of a subset run
        self.case_errors: Dict[str, None] = {}
        self.grid: Dict[PairKey, Tuple[Tuple[bool, int], Cell]] = {}

    def column(self, tf_minor: str, device: str, env: str) -> Column:
        col = self.columns.setdefault((tf_minor, device), Column(tf_minor, device))
        if env not in col.envs:
            col.envs.append(env)
        return col

    def offer(self, key: CellKey, rank: Tuple[bool, int], cell: Cell) -> None:
        if key not in self.best or rank > self.best[key][0]:
            self.best[key] = (rank, cell)

    def read(self, path: str) -> None:
        try:
            doc = raw.read(path)
        except ResultsError as exc:
            self.m.problems.append("%s: %s; skipped" % (path, exc))
            return
        env = doc["env"]
        name = env["name"]
        if name in self.seen_env:
            self.m.problems.append("%s: duplicate environment %r (already read from %s); "
                                   "skipped" % (path, name, self.seen_env[name]))
            return
        self.seen_env[name] = path
        col = self.column(env["tf_minor"], env["device"], name)
        if doc["status"] in ENV_STATUSES:
            self.statuses.append((doc, name))
            return
        if doc["status"] == "partial":
            self.partial.append((col, doc.get("reason")))
        col.tf = col.tf or env.get("tf")
        self.ran_columns.add((env["tf_minor"], env["device"]))
        for err in doc.get("errors") or []:
            if isinstance(err, dict) and err.get("message"):
                self.case_errors[str(err["message"])] = None
        first: Dict[CellKey, int] = {}  # a cell twice in one file: the first
        for index, rec in enumerate(doc.get("cells") or []):
            problem = raw.cell_problem(rec)
            key = None if problem else FileKey.of(rec)
            if key in first:
                problem = "the same cell as cells[%d] (%s %s); the first kept" % (
                    first[key], key.case, key.text())
            if problem:
                self.m.problems.append("%s: cells[%d]: %s; cell skipped" % (path, index, problem))
                continue
            first[key] = index
            self.add_cell(rec, env, name)

    def add_cell(self, rec: Dict[str, Any], env: Dict[str, Any], name: str) -> None:
        case = self.cases.setdefault(rec["case"], Case(
            rec["case"], str(rec.get("title") or rec["case"]),
            [str(t) for t in rec.get("tags") or []], rec.get("file"), rec.get("line"), [],
        ))
        if rec["mode"] not in case.modes:
            case.modes.append(rec["mode"])
        self.column(env["tf_minor"], rec["device"], name)
        cell = Cell(rec["outcome"], rec.get("reason"), rec.get("observed"), rec.get("variant"),
                    rec.get("note"), rec.get("expect"), list(rec.get("mismatches") or []),
                    rec.get("repro"), name)
        rank = _rank(rec["device"], env["device"], rec["outcome"])
        if rec.get("step") == "produce":
            return  # a producer's own cell: its pairs tell what became of it
        if rec.get("step") == "consume":
            producer = rec.get("producer_tf_minor") or producer_minor(rec.get("producer"))
            if producer is None:
                self.m.problems.append("%s: cell of %s: producer %r names no TF version; "
                                       "cell skipped" % (name, rec["case"], rec.get("producer")))
                return
            cell.producer_tf = rec.get("producer_tf")
            pair = (rec["case"], rec["mode"], rec["device"], producer, env["tf_minor"])
            if pair not in self.grid or rank > self.grid[pair][0]:
                self.grid[pair] = (rank, cell)
            if producer != env["tf_minor"]:
                return  # only the pair a TF makes with itself is also its ordinary cell
        key = (rec["case"], env["tf_minor"], rec["mode"], rec["device"])
        self.offer(key, rank, cell)

    def fill_statuses(self) -> None:
        """Every known case and mode gets, in an environment's own column, the status of
        an environment that did not run (unless a real record has the cell)."""
        for doc, name in self.statuses:
            env = doc["env"]
            col = self.columns[(env["tf_minor"], env["device"])]
            if (col.tf_minor, col.device) not in self.ran_columns and col.status == "complete":
                col.status, col.reason = doc["status"], doc.get("reason")
            for case in self.cases.values():
                for mode in case.modes:
                    cell = Cell(doc["status"], doc.get("reason"), env=name)
                    key = (case.id, env["tf_minor"], mode, env["device"])
                    self.offer(key, _rank(env["device"], env["device"], doc["status"]), cell)
        for col in self.columns.values():
            if col.status == "complete" and (col.tf_minor, col.device) not in self.ran_columns:
                col.status = "no_env"
        for col, reason in self.partial:
            col.status, col.reason = "partial", reason

    def finish(self) -> Matrix:
        self.fill_statuses()
        m, best = self.m, self.best
        for case in self.cases.values():
            case.modes.sort(key=_order(MODES))
        m.cases = [self.cases[k] for k in sorted(self.cases)]
        version = {minor: _column_version(minor) for minor in {k[1] for k in best} | {
            c.tf_minor for c in self.columns.values()}}  # parsed once: there are ~50k cells
        m.columns = sorted(self.columns.values(),
                           key=lambda c: (version[c.tf_minor], _order(DEVICES)(c.device)))
        mode_order, device_order = _order(MODES), _order(DEVICES)
        m.cells = {key: best[key][1] for key in sorted(best, key=lambda k: (
            k[0], version[k[1]], mode_order(k[2]), device_order(k[3])))}
        m.case_errors = sorted(self.case_errors)
        for key in self.grid:
            version.setdefault(key[3], _column_version(key[3]))
        m.grid = {key: self.grid[key][1] for key in sorted(self.grid, key=lambda k: (
            k[0], mode_order(k[1]), device_order(k[2]), version[k[3]], version[k[4]]))}
        m.changes = find_changes(m)
        return m


def producer_minor(env_name) -> Optional[str]:
    """The TF minor of a producer environment's name (``tf2.15-cpu``, ``tf2.15-cpu-with-x``,
    ``tfnightly-cpu``), or None."""
    match = re.match(r"^tf([0-9]+\.[0-9]+|nightly)-", str(env_name or ""))
    return match.group(1) if match else None


def _column_version(minor: str) -> Version:
    """A column's place: by TF version; the nightly (``tf_minor`` "nightly") is the newest."""
    try:
        return Version(minor)
    except InvalidVersion:
        return Version("9999")
