"""Choosing the expectation that applies to one cell (TF / Python / Keras version, mode, device)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from packaging.version import InvalidVersion, Version

from .model import Case, Expect, Variant


@dataclass
class Choice:
    expect: Expect
    variant: Optional[Variant] = None

    @property
    def index(self) -> Optional[int]:
        return None if self.variant is None else self.variant.index

    @property
    def xfail(self) -> Optional[str]:
        return None if self.variant is None else self.variant.xfail

    @property
    def note(self) -> Optional[str]:
        return None if self.variant is None else self.variant.note


def _version(text: Optional[str]) -> Optional[Version]:
    if not text:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def matches(variant: Variant, versions: Dict[str, Optional[str]], mode: str, device: str,
            step: Optional[str] = None) -> bool:
    """``versions`` maps "tf", "python", "keras" (and for a cell of a producer/consumer
    case "producer_tf") to version strings (None if not installed). ``step``: "produce"
    for a produce cell, whose expectations are only the variants that say so; there
    ``producer_tf`` is the cell's own TF."""
    if (variant.step == "produce") != (step == "produce"):
        return False
    if variant.modes is not None and mode not in variant.modes:
        return False
    if variant.devices is not None and device not in variant.devices:
        return False
    for key in ("tf", "python", "keras", "producer_tf", "consumer_tf"):
        spec = getattr(variant, key)
        if spec is None:
            continue
        # consumer_tf is this env's TF; so is producer_tf in a produce cell (its producer)
        mine = key == "consumer_tf" or (key == "producer_tf" and step == "produce")
        have = _version(versions.get("tf" if mine else key))
        if have is None or not spec.contains(have, prereleases=True):
            return False
    return True


def choose(case: Case, versions: Dict[str, Optional[str]], mode: str, device: str,
           step: Optional[str] = None) -> Choice:
    """The first variant whose `when` matches replaces `expect` entirely. A produce cell
    (``step`` "produce") expects no error unless a ``step: produce`` variant matches."""
    for variant in case.variants:
        if matches(variant, versions, mode, device, step):
            return Choice(expect=variant.expect or case.expect, variant=variant)
    return Choice(expect=Expect() if step == "produce" else case.expect)
