"""The case model: what a case file says, as typed values (``Case``, ``Expect``, ``Variant``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from packaging.specifiers import SpecifierSet

from ..vocabulary import DEFAULT_TIMEOUT, DEVICES, MODES


@dataclass
class Expect:
    names: Dict[str, str] = field(default_factory=dict)
    same: List[List[str]] = field(default_factory=list)
    distinct: List[List[str]] = field(default_factory=list)
    values: Dict[str, Any] = field(default_factory=dict)
    equals: Dict[str, Any] = field(default_factory=dict)
    error: Optional[Dict[str, str]] = None

    @classmethod
    def from_dict(cls, d: Optional[dict]) -> Expect:
        d = d or {}
        return cls(
            names=dict(d.get("names", {})),
            same=[list(g) for g in d.get("same", [])],
            distinct=[list(g) for g in d.get("distinct", [])],
            values=dict(d.get("values", {})),
            equals=dict(d.get("equals", {})),
            error=dict(d["error"]) if "error" in d else None,
        )

    def to_dict(self) -> dict:
        out: dict = {}
        for key in ("names", "same", "distinct", "values", "equals"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.error is not None:
            out["error"] = self.error
        return out

    def exprs(self) -> List[str]:
        """Expressions whose objects the executor must describe."""
        seen: List[str] = []
        for e in list(self.names) + [e for g in self.same + self.distinct for e in g]:
            if e not in seen:
                seen.append(e)
        return seen


@dataclass
class Variant:
    index: int
    line: int
    tf: Optional[SpecifierSet] = None
    python: Optional[SpecifierSet] = None
    keras: Optional[SpecifierSet] = None
    # A producer/consumer case: the TF of the env that wrote the artifact, and of the one
    # reading it (``tf`` is the consumer's too).
    producer_tf: Optional[SpecifierSet] = None
    consumer_tf: Optional[SpecifierSet] = None
    modes: Optional[Tuple[str, ...]] = None
    devices: Optional[Tuple[str, ...]] = None
    expect: Optional[Expect] = None
    xfail: Optional[str] = None
    note: Optional[str] = None
    step: Optional[str] = None  # "produce": the expectation of the produce step


@dataclass(frozen=True)
class Step:
    """One piece of a case's code, run as a cell of its own: a plain case has one
    (``main``); a producer/consumer case has ``produce`` and ``consume``."""

    name: str
    code: str
    line: int                 # 1-based line in the case file where the code starts
    env: Tuple[Tuple[str, str], ...] = ()  # set for this step only, besides the case's env
    modes: Optional[Tuple[str, ...]] = None  # produce: modes it runs in (None: the case's)


@dataclass
class Case:
    id: str
    file: str          # path as given (relative to the invocation dir when possible)
    line: int          # line of `code:` (reported as the case's location)
    title: str
    source: Optional[str]
    code: str
    code_line: int     # 1-based line in `file` where the snippet's first line is
    tags: Tuple[str, ...] = ()
    note: Optional[str] = None
    modes: Tuple[str, ...] = MODES
    devices: Tuple[str, ...] = DEVICES
    env: Dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    expect: Expect = field(default_factory=Expect)
    variants: List[Variant] = field(default_factory=list)
    # (Step("main", code, code_line),) for a plain case; produce + consume for a
    # producer/consumer case, whose ``code``/``code_line`` are then the consume step's.
    steps: Tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        if not self.steps:
            self.steps = (Step("main", self.code, self.code_line),)

    @property
    def paired(self) -> bool:
        """A producer/consumer case: its cells are pairs (producer env, consumer env)."""
        return any(s.name == "produce" for s in self.steps)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def produce_mode(self, mode: str) -> str:
        """The mode of the produce cell whose artifact a consumer in ``mode`` reads: the
        same mode, or the first of the produce step's modes when it does not run in it."""
        modes = self.step("produce").modes
        return mode if modes is None or mode in modes else modes[0]

    def produce_modes(self) -> Tuple[str, ...]:
        modes = self.step("produce").modes
        return self.modes if modes is None else modes

    def all_expects(self, step: Optional[str] = None) -> List[Expect]:
        """The expectations a cell of ``step`` may be checked against (None: every one)."""
        if step is None:
            return [self.expect] + [v.expect for v in self.variants if v.expect is not None]
        produce = step == "produce"
        return ([] if produce else [self.expect]) + [
            v.expect for v in self.variants
            if v.expect is not None and (v.step == "produce") == produce]

    def probe(self, step: Optional[str] = None) -> dict:
        """What the executor must observe so every variant's expectation (of ``step``'s
        cells) can be checked."""
        exprs: List[str] = []
        values: List[str] = []
        equals: List[str] = []
        matches: List[str] = []
        for exp in self.all_expects(step):
            exprs += [e for e in exp.exprs() if e not in exprs]
            values += [e for e in exp.values if e not in values]
            equals += [e for e in exp.equals if e not in equals]
            pattern = (exp.error or {}).get("match")
            if pattern and pattern not in matches:
                matches.append(pattern)
        return {"exprs": exprs, "values": values, "equals": equals, "matches": matches}
