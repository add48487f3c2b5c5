"""The behaviour view model: for each case, mode and device, the TF versions split into
bands of the same observed behaviour, labelled at each boundary (caniuse style):

    ≤ 2.15: layer.kernel: dense/kernel:0 | ≥ 2.16: layer.kernel: dense/kernel

A band is a run of consecutive TF versions whose cells show the same behaviour
(``changes.signature`` of the observed record, or the outcome of a cell that did not run).
Bands get a colour class per distinct behaviour of the row, not counting the wording of
error messages: a band that differs from the one before only in an error message's text
keeps its colour and starts with a "wording" boundary; every other boundary with a
recorded change is "semantic". The words of the labels come from the recorded changes
(``Matrix.changes``), so the view and matrix.md say the same thing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from ...vocabulary import RAN
from ..changes import signature
from ..model import Case, Cell, Change, Matrix

_PREFIX = re.compile(r"^changed in [^:]*: ")
ARROW = " → "


@dataclass
class Band:
    first: int  # index into Matrix.minors
    last: int
    cls: Optional[int]  # colour class (distinct behaviour of the row); None: did not run
    outcome: str  # the band's first cell's outcome ("" where no cell is)
    kind: str = ""  # boundary at its start: "semantic", "wording" or "" (none recorded)
    change: str = ""  # the recorded change at its start ("changed in 2.16: …")
    label: str = ""  # what this band's behaviour is, in the words of the changes

    def to_json(self) -> List[Any]:
        return [self.first, self.last, self.cls, self.outcome, self.kind, self.change,
                self.label]


def sides(change_text: str) -> Tuple[str, str]:
    """("before", "after") of a recorded change: "changed in 2.16: a: x → y; b: p → q" gives
    ("a: x; b: p", "a: y; b: q"). A part without an arrow is kept on both sides; the
    outcome (a verdict, not a behaviour) is left out."""
    before, after = [], []
    for part in _PREFIX.sub("", change_text).split("; "):
        key, sep, rest = part.partition(": ")
        if key == "outcome":
            continue
        old, arrow, new = rest.rpartition(ARROW) if sep else ("", "", "")
        if not arrow:
            before.append(part)
            after.append(part)
            continue
        before.append("%s: %s" % (key, old))
        after.append("%s: %s" % (key, new))
    return "; ".join(before), "; ".join(after)


def _key(cell: Optional[Cell]) -> Tuple[Any, Any]:
    """(full behaviour, behaviour without the wording of an error message)."""
    if cell is None:
        return ("none",), ("none",)
    if cell.outcome not in RAN:
        return ("outcome", cell.outcome), ("outcome", cell.outcome)
    sig = signature(cell.observed)
    if sig is None:
        return ("outcome", cell.outcome), ("outcome", cell.outcome)
    error = sig[2][0] if sig[2] else None
    return sig, (sig[0], sig[1], error, sig[3])


def bands(m: Matrix, case: Case, mode: str, device: str,
          changes: Optional[Dict[Tuple[str, str, str, str], Change]] = None) -> List[Band]:
    """The bands of one (case, mode, device) row over every TF version of the matrix."""
    if changes is None:
        changes = index_changes(m)
    minors = m.minors
    result: List[Band] = []
    classes: Dict[Any, int] = {}
    previous: Any = None
    for i, tf_minor in enumerate(minors):
        cell = m.cell(case.id, tf_minor, mode, device)
        full, semantic = _key(cell)
        if result and full == previous:
            result[-1].last = i
            continue
        previous = full
        ran = cell is not None and cell.outcome in RAN
        cls = classes.setdefault(semantic, len(classes)) if ran else None
        band = Band(i, i, cls, cell.outcome if cell else "")
        change = changes.get((case.id, mode, device, tf_minor))
        if change is not None:
            band.kind, band.change = change.kind, change.text
        result.append(band)
    _label(result)
    return result


def _label(row: List[Band]) -> None:
    """Each band that ran: the "after" side of the last change at or before it (a band
    without one repeats the behaviour before it: changes are recorded across versions that
    did not run), else the "before" side of the row's first change."""
    ran = [b for b in row if b.cls is not None]
    first = next((b for b in ran if b.change), None)
    current = sides(first.change)[0] if first else ""
    for band in ran:
        if band.change:
            current = sides(band.change)[1]
        band.label = current


def index_changes(m: Matrix) -> Dict[Tuple[str, str, str, str], Change]:
    return {(c.case, c.mode, c.device, c.tf_minor): c for c in m.changes}


def range_text(minors: List[str], band: Band) -> str:
    """"≤ 2.15", "≥ 2.16", "2.7–2.8", "2.9" or "all" for a band of ``minors`` (page.js
    says the same: its ``range``)."""
    if band.first == 0 and band.last == len(minors) - 1:
        return "all"
    if band.first == 0:
        return "≤ " + minors[band.last]
    if band.last == len(minors) - 1:
        return "≥ " + minors[band.first]
    if band.first == band.last:
        return minors[band.first]
    return "%s–%s" % (minors[band.first], minors[band.last])


def summary_line(minors: List[str], row: List[Band]) -> str:
    """"≤ 2.15: a: x | ≥ 2.16: a: y" (bands that ran and have a label)."""
    return " | ".join("%s: %s" % (range_text(minors, b), b.label) for b in row if b.label)
