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


def matches(variant: Variant, versions: Dict[str, Optional[str]], mode: str, device: str) -> bool:
    """``versions`` maps "tf", "python", "keras" to version strings (None if not installed)."""
    if variant.modes is not None and mode not in variant.modes:
        return False
    if variant.devices is not None and device not in variant.devices:
        return False
    for key in ("tf", "python", "keras"):
        spec = getattr(variant, key)
        if spec is None:
            continue
        have = _version(versions.get(key))
        if have is None or not spec.contains(have, prereleases=True):
            return False
    return True


def choose(case: Case, versions: Dict[str, Optional[str]], mode: str, device: str) -> Choice:
    """The first variant whose `when` matches replaces `expect` entirely."""
    for variant in case.variants:
        if matches(variant, versions, mode, device):
            return Choice(expect=variant.expect or case.expect, variant=variant)
    return Choice(expect=case.expect)
