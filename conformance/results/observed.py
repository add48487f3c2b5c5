"""The observed record: what TF did in one cell, as a typed value (``Observed``).

Built by the executor, carried to the pytest side as JSON (``wire.Reply.observed``), read
by compare, the failure text and the produce step's manifest, and written in a raw results
file by ``CellRecord.to_json``. ``from_json`` reads any format version's record and
``to_json`` gives it back as it was read: the same keys in the same order, keys this
version does not know kept in ``extra``, so a record read and written again is unchanged.
The format is docs/results-format.md ("observed").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

# The keys of an observed record, in the order the executor writes them.
KEYS = ("objects", "groups", "values", "equals", "error", "stdout", "code_seconds",
        "code_cpu_seconds", "values_seconds", "values_cpu_seconds", "published", "artifact",
        "normalised")
_EMPTY = {"objects": dict, "groups": list, "values": dict, "equals": dict}


@dataclass
class Observed:
    # every name the code bound, and every expression an expectation names: what it is
    objects: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    groups: List[List[str]] = field(default_factory=list)  # names of one and the same object
    values: Dict[str, Any] = field(default_factory=dict)
    equals: Dict[str, Any] = field(default_factory=dict)
    error: Optional[Dict[str, Any]] = None  # {"type", "types", "message", "line"}
    stdout: Optional[str] = None
    code_seconds: Optional[float] = None
    code_cpu_seconds: Optional[float] = None
    values_seconds: Optional[float] = None
    values_cpu_seconds: Optional[float] = None
    published: Optional[Dict[str, Any]] = None  # a produce step's publish(**json)
    artifact: Optional[Dict[str, Any]] = None   # a produce step's files, bytes, keys
    normalised: Optional[Dict[str, Any]] = None
    extra: Dict[str, Any] = field(default_factory=dict)  # keys this version does not know
    order: Tuple[str, ...] = ()  # the keys as read, in order (to_json keeps it)

    @classmethod
    def from_json(cls, data: Optional[Dict[str, Any]]) -> Optional[Observed]:
        if data is None:
            return None
        if isinstance(data, Observed):
            return data
        known = {k: data[k] for k in KEYS if k in data}
        for key, empty in _EMPTY.items():  # a null where a collection belongs reads as empty
            if known.get(key) is None and key in known:
                known[key] = empty()
        return cls(extra={k: v for k, v in data.items() if k not in KEYS},
                   order=tuple(data), **known)

    def to_json(self) -> Dict[str, Any]:
        """The record as JSON: the keys read, in their order; then the ones set since (a
        record built, not read, always has the four collections)."""
        added = tuple(k for k in KEYS if k not in self.order and (
            getattr(self, k) not in (None, {}, []) or (not self.order and k in _EMPTY)))
        return {k: self.extra[k] if k in self.extra else getattr(self, k)
                for k in self.order + added}

    def name_of(self, expr: str) -> Optional[str]:
        obj = self.objects.get(expr)
        return obj.get("name") if obj else None

    def error_line(self) -> str:
        """``Type: first line of the message``, or "no error"."""
        if not self.error:
            return "no error"
        first = (self.error.get("message") or "").strip().splitlines()
        return "%s: %s" % (self.error.get("type"), first[0] if first else "")
