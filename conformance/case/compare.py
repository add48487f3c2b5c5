"""Comparing an expectation with what TF did (the observed record). Needs no TensorFlow."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union

from ..jsonvalues import finite
from ..results.observed import Observed
from .model import Expect

RTOL = 1e-6
ATOL = 1e-6


@dataclass
class Mismatch:
    key: str
    expected: Any
    observed: Any
    message: str

    def to_dict(self) -> dict:
        return {"key": self.key, "expected": self.expected, "observed": self.observed,
                "message": self.message}


def error_line(error: Optional[dict]) -> str:
    if not error:
        return "no error"
    first = (error.get("message") or "").strip().splitlines()
    return "%s: %s" % (error.get("type"), first[0] if first else "")


def compare(expect: Expect, observed: Union[Observed, Dict[str, Any]]) -> List[Mismatch]:
    """Every way ``observed`` (the record, or its JSON) differs from ``expect``; empty
    means the expectation holds."""
    observed = Observed.from_json(observed)
    error = observed.error
    if expect.error is not None:
        return _compare_error(expect.error, error)
    if error is not None:
        return [Mismatch("error", None, error_line(error),
                         "expected no error, but the code raised %s" % error_line(error))]
    out: List[Mismatch] = []
    objects = observed.objects
    for expr, want in expect.names.items():
        obj = objects.get(expr)
        got = _name_of(obj)
        if got != want:
            out.append(Mismatch("names." + expr, want, got if obj else None,
                                "%s.name: expected %r, observed %s"
                                % (expr, want, _show_name(obj))))
    for kind, want_same in (("same", True), ("distinct", False)):
        for i, group in enumerate(getattr(expect, kind)):
            refs = [(_ref_of(objects.get(e)), e) for e in group]
            missing = [e for r, e in refs if r is None]
            if missing:
                out.append(Mismatch("%s[%d]" % (kind, i), group, None,
                                    "%s: %s not observed (%s)" % (kind, ", ".join(missing),
                                                                 _why_missing(objects, missing))))
                continue
            ok = (len({r for r, _ in refs}) == 1) if want_same else (
                len({r for r, _ in refs}) == len(refs))
            if not ok:
                observed_groups = _partition(refs)
                out.append(Mismatch(
                    "%s[%d]" % (kind, i), group, observed_groups,
                    "%s: expected %s to be %s, observed identity groups %s"
                    % (kind, ", ".join(group),
                       "one and the same object" if want_same else "pairwise different objects",
                       observed_groups)))
    values = observed.values
    for expr, want in expect.values.items():
        got = values.get(expr)
        if isinstance(got, dict) and "error" in got:
            out.append(Mismatch("values." + expr, want, got,
                                "%s: value could not be read: %s" % (expr, got["error"])))
        elif not _allclose(got, want):
            out.append(Mismatch("values." + expr, want, got,
                                "%s: expected value %s, observed %s" % (expr, want, got)))
    equals = observed.equals
    for expr, want in expect.equals.items():
        got = equals.get(expr)
        if isinstance(got, dict) and set(got) == {"error"}:
            out.append(Mismatch("equals." + expr, want, got,
                                "%s: evaluation failed: %s" % (expr, got["error"])))
        elif not json_equal(got, finite(want)):
            out.append(Mismatch("equals." + expr, want, got,
                                "%s: expected %r, observed %r" % (expr, want, got)))
    return out


def _compare_error(want: dict, error: Optional[dict]) -> List[Mismatch]:
    shown = want["type"] + (" matching %r" % want["match"] if want.get("match") else "")
    if error is None:
        return [Mismatch("error", shown, None,
                         "expected %s, but the code ran without error" % shown)]
    out = []
    if want["type"] not in (error.get("types") or [error.get("type")]):
        out.append(Mismatch("error.type", want["type"], error.get("type"),
                            "expected %s, observed %s" % (shown, error_line(error))))
    if want.get("match") and not _matches(want["match"], error):
        out.append(Mismatch("error.match", want["match"], error.get("message"),
                            "error message does not match %r: observed %s"
                            % (want["match"], error_line(error))))
    return out


def _matches(pattern: str, error: dict) -> bool:
    """Whether the error's message matches: as the executor found (it searches the
    expectations' patterns under the cell's time limit), else searched here (a record
    written before the executor did that)."""
    matched = error.get("matched")
    if isinstance(matched, dict) and pattern in matched:
        return bool(matched[pattern])
    return re.search(pattern, error.get("message") or "") is not None


def _name_of(obj: Optional[dict]) -> Optional[str]:
    return obj.get("name") if obj else None


def _show_name(obj: Optional[dict]) -> str:
    if obj is None:
        return "nothing (expression not bound)"
    if "eval_error" in obj:
        return "an error evaluating it: %s" % obj["eval_error"]
    if "name" in obj:
        return repr(obj["name"])
    if "name_error" in obj:
        return "no name (%s: %s)" % (obj.get("type"), obj["name_error"])
    return "an object without .name (%s)" % obj.get("type")


def _ref_of(obj: Optional[dict]) -> Optional[int]:
    return obj.get("ref") if obj else None


def _why_missing(objects: dict, missing: List[str]) -> str:
    errs = [objects[e]["eval_error"] for e in missing
            if e in objects and "eval_error" in objects[e]]
    return errs[0] if errs else "not bound by the code"


def _partition(refs) -> List[List[str]]:
    groups: dict = {}
    for r, e in refs:
        groups.setdefault(r, []).append(e)
    return list(groups.values())


def json_equal(got: Any, want: Any) -> bool:
    """``==`` on JSON data, but booleans never equal numbers (YAML `true` is not `1`)."""
    if isinstance(got, bool) or isinstance(want, bool):
        return type(got) is type(want) and got == want
    if isinstance(got, list) and isinstance(want, list):
        return len(got) == len(want) and all(json_equal(g, w) for g, w in zip(got, want))
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(json_equal(got[k], want[k]) for k in got)
    return got == want


def _allclose(got: Any, want: Any) -> bool:
    if isinstance(want, list):
        if not isinstance(got, list):
            # A one-element expectation matches a scalar only if shapes agree: they don't.
            return False
        return len(got) == len(want) and all(_allclose(g, w) for g, w in zip(got, want))
    if isinstance(got, list) or got is None or isinstance(got, dict):
        return False
    try:
        g, w = float(got), float(want)
    except (TypeError, ValueError):
        return False
    if math.isnan(g) or math.isnan(w):
        return math.isnan(g) and math.isnan(w)
    return abs(g - w) <= ATOL + RTOL * abs(w)
