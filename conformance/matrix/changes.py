"""Behaviour changes: where what TF did differs from the previous TF version that ran.

Behaviour is the signature of a cell's observed record (names, identity groups, error type
and first line, ``equals``); an outcome change alone is not a behaviour change.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from ..results import normalise
from ..vocabulary import RAN
from .model import Cell, Change, Matrix


def signature(observed: Optional[Dict[str, Any]]) -> Optional[Tuple[Any, ...]]:
    """What is compared across TF versions: object names, groups, error type + first line
    (and ``equals``, the small facts such as ``len(tf.global_variables())``), in their
    normalised text (results.normalise: uids, addresses, temporary paths), the one the
    executor stored or, for files written before it did, computed here."""
    if not isinstance(observed, dict):
        return None
    names = tuple(sorted(
        (str(expr), str(normalise.name_of(observed, expr)))
        for expr, obj in (observed.get("objects") or {}).items()
        if isinstance(obj, dict) and obj.get("name") is not None
    ))
    groups = tuple(sorted(tuple(sorted(str(n) for n in g)) for g in observed.get("groups") or []))
    error = observed.get("error")
    if isinstance(error, dict):
        lines = str(normalise.message_of(observed)).strip().splitlines()
        error = (str(error.get("type")), lines[0] if lines else "")
    equals = tuple(sorted((str(k), json.dumps(v, sort_keys=True))
                          for k, v in normalise.equals_of(observed).items()))
    return (names, groups, error if isinstance(error, tuple) else None, equals)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diff(old: Dict[str, str], new: Dict[str, str]) -> List[str]:
    return ["%s: %s" % (k, _value_change(old.get(k), new.get(k)))
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


LONG = 80  # a pair of values longer than this (their JSON text) is told by what differs
SHOWN = 5  # items named per side of a long list's change; the rest counted


def _value_change(old: Optional[str], new: Optional[str]) -> str:
    """``old → new``; for two long lists, the items only one side has (−gone, +new)."""
    a, b = _json(old), _json(new)
    if (isinstance(a, list) and isinstance(b, list)
            and len(old or "") + len(new or "") > LONG):
        gone = [x for x in a if x not in b]
        added = [x for x in b if x not in a]
        if not gone and not added:
            what = ("the same items in another order" if sorted(map(json.dumps, a)) ==
                    sorted(map(json.dumps, b)) else "the same items, other repeats")
            return "%d items → %d: %s" % (len(a), len(b), what)
        items = (["−" + _item(x) for x in gone[:SHOWN]] + ["+" + _item(x) for x in added[:SHOWN]])
        more = max(0, len(gone) - SHOWN) + max(0, len(added) - SHOWN)
        return "%d items → %d: %s%s" % (len(a), len(b), ", ".join(items),
                                          ", and %d more" % more if more else "")
    return "%s → %s" % (old if old is not None else "none", new if new is not None else "none")


def _json(text: Optional[str]) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return None


def _item(value: Any) -> str:
    return _short(value if isinstance(value, str) else json.dumps(value), 50)


def _error(error: Optional[Tuple[str, str]]) -> str:
    """"ValueError: first line of its message" (shortened), or "none"."""
    if not error:
        return "none"
    return "%s: %s" % (error[0], _short(error[1])) if error[1] else error[0]


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
            parts.append("error: %s → %s" % (_error(ea), _error(eb)))
        elif ea != eb:
            parts.append("error: %s: %r → %r" % (ea[0], _short(ea[1]), _short(eb[1])))
        parts += _diff(dict(a[3]), dict(b[3]))
    if old.outcome != new.outcome:
        parts.append("outcome: %s → %s" % (old.outcome, new.outcome))
    return "; ".join(parts) or None


KINDS = ("semantic", "wording")


def kind_of(old: Cell, new: Cell, signatures: Dict[int, Any]) -> str:
    """"wording" when the two cells differ only in an error message's text (the same
    error type, names, groups and facts), else "semantic". Call after describe()."""
    a, b = signatures.get(id(old)), signatures.get(id(new))
    if a is None or b is None or old.outcome != new.outcome:
        return "semantic"
    same_but_message = (a[0], a[1], a[3]) == (b[0], b[1], b[3]) and a[2] and b[2] \
        and a[2][0] == b[2][0]
    return "wording" if same_but_message else "semantic"


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
                                              cell.change,
                                              kind_of(prev[1], cell, signatures)))
                    prev = (tf_minor, cell)
    return changes
