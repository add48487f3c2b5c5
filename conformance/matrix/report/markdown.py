"""matrix.md: a GitHub-renderable summary (fits $GITHUB_STEP_SUMMARY and a PR comment,
which GitHub cuts at 65,536 characters: the full matrix makes ~20,000).

Sections: one summary row per TF version (the devices side by side), problems, every
failure (the cells of one case that fail alike on one line), the semantic behaviour
changes by version boundary (identical before → after across cases on one line), the
number of wording-only changes, and a link to index.html for everything else.
"""
from __future__ import annotations

import re
from typing import List

from ...errors import escape
from ...vocabulary import CELL_OUTCOMES as OUTCOMES
from ...vocabulary import ENV_STATUSES, SYMBOLS
from .. import groups
from ..model import Matrix
from . import view

MAX_PROBLEMS = 50

_SPECIAL = re.compile(r"([\\`*_\[\]{}#~|!])")


def text(value: object) -> str:
    """Literal text in Markdown (and in a table cell): no HTML, no markup, one line, no
    control or bidi characters (errors.escape)."""
    s = escape(" ".join(str(value if value is not None else "").split()))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", s)


def code(value: object, in_table: bool = False) -> str:
    """Inline code (literal on GitHub) with backticks, and in tables pipes, made harmless."""
    s = escape(" ".join(str(value).split())).replace("`", "'")
    return "`%s`" % (s.replace("|", "\\|") if in_table else s)


def _row(cells: List[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _counts_text(count: dict) -> str:
    """"959 ✅ 3 ❌": the outcomes that occur, in vocabulary order."""
    return " ".join("%d %s" % (count[o], SYMBOLS[o]) for o in OUTCOMES if count.get(o))


def _summary(m: Matrix) -> List[str]:
    """One row per TF version, the devices side by side. A column that did not run reads
    its status; a reason shared by every column of a device is said once, under the table."""
    counts = view.summary(m)
    columns = {c.key: c for c in m.columns}
    devices = m.devices
    reasons = {}
    for device in devices:
        own = {(c.status, c.reason) for c in m.columns if c.device == device}
        if len(own) == 1 and next(iter(own))[0] in ENV_STATUSES:
            reasons[device] = next(iter(own))
    lines = ["## Summary", "",
             _row(["TF", "release"] + devices),
             _row(["---", "---"] + ["---"] * len(devices))]
    for tf_minor in m.minors:
        releases = {columns[k].tf for k in ("%s/%s" % (tf_minor, d) for d in devices)
                    if k in columns and columns[k].tf}
        row = [tf_minor, text(", ".join(sorted(releases)) or "—")]
        for device in devices:
            c = columns.get("%s/%s" % (tf_minor, device))
            if c is None:
                row.append("—")
            elif c.status in ENV_STATUSES:
                status = view.LABELS[c.status]
                if c.reason and device not in reasons:
                    status += ": " + text(view.first_line(c.reason, 60))
                row.append(status)
            else:
                row.append(_counts_text(counts[c.key]) or "no cells")
        lines.append(_row(row))
    lines.append("")
    for device, (status, reason) in reasons.items():
        n = sum(1 for c in m.columns if c.device == device)
        lines.append("%s: %s%s (%d TF versions)." % (
            device, view.LABELS[status], ": " + text(view.first_line(reason, 100)) if reason
            else "", n))
    return lines + ([""] if reasons else []) + [
        " · ".join("%s %s" % (SYMBOLS[o], view.LABELS[o]) for o in OUTCOMES), ""]


def _listing(title: str, items: List[str], limit: int, more: str) -> List[str]:
    if not items:
        return []
    lines = ["## %s (%d)" % (title, len(items)), ""]
    lines += ["- " + item for item in items[:limit]]
    if len(items) > limit:
        lines.append("- … and %d more (%s)" % (len(items) - limit, more))
    return lines + [""]


def _failures(m: Matrix) -> List[str]:
    """Every failed cell: those of one case with the same outcome and explanation share a
    line that lists where (TF version/mode/device)."""
    groups: dict = {}
    for (case, tf_minor, mode, device), cell in view.bad_cells(m):
        key = (case, cell.outcome, view.explain(cell))
        groups.setdefault(key, []).append(("%s/%s/%s" % (tf_minor, mode, device), cell))
    if not groups:
        return []
    n = sum(len(g) for g in groups.values())
    lines = ["## Failures (%d cells)" % n, ""]
    for (case, outcome, detail), where in groups.items():
        item = "- %s %s **%s** in %s" % (SYMBOLS[outcome], code(case), outcome,
                                         ", ".join(w for w, _ in where))
        if detail:
            item += ": " + text(detail)
        command = view.repro(where[0][1])
        if command:
            item += " — " + code(command)
        lines.append(item)
    return lines + [""]


def _where(cells: List[tuple]) -> str:
    """"`a/x` (v1, graph), `b/y` (eager)": the cases of a change group and their modes."""
    by_case: dict = {}
    for case, _, mode, device in cells:
        by_case.setdefault(case, []).append(mode if device == "cpu" else
                                            "%s/%s" % (mode, device))
    return ", ".join("%s (%s)" % (code(case), ", ".join(modes)) for case, modes in
                     by_case.items())


def _changes(m: Matrix) -> List[str]:
    """Semantic changes by version boundary, identical ones across cases on one line
    (matrix.groups); wording changes (only an error message's text) counted per version."""
    if not m.changes:
        return []
    semantic = [c for c in m.changes if c.kind != "wording"]
    wording = [c for c in m.changes if c.kind == "wording"]
    previous = {c.tf_minor: c.previous for c in reversed(semantic)}
    lines = ["## Behaviour changes (%d semantic, %d wording)" % (len(semantic), len(wording)),
             "", "What TF did differs from the previous TF version that ran. Open "
             "[index.html](index.html) for the behaviour of every case in every version.", ""]
    current = None
    for group in groups.group((c.tf_minor, "semantic", groups.detail_of(c),
                               (c.case, c.tf_minor, c.mode, c.device)) for c in semantic):
        if group.boundary != current:
            if current is not None:
                lines.append("")
            current = group.boundary
            n = sum(1 for c in semantic if c.tf_minor == current)
            lines += ["### %s → %s (%d)" % (previous[current], current, n), ""]
        lines.append("- %s — %s" % (text(group.detail), _where(group.cells)))
    if wording:
        per: dict = {}
        for c in wording:
            per[c.tf_minor] = per.get(c.tf_minor, 0) + 1
        lines += ["", "Wording only (an error message's text; %d): %s. See "
                  "[index.html](index.html)." % (len(wording), ", ".join(
                      "%s: %d" % (v, per[v]) for v in m.minors if v in per))]
    return lines + [""]


def render(m: Matrix) -> str:
    lines = ["# TensorFlow variable-scope conformance", ""]
    lines.append("%d cases, %d TF versions, devices: %s." % (
        len(m.cases), len(m.minors), ", ".join(m.devices) or "none"))
    lines.append("")
    lines += _summary(m)
    problems = ["%s" % text(p) for p in m.problems]
    lines += _listing("Problems reading results", problems, MAX_PROBLEMS, "see matrix.json")
    lines += _listing("Case files that did not load", [text(e) for e in m.case_errors],
                      MAX_PROBLEMS, "see matrix.json")
    lines += _failures(m)
    lines += _changes(m)
    if m.grid:  # producer/consumer cases ran: their pairs, in a few lines
        from .checkpoints import summary_lines

        lines += ["## Checkpoints across TF versions", ""] + summary_lines(m) + [""]
    lines += ["## Everything else", "", "Each case in each TF version and mode, what TF "
              "observed and the command that reproduces it: [index.html](index.html) "
              "(the data: matrix.json).", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
