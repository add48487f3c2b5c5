"""The findings' section on what users reported: for every issue-tracker report a `field`
case answers, the claim (the case's note) and what TF does, per mode and TF version range,
as the matrix observed it. Cases are read from the case files (source and note are not in
the results); behaviour from the matrix."""
from __future__ import annotations

import glob
import os
import re
from typing import Dict, List, Optional, Tuple

from ...case.load import load_case
from ...errors import CaseError
from ...vocabulary import MODES
from ..changes import signature
from ..model import Matrix
from .diff import md_escape

REPORT = re.compile(r"^\s*((tensorflow/tensorflow|keras-team/keras|keras-team/tf-keras)#(\d+))")
MAX_NAMES = 3


def field_cases(cases_dir: str) -> Dict[str, list]:
    """{report reference: [Case, ...]} for the `field` cases under ``cases_dir``."""
    by_report: Dict[str, list] = {}
    for path in sorted(glob.glob(os.path.join(cases_dir, "**", "*.y*ml"), recursive=True)):
        try:
            case = load_case(path, cases_dir)
        except CaseError:
            continue  # the matrix lists case files that did not load
        match = REPORT.match(case.source or "")
        if "field" in case.tags and match:
            by_report.setdefault(match.group(1), []).append(case)
    return by_report


def url(reference: str) -> str:
    repo, number = reference.split("#")
    return "https://github.com/%s/issues/%s" % (repo, number)


def render(m: Matrix, cases_dir: str) -> List[str]:
    reports = field_cases(cases_dir)
    if not reports:
        return []
    lines = ["", "## What users reported", "",
             "Each report from the TF and Keras issue trackers that a `field` case answers: "
             "what was reported and what is true (the case's note), then what TF did in each "
             "mode over the TF versions that ran."]
    for reference in sorted(reports, key=_report_order):
        lines += ["", "### [%s](%s)" % (reference, url(reference))]
        for case in sorted(reports[reference], key=lambda c: c.id):
            lines += ["", "- `%s` — %s" % (case.id, md_escape(case.title))]
            if case.note:
                lines.append("  - %s" % md_escape(" ".join(case.note.split())))
            for modes, bands in _bands_by_mode(m, case.id):
                lines.append("  - %s: %s" % ("/".join(modes), " · ".join(bands)))
    return lines


def _report_order(reference: str) -> Tuple[str, int]:
    repo, number = reference.split("#")
    return repo, int(number)


def _bands_by_mode(m: Matrix, case_id: str) -> List[Tuple[List[str], List[str]]]:
    """[(modes, ["1.15–2.15: <behaviour>", ...])], modes with the same bands together."""
    grouped: Dict[Tuple[str, ...], List[str]] = {}
    for mode in MODES:
        bands = _bands(m, case_id, mode)
        if bands:
            grouped.setdefault(tuple(bands), []).append(mode)
    return [(modes, list(bands)) for bands, modes in grouped.items()]


def _bands(m: Matrix, case_id: str, mode: str) -> List[str]:
    runs: List[Tuple[str, str, str]] = []  # (first minor, last minor, behaviour)
    for minor in m.minors:
        cell = m.cell(case_id, minor, mode, "cpu")
        if cell is None:
            continue
        what = _behaviour(cell)
        if runs and runs[-1][2] == what:
            runs[-1] = (runs[-1][0], minor, what)
        else:
            runs.append((minor, minor, what))
    return ["%s: %s" % (first if first == last else "%s–%s" % (first, last), what)
            for first, last, what in runs]


def _behaviour(cell) -> str:
    """A short account of what a cell observed (or why nothing was)."""
    sig = signature(cell.observed)
    if sig is None:
        return cell.outcome.replace("_", " ")
    names, _groups, error, equals = sig
    if error:
        return "raises %s" % error[0]
    if names:
        shown = ", ".join("`%s`=`%s`" % (md_code(k), md_code(v)) for k, v in names[:MAX_NAMES])
        return shown + (" …" if len(names) > MAX_NAMES else "")
    if equals:
        return ", ".join("`%s`=`%s`" % (md_code(k), md_code(v)) for k, v in equals[:MAX_NAMES])
    return "runs without error"


def md_code(text: Optional[str]) -> str:
    return " ".join(str(text).split()).replace("`", "'")[:80]
