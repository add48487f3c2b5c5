"""Combine per-environment results (``reports/raw/*.json``) into one matrix model.

The input format is docs/results-format.md. Combining is deterministic (inputs sorted by
path) and never fatal: a file that cannot be used is named in ``Matrix.problems`` and
skipped, like coverage.py's ``combine_parallel_data``. Columns are ``(tf_minor, device)``
ordered by numeric version, rows are case ids, and a cell is keyed
``(case, tf_minor, mode, device)``. Rendering lives in ``conformance.report``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from packaging.version import InvalidVersion, Version

from .errors import ResultsError

# Version of the combined artefact (matrix.json), bumped when its shape changes:
#   1: first version.
FORMAT_VERSION = 1
# The raw per-environment format this module reads, and the newest version it understands.
RAW_FORMAT = "conformance-raw"
RAW_FORMAT_VERSION = 1

MODES = ("v1", "graph", "eager", "function")
DEVICES = ("cpu", "gpu")
RAW_OUTCOMES = ("pass", "fail", "xfail", "xpass", "error", "crash", "timeout", "skip")
ENV_STATUSES = ("unavailable", "not_run")  # column outcomes given by the environment file
OUTCOMES = RAW_OUTCOMES + ENV_STATUSES
RAN = frozenset(("pass", "fail", "xfail", "xpass", "error"))  # observed behaviour to compare
BAD = frozenset(("fail", "xpass", "error", "crash", "timeout"))  # what --strict rejects
DID_NOT_RUN = frozenset(("skip",) + ENV_STATUSES)  # not counted in "x/y cells ran"

CellKey = Tuple[str, str, str, str]  # (case, tf_minor, mode, device)


@dataclass
class Column:
    tf_minor: str
    device: str
    # complete | unavailable | not_run (from this device's env files), or no_env: no env of
    # this device reported, the cells (mostly skips) come from other devices' environments
    status: str = "complete"
    reason: Optional[str] = None
    envs: List[str] = field(default_factory=list)
    tf: Optional[str] = None  # exact TF release, when known

    @property
    def key(self) -> str:
        return "%s/%s" % (self.tf_minor, self.device)


@dataclass
class Case:
    id: str
    title: str
    tags: List[str]
    file: Optional[str]
    line: Optional[int]
    modes: List[str]


@dataclass
class Cell:
    outcome: str
    reason: Optional[str] = None
    observed: Optional[Dict[str, Any]] = None
    variant: Optional[int] = None
    note: Optional[str] = None
    expect: Optional[Dict[str, Any]] = None
    mismatches: List[Dict[str, Any]] = field(default_factory=list)
    repro: Optional[str] = None
    env: Optional[str] = None  # the environment the record came from
    change: Optional[str] = None  # set when behaviour differs from the previous real run


@dataclass
class Change:
    case: str
    mode: str
    device: str
    tf_minor: str
    previous: str
    text: str  # "changed in 2.16: v1: kernel:0 → kernel"


@dataclass
class Matrix:
    columns: List[Column] = field(default_factory=list)
    cases: List[Case] = field(default_factory=list)
    cells: Dict[CellKey, Cell] = field(default_factory=dict)
    changes: List[Change] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    case_errors: List[str] = field(default_factory=list)  # case files no environment loaded

    def cell(self, case: str, tf_minor: str, mode: str, device: str) -> Optional[Cell]:
        return self.cells.get((case, tf_minor, mode, device))

    @property
    def minors(self) -> List[str]:
        return list(dict.fromkeys(c.tf_minor for c in self.columns))

    @property
    def devices(self) -> List[str]:
        return sorted({c.device for c in self.columns}, key=_order(DEVICES))


def _order(known: Tuple[str, ...]):
    return lambda name: (known.index(name), "") if name in known else (len(known), name)


def _load(path: str) -> Dict[str, Any]:
    """One raw file, checked enough to be combined; ResultsError says why not."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as exc:
        raise ResultsError("cannot read: %s" % (exc.strerror or exc)) from None
    except ValueError as exc:
        raise ResultsError("unreadable JSON: %s" % exc) from None
    if not isinstance(doc, dict) or doc.get("format") != RAW_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ResultsError("expected format %r, found %r" % (RAW_FORMAT, found))
    version = doc.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ResultsError("expected an integer format_version, found %r" % (version,))
    if version > RAW_FORMAT_VERSION:
        raise ResultsError("format_version %d is newer than supported (%d)"
                           % (version, RAW_FORMAT_VERSION))
    env = doc.get("env")
    if not isinstance(env, dict) or any(
            not isinstance(env.get(k), str) for k in ("name", "tf_minor", "device")):
        raise ResultsError("env: expected strings name, tf_minor and device")
    try:
        Version(env["tf_minor"])
    except InvalidVersion:
        raise ResultsError("env.tf_minor: not a version: %r" % env["tf_minor"]) from None
    status = doc.get("status")
    if status not in ("complete",) + ENV_STATUSES:
        raise ResultsError("status: expected complete, unavailable or not_run, found %r" % status)
    if not isinstance(doc.get("cells", []), list):
        raise ResultsError("cells: expected a list")
    return doc


def _cell_problem(rec: Any) -> Optional[str]:
    if not isinstance(rec, dict):
        return "expected an object, found %s" % type(rec).__name__
    for key in ("case", "mode", "device"):
        if not isinstance(rec.get(key), str):
            return "%s: expected a string, found %r" % (key, rec.get(key))
    if rec.get("outcome") not in RAW_OUTCOMES:
        return "outcome: expected one of %s, found %r" % (", ".join(RAW_OUTCOMES),
                                                          rec.get("outcome"))
    return None


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
            doc = _load(path)
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
        if doc["status"] != "complete":
            statuses.append((doc, name))
            continue
        col.tf = col.tf or env.get("tf")
        ran_columns.add((env["tf_minor"], env["device"]))
        for err in doc.get("errors") or []:
            if isinstance(err, dict) and err.get("message"):
                case_errors[str(err["message"])] = None
        for index, rec in enumerate(doc.get("cells") or []):
            problem = _cell_problem(rec)
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


def signature(observed: Optional[Dict[str, Any]]) -> Optional[Tuple[Any, ...]]:
    """What is compared across TF versions: object names, groups, error type + first line
    (and ``equals``, the small facts such as ``len(tf.global_variables())``)."""
    if not isinstance(observed, dict):
        return None
    names = tuple(sorted(
        (str(expr), str(obj["name"])) for expr, obj in (observed.get("objects") or {}).items()
        if isinstance(obj, dict) and obj.get("name") is not None
    ))
    groups = tuple(sorted(tuple(sorted(str(n) for n in g)) for g in observed.get("groups") or []))
    error = observed.get("error")
    if isinstance(error, dict):
        lines = str(error.get("message") or "").strip().splitlines()
        error = (str(error.get("type")), lines[0] if lines else "")
    equals = tuple(sorted((str(k), json.dumps(v, sort_keys=True))
                          for k, v in (observed.get("equals") or {}).items()))
    return (names, groups, error if isinstance(error, tuple) else None, equals)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diff(old: Dict[str, str], new: Dict[str, str]) -> List[str]:
    return ["%s: %s → %s" % (k, old.get(k, "none"), new.get(k, "none"))
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def describe(old: Cell, new: Cell, signatures: Optional[Dict[int, Any]] = None
             ) -> Optional[str]:
    """What changed between two real runs, or None when the observed behaviour is the same.

    Behaviour is the signature of ``observed``; an outcome change alone (same behaviour,
    other expectation) is not a change, except when a cell has nothing observed.
    ``signatures`` (id(cell) -> signature) saves computing a cell's signature twice.
    """
    if signatures is None:
        signatures = {}
    for cell in (old, new):
        if id(cell) not in signatures:
            signatures[id(cell)] = signature(cell.observed)
    a, b = signatures[id(old)], signatures[id(new)]
    if a == b and (a is not None or old.outcome == new.outcome):
        return None
    parts = []
    if a is not None and b is not None:
        parts += _diff(dict(a[0]), dict(b[0]))
        if a[1] != b[1]:
            parts.append("groups: %s → %s" % tuple(
                ", ".join("=".join(g) for g in s) or "none" for s in (a[1], b[1])))
        ea, eb = a[2], b[2]
        if ea != eb and (ea is None or eb is None or ea[0] != eb[0]):
            parts.append("error: %s → %s" % (ea[0] if ea else "none", eb[0] if eb else "none"))
        elif ea != eb:
            parts.append("error: %s: %r → %r" % (ea[0], _short(ea[1]), _short(eb[1])))
        parts += _diff(dict(a[3]), dict(b[3]))
    if old.outcome != new.outcome:
        parts.append("outcome: %s → %s" % (old.outcome, new.outcome))
    return "; ".join(parts) or None


def find_changes(m: Matrix) -> List[Change]:
    """Walk each (case, mode, device) over TF minors that really ran, in version order."""
    changes = []
    minors = m.minors
    signatures: Dict[int, Any] = {}  # the cells stay alive in m, so their ids are stable
    for case in m.cases:
        for device in m.devices:
            for mode in case.modes:
                prev: Optional[Tuple[str, Cell]] = None
                for tf_minor in minors:
                    cell = m.cell(case.id, tf_minor, mode, device)
                    if cell is None or cell.outcome not in RAN:
                        continue
                    text = describe(prev[1], cell, signatures) if prev else None
                    if prev and text:
                        gap = minors.index(tf_minor) - minors.index(prev[0]) > 1
                        where = tf_minor + (" (previous run: %s)" % prev[0] if gap else "")
                        cell.change = "changed in %s: %s" % (where, text)
                        changes.append(Change(case.id, mode, device, tf_minor, prev[0],
                                              cell.change))
                    prev = (tf_minor, cell)
    return changes
