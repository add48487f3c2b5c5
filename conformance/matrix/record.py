"""A case's ``expect`` and ``variants`` recorded from what TF did (``python -m conformance
record``): the behaviour most cells showed becomes ``expect``; each range of TF versions
where a mode (or device) behaved otherwise becomes a variant whose ``when`` starts exactly
at the first version that showed it (``tf: ">=2.16"``, ``modes: [eager]``).

What a cell "showed" is the expectation its observed record satisfies, over the keys the
case's expectations already check (all of them: ``expect`` and every variant's); a case
that checks no names yet gets every name its code bound, and its identity groups. Error
types are recorded; a ``match`` pattern is kept from the case when it matches the message,
never invented (a message's wording does not make a variant). Variants marked ``xfail``
(known TF bugs) are kept first and unchanged, and their cells are left out.

An expression written into the case is evaluated by the next run, so what a results file
says is never trusted as one: a case that checks no names yet gets only the plain
identifiers that its own code binds at top level (``bound_names``); any other key of an
observed record (``__import__('os').system(...)`` in a crafted raw file) is left out.
"""
from __future__ import annotations

import ast
import json
import keyword
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..case.choose import choose
from ..case.compare import compare
from ..case.model import Case
from ..vocabulary import DEVICES, MODES, RAN
from .groups import version_key
from .model import Matrix

Lane = Tuple[str, str]  # (mode, device)


@dataclass
class Recorded:
    expect: Dict[str, Any]
    variants: List[Dict[str, Any]]          # new variants: {"when": ..., "expect": ...}
    kept: List[int] = field(default_factory=list)  # indexes of the xfail variants kept
    failing: List[str] = field(default_factory=list)  # cells whose expectation fails now
    cells: int = 0                           # cells the recording is made from
    minors: List[str] = field(default_factory=list)


def find_case(m: Matrix, path: str) -> Optional[str]:
    """The id of the case the file at ``path`` holds: the longest case id that, with
    its suffix, ends the path."""
    stem = re.sub(r"\.ya?ml$", "", path.replace("\\", "/"))
    found = [c.id for c in m.cases if stem == c.id or stem.endswith("/" + c.id)]
    return max(found, key=len) if found else None


def record(case: Case, case_id: str, m: Matrix) -> Recorded:
    """``failing``: the cells whose observation the case file, as it is now, does not
    accept (checked here, not taken from the run's outcomes: the file may have changed)."""
    xfail = [v.index for v in case.variants if v.xfail]
    keys = _keys(case)
    tf_of = {(c.tf_minor, c.device): c.tf for c in m.columns}
    shown: Dict[Lane, Dict[str, str]] = {}    # lane -> minor -> behaviour (JSON)
    as_seen: Dict[str, Dict[str, Any]] = {}  # behaviour -> its expectation, keys in order
    keeps = set()  # behaviours the case's `expect` accepts as it is
    failing = []
    count = 0
    for (cid, minor, mode, device), cell in m.cells.items():
        if cid != case_id or not isinstance(cell.observed, dict) or cell.outcome not in RAN:
            continue
        choice = choose(case, {"tf": tf_of.get((minor, device)) or minor}, mode, device)
        if choice.xfail:  # a known TF bug: its cells do not say what is right
            continue
        mismatches = compare(choice.expect, cell.observed)
        if mismatches:
            failing.append("%s/%s/%s: %s" % (minor, mode, device, "; ".join(
                mm.message for mm in mismatches)))
        exp = _expectation(cell.observed, keys)
        behaviour = json.dumps(exp, sort_keys=True)
        as_seen.setdefault(behaviour, exp)
        if not compare(case.expect, cell.observed):
            keeps.add(behaviour)
        shown.setdefault((mode, device), {})[minor] = behaviour
        count += 1
    minors = sorted({mi for lane in shown.values() for mi in lane}, key=version_key)
    if not shown:
        return Recorded(case.expect.to_dict(), [], xfail, failing, 0, minors)
    common = _common(shown, keeps)
    ranges: Dict[Tuple[str, Optional[str], Optional[str]], List[Lane]] = {}
    for lane, by_minor in shown.items():
        for behaviour, start, end in _runs(by_minor):
            if behaviour != common:
                ranges.setdefault((behaviour, start, end), []).append(lane)
    all_lanes = set(shown)
    variants = []
    for (behaviour, start, end), lanes in ranges.items():
        variants.append({"when": _when(lanes, all_lanes, start, end),
                         "expect": as_seen[behaviour]})
    variants.sort(key=lambda v: _variant_order(v["when"]))
    return Recorded(as_seen[common], variants, xfail, failing, count, minors)


def _keys(case: Case) -> Dict[str, Any]:
    """What to record: the names, identity groups, values, equals and error patterns the
    case's expectations mention, all of them together."""
    keys: Dict[str, Any] = {"names": [], "groups": [], "values": [], "equals": [],
                            "matches": [], "everything": False}
    for exp in case.all_expects():
        keys["names"] += [e for e in exp.names if e not in keys["names"]]
        keys["groups"] += [g for g in exp.same + exp.distinct if g not in keys["groups"]]
        keys["values"] += [e for e in exp.values if e not in keys["values"]]
        keys["equals"] += [e for e in exp.equals if e not in keys["equals"]]
        pattern = (exp.error or {}).get("match")
        if pattern and pattern not in keys["matches"]:
            keys["matches"].append(pattern)
    # a case that checks nothing yet (but errors): every name its code bound, its groups
    keys["everything"] = not any(keys[k] for k in ("names", "groups", "values", "equals"))
    keys["bound"] = bound_names(case.code) if keys["everything"] else set()
    return keys


def bound_names(code: str) -> set:
    """The identifiers ``code`` binds at its top level (assignments, for/with targets,
    imports, def/class names); not those bound inside a function or class body. Code
    that does not parse binds nothing."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    found = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            continue  # its body binds names of its own scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        todo.extend(ast.iter_child_nodes(node))
    return {n for n in found if n.isidentifier() and not keyword.iskeyword(n)}


def _expectation(observed: Dict[str, Any], keys: Dict[str, Any]) -> Dict[str, Any]:
    """The expectation ``observed`` satisfies, over ``keys``."""
    error = observed.get("error")
    if isinstance(error, dict):
        out = {"type": str(error.get("type"))}
        message = str(error.get("message") or "")
        for pattern in keys["matches"]:
            if re.search(pattern, message):
                out["match"] = pattern
                break
        return {"error": out}
    objects = observed.get("objects") or {}
    exp: Dict[str, Any] = {}
    exprs = keys["names"] if not keys["everything"] else [
        e for e, o in objects.items() if e in keys["bound"] and isinstance(o, dict)
        and isinstance(o.get("name"), str)]
    names = {e: objects[e]["name"] for e in exprs
             if isinstance(objects.get(e), dict) and isinstance(objects[e].get("name"), str)}
    if names:
        exp["names"] = names
    groups = keys["groups"] if not keys["everything"] else [
        [e for e in g if e in keys["bound"]] for g in observed.get("groups") or []
        if isinstance(g, list)]
    groups = [g for g in groups if len(g) > 1]
    same, distinct = [], []
    for group in groups:
        refs = [o.get("ref") if isinstance(o, dict) else None
                for o in (objects.get(e) for e in group)]
        if None in refs or not all(isinstance(r, (int, str)) for r in refs):
            continue
        if len(set(refs)) == 1:
            same.append(list(group))
        elif len(set(refs)) == len(refs):
            distinct.append(list(group))
        else:
            same += [[e for e, r in zip(group, refs) if r == ref] for ref in sorted(
                {r for r in refs if refs.count(r) > 1})]
    # two of the case's groups can observe the same set (a `distinct` group whose members
    # turned out partly the same, next to a `same` group of those members): once each
    same, distinct = _once(same), _once(distinct)
    if same:
        exp["same"] = same
    if distinct:
        exp["distinct"] = distinct
    for key in ("values", "equals"):
        seen = observed.get(key) or {}
        got = {e: seen[e] for e in keys[key] if e in seen and not (
            isinstance(seen[e], dict) and "error" in seen[e])}
        if got:
            exp[key] = got
    return exp


def _once(groups: List[List[str]]) -> List[List[str]]:
    """``groups`` without a group whose members an earlier one already has, in order."""
    seen: set = set()
    out = []
    for group in groups:
        if frozenset(group) not in seen:
            seen.add(frozenset(group))
            out.append(group)
    return out


def _common(shown: Dict[Lane, Dict[str, str]], keeps) -> str:
    """The behaviour of most cells; on a tie, one the case's `expect` accepts now (the
    least change), else the one the newest version showed."""
    counts: Dict[str, int] = {}
    newest: Dict[str, Tuple[int, ...]] = {}
    for by_minor in shown.values():
        for minor, behaviour in by_minor.items():
            counts[behaviour] = counts.get(behaviour, 0) + 1
            newest[behaviour] = max(newest.get(behaviour, ()), version_key(minor))
    return max(counts, key=lambda b: (counts[b], b in keeps, newest[b]))


def _runs(by_minor: Dict[str, str]) -> List[Tuple[str, Optional[str], Optional[str]]]:
    """(behaviour, first minor, next minor that differs) per run of versions; None at
    the ends: the run reaches the oldest / newest version that ran."""
    minors = sorted(by_minor, key=version_key)
    out = []
    start = 0
    for i in range(1, len(minors) + 1):
        if i == len(minors) or by_minor[minors[i]] != by_minor[minors[start]]:
            out.append((by_minor[minors[start]], minors[start] if start else None,
                        minors[i] if i < len(minors) else None))
            start = i
    return out


def _when(lanes: List[Lane], all_lanes, start: Optional[str], end: Optional[str]) -> dict:
    when: Dict[str, Any] = {}
    modes = sorted({m for m, _ in lanes}, key=MODES.index)
    devices = sorted({d for _, d in lanes}, key=DEVICES.index)
    every_mode = {m for m, _ in all_lanes}
    every_device = {d for _, d in all_lanes}
    if set(modes) != every_mode:
        when["modes"] = modes
    if set(devices) != every_device:
        when["devices"] = devices
    spec = ",".join(s for s in (start and ">=" + start, end and "<" + end) if s)
    if spec:
        when["tf"] = spec
    return when


def _variant_order(when: dict):
    first = when.get("tf", "").split(",")[0].lstrip("<>=")
    return ([MODES.index(m) for m in when.get("modes", MODES)],
            version_key(first) if first and not when.get("tf", "").startswith("<") else ())
