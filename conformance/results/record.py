"""The cell record: what one cell's run left behind, as written in a raw results file.

One typed value built by ``execution.cell``, carried to the pytest controller, written by
``results.writer`` and read back by ``results.raw``. ``to_json`` gives the record exactly
as the raw format (docs/results-format.md) spells it; ``from_json`` reads any format
version's record, keeping keys it does not know in ``extra`` so that nothing is lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..vocabulary import OUTCOMES
from .key import CellKey
from .observed import Observed

# Keys every record has, in the order they are written.
BASE_KEYS = ("case", "file", "line", "title", "tags", "mode", "device", "outcome", "reason",
             "variant", "note", "duration", "expect", "mismatches", "observed", "repro")
# Keys written only when set.
OPTIONAL_KEYS = ("profile", "worker_retired", "sent_ahead", "runs", "step", "producer",
                 "producer_tf", "producer_tf_minor")


@dataclass
class CellRecord:
    case: str
    file: str
    line: Optional[int]
    title: str
    tags: List[str]
    mode: str
    device: str
    repro: str
    outcome: Optional[str] = None
    reason: Optional[str] = None
    variant: Optional[int] = None
    note: Optional[str] = None
    duration: float = 0.0
    expect: Optional[Dict[str, Any]] = None
    mismatches: List[Dict[str, Any]] = field(default_factory=list)
    observed: Optional[Observed] = None
    # The executor profile's facts, on the first cell of each profile (see writer).
    profile: Optional[Dict[str, Any]] = None
    # Why the worker that ran this cell was replaced after it (state a reset cannot undo).
    worker_retired: Optional[str] = None
    # Sent to its executor while the cell before it ran.
    sent_ahead: Optional[bool] = None
    # --verify N: the outcome of each run, when there was more than one.
    runs: Optional[List[str]] = None
    # A producer/consumer case's cell: "produce" or "consume" (None: a plain case), and
    # for a consume cell the producer's env name and TF release (format_version 3).
    step: Optional[str] = None
    producer: Optional[str] = None
    producer_tf: Optional[str] = None
    producer_tf_minor: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> CellKey:
        """Unique in one results file: a case's consume cells differ by producer."""
        return CellKey(self.case, self.mode, self.device, producer=self.producer or "",
                       step=self.step or "")

    def finish(self, outcome: str, reason: Optional[str] = None) -> CellRecord:
        if outcome not in OUTCOMES:
            raise ValueError("unknown outcome %r (one of %s)" % (outcome, ", ".join(OUTCOMES)))
        self.outcome = outcome
        self.reason = reason
        return self

    def to_json(self) -> Dict[str, Any]:
        out = {k: getattr(self, k) for k in BASE_KEYS}
        if self.observed is not None:
            out["observed"] = self.observed.to_json()
        for k in OPTIONAL_KEYS:
            value = getattr(self, k)
            if value is not None:
                out[k] = value
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> CellRecord:
        known = {k: data[k] for k in BASE_KEYS + OPTIONAL_KEYS if k in data}
        extra = {k: v for k, v in data.items() if k not in known}
        known.setdefault("repro", "")
        known["tags"] = list(known.get("tags") or [])
        known["mismatches"] = list(known.get("mismatches") or [])
        for k in ("file", "title"):
            known.setdefault(k, "")
        known.setdefault("line", None)
        known["observed"] = Observed.from_json(known.get("observed"))
        return cls(extra=extra, **known)



def key_of(cell: Dict[str, Any]) -> CellKey:
    """A cell's identity in one results file, from its JSON."""
    return CellKey.of(cell)
