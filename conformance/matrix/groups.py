"""Identical changes grouped across cases: one record per (boundary, kind, before → after).

"2.9: AttributeError message 'Tensor.op is meaningless…' → '…undefined…', 50 cells in 27
cases" instead of fifty lines. Used by docs/findings.md (report.findings), the matrix
reports and ``python -m conformance diff`` (matrix.diff), which groups the cells that
differ between two result sets the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from ..vocabulary import DEVICES, MODES
from .model import Change, _order

# (case, tf_minor, mode, device)
CellKey = Tuple[str, str, str, str]
# Which kind comes first: what a user's code sees before what only its messages say.
KIND_ORDER = ("worse", "better", "semantic", "wording", "added", "removed")
_PREFIX = re.compile(r"^changed in [^ :]+(?: \(previous run: [^)]*\))?: ")
_ERROR_WORDING = re.compile(r"^error: (\w+): (.*)$", re.S)


@dataclass
class Group:
    boundary: str   # the TF minor where the change shows ("2.9"), or "" (a diff's groups)
    kind: str       # semantic | wording (| worse | better | added | removed in a diff)
    detail: str     # before → after, as changes.describe says it
    cells: List[CellKey] = field(default_factory=list)

    @property
    def cases(self) -> List[str]:
        return sorted({c[0] for c in self.cells})

    @property
    def versions(self) -> List[str]:
        return sorted({c[1] for c in self.cells}, key=version_key)

    @property
    def label(self) -> str:
        """The before → after text; a wording change says whose message it is."""
        m = _ERROR_WORDING.match(self.detail) if self.kind == "wording" else None
        return "%s message %s" % (m.group(1), m.group(2)) if m else self.detail

    def count(self) -> str:
        """ "50 cells in 27 cases" / "1 cell" """
        n, k = len(self.cells), len(self.cases)
        text = "%d cell%s" % (n, "" if n == 1 else "s")
        return text + (" in %d cases" % k if k > 1 else "")

    def headline(self) -> str:
        where = "%s: " % self.boundary if self.boundary else ""
        return "%s%s, %s" % (where, self.label, self.count())


def detail_of(change: Change) -> str:
    """The before → after part of a change's text (without "changed in 2.9: ")."""
    return _PREFIX.sub("", change.text, count=1)


def group(items: Iterable[Tuple[str, str, str, CellKey]]) -> List[Group]:
    """Items (boundary, kind, detail, cell) → groups, ordered by boundary version, kind
    (KIND_ORDER), then most cells first; cells in each group sorted."""
    found: Dict[Tuple[str, str, str], Group] = {}
    for boundary, kind, detail, cell in items:
        g = found.get((boundary, kind, detail))
        if g is None:
            g = found[(boundary, kind, detail)] = Group(boundary, kind, detail)
        g.cells.append(cell)
    mode, device = _order(MODES), _order(DEVICES)
    for g in found.values():
        g.cells.sort(key=lambda c: (c[0], version_key(c[1]), mode(c[2]), device(c[3])))
    return sorted(found.values(), key=lambda g: (
        version_key(g.boundary), _kind_rank(g.kind), -len(g.cells), g.detail))


def from_changes(changes: Iterable[Change], kind: Optional[str] = None) -> List[Group]:
    """Matrix.changes grouped (only those of ``kind`` if given)."""
    return group((ch.tf_minor, ch.kind, detail_of(ch), (ch.case, ch.tf_minor, ch.mode,
                                                        ch.device))
                 for ch in changes if kind is None or ch.kind == kind)


def version_key(minor: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in minor.split(".") if p.isdigit())


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
