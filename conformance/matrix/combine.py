"""Combine per-environment results (``reports/raw/*.json``) into one matrix model.

The input format is docs/results-format.md. Combining is deterministic (inputs sorted by
path) and never fatal: a file that cannot be used is named in ``Matrix.problems`` and
skipped, like coverage.py's ``combine_parallel_data``. Columns are ``(tf_minor, device)``
ordered by numeric version, rows are case ids, and a cell is keyed
``(case, tf_minor, mode, device)``. Rendering lives in ``report``.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Tuple

from packaging.version import Version

from ..errors import ResultsError
from ..results import raw
from ..vocabulary import DEVICES, ENV_STATUSES, MODES
from .changes import find_changes
from .model import Case, Cell, CellKey, Column, Matrix, _order


def _rank(cell_device: str, env_device: str, outcome: str) -> Tuple[bool, int]:
    """Which record wins a cell: the environment of that device, then a real record."""
    level = 0 if outcome == "skip" else 1 if outcome in ENV_STATUSES else 2
    return (cell_device == env_device, level)


def combine(paths: Iterable[Any]) -> Matrix:
    """Read raw result files into one Matrix; problems are collected, never raised."""
    m = Matrix()
    best: Dict[CellKey, Tuple[Tuple[bool, int], Cell]] = {}
    cases: Dict[str, Case] = {}
    columns: Dict[Tuple[str, str], Column] = {}
    seen_env: Dict[str, str] = {}
    statuses: List[Tuple[Dict[str, Any], str]] = []
    ran_columns = set()  # columns that have a complete file of their own device
    partial: List[Tuple[Column, Any]] = []  # columns with a file of a subset run
    case_errors: Dict[str, None] = {}

    def column(tf_minor: str, device: str, env: str) -> Column:
        col = columns.setdefault((tf_minor, device), Column(tf_minor, device))
        if env not in col.envs:
            col.envs.append(env)
        return col

    def offer(key: CellKey, rank: Tuple[bool, int], cell: Cell) -> None:
        if key not in best or rank > best[key][0]:
            best[key] = (rank, cell)

    for path in sorted(str(p) for p in paths):
        try:
            doc = raw.read(path)
        except ResultsError as exc:
            m.problems.append("%s: %s; skipped" % (path, exc))
            continue
        env = doc["env"]
        name = env["name"]
        if name in seen_env:
            m.problems.append("%s: duplicate environment %r (already read from %s); skipped"
                              % (path, name, seen_env[name]))
            continue
        seen_env[name] = path
        col = column(env["tf_minor"], env["device"], name)
        if doc["status"] in ENV_STATUSES:
            statuses.append((doc, name))
            continue
        if doc["status"] == "partial":
            partial.append((col, doc.get("reason")))
        col.tf = col.tf or env.get("tf")
        ran_columns.add((env["tf_minor"], env["device"]))
        for err in doc.get("errors") or []:
            if isinstance(err, dict) and err.get("message"):
                case_errors[str(err["message"])] = None
        for index, rec in enumerate(doc.get("cells") or []):
            problem = raw.cell_problem(rec)
            if problem:
                m.problems.append("%s: cells[%d]: %s; cell skipped" % (path, index, problem))
                continue
            case = cases.setdefault(rec["case"], Case(
                rec["case"], str(rec.get("title") or rec["case"]),
                [str(t) for t in rec.get("tags") or []], rec.get("file"), rec.get("line"), [],
            ))
            if rec["mode"] not in case.modes:
                case.modes.append(rec["mode"])
            column(env["tf_minor"], rec["device"], name)
            cell = Cell(rec["outcome"], rec.get("reason"), rec.get("observed"), rec.get("variant"),
                        rec.get("note"), rec.get("expect"), list(rec.get("mismatches") or []),
                        rec.get("repro"), name)
            key = (rec["case"], env["tf_minor"], rec["mode"], rec["device"])
            offer(key, _rank(rec["device"], env["device"], rec["outcome"]), cell)

    for doc, name in statuses:  # every known case and mode, in the env's own column
        env = doc["env"]
        col = columns[(env["tf_minor"], env["device"])]
        if (col.tf_minor, col.device) not in ran_columns and col.status == "complete":
            col.status, col.reason = doc["status"], doc.get("reason")
        for case in cases.values():
            for mode in case.modes:
                cell = Cell(doc["status"], doc.get("reason"), env=name)
                key = (case.id, env["tf_minor"], mode, env["device"])
                offer(key, _rank(env["device"], env["device"], doc["status"]), cell)

    for col in columns.values():
        if col.status == "complete" and (col.tf_minor, col.device) not in ran_columns:
            col.status = "no_env"
    for col, reason in partial:
        col.status, col.reason = "partial", reason
    for case in cases.values():
        case.modes.sort(key=_order(MODES))
    m.cases = [cases[k] for k in sorted(cases)]
    version = {minor: Version(minor) for minor in {k[1] for k in best} | {
        c.tf_minor for c in columns.values()}}  # parsed once: there are ~50k cells
    m.columns = sorted(columns.values(),
                       key=lambda c: (version[c.tf_minor], _order(DEVICES)(c.device)))
    mode_order, device_order = _order(MODES), _order(DEVICES)
    m.cells = {key: best[key][1] for key in sorted(best, key=lambda k: (
        k[0], version[k[1]], mode_order(k[2]), device_order(k[3])))}
    m.case_errors = sorted(case_errors)
    m.changes = find_changes(m)
    return m


