"""The matrix model: columns (TF version x device), cases, cells and behaviour changes.

Built by ``combine`` from raw results files; every renderer in ``report`` reads only this.
Columns are ``(tf_minor, device)`` ordered by numeric version, rows are case ids, and a
cell is keyed ``(case, tf_minor, mode, device)``. A producer/consumer case's cells are
also pairs of versions, ``grid[(case, mode, device, producer_minor, consumer_minor)]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..vocabulary import DEVICES

# Version of the combined artefact (matrix.json), bumped when its shape changes:
#   1: first version.
FORMAT_VERSION = 1

CellKey = Tuple[str, str, str, str]  # (case, tf_minor, mode, device)
# A pair of a producer/consumer case: (case, mode, device, producer minor, consumer minor)
PairKey = Tuple[str, str, str, str, str]


@dataclass
class Column:
    tf_minor: str
    device: str
    # complete | partial | unavailable | not_run (from this device's env files), or no_env:
    # no env of this device reported, the cells (mostly skips) come from other devices'
    # environments. partial: only a subset of the cases ran (see results.raw)
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
    producer_tf: Optional[str] = None  # a pair's: the TF release that wrote the artifact


@dataclass
class Change:
    case: str
    mode: str
    device: str
    tf_minor: str
    previous: str
    text: str  # "changed in 2.16: v1: kernel:0 → kernel"
    # semantic: outcome, error type, names, identity groups, values or equals changed;
    # wording: only the text of an error message (changes.kind_of)
    kind: str = "semantic"


@dataclass
class Matrix:
    columns: List[Column] = field(default_factory=list)
    cases: List[Case] = field(default_factory=list)
    cells: Dict[CellKey, Cell] = field(default_factory=dict)
    changes: List[Change] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    case_errors: List[str] = field(default_factory=list)  # case files no environment loaded
    # The pairs of producer/consumer cases: what TF <producer> wrote, read by TF <consumer>.
    # The pair a TF makes with itself is also its ordinary cell in ``cells``.
    grid: Dict[PairKey, Cell] = field(default_factory=dict)

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
