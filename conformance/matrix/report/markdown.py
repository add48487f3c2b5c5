"""matrix.md: a GitHub-renderable summary (fits $GITHUB_STEP_SUMMARY).

Sections: summary per TF version and device, problems, failures, behaviour changes, then
one compact case table per device (one symbol per case and TF version, aggregating the
modes). Long lists are cut so ~150 cases x 23 versions stays well under 1 MB.
"""
from __future__ import annotations

import re
from typing import List

from ...vocabulary import CELL_OUTCOMES as OUTCOMES
from ...vocabulary import ENV_STATUSES
from ..model import Matrix
from . import view

SYMBOLS = {
    "pass": "✅", "fail": "❌", "xfail": "🐞", "xpass": "❗", "error": "⚠️", "crash": "💥",
    "timeout": "⏱️", "skip": "➖", "unavailable": "⬛", "not_run": "⬜",
}
CHANGED = "Δ"
MAX_FAILURES = 50
MAX_CHANGES = 200
TITLE_WIDTH = 50

_SPECIAL = re.compile(r"([\\`*_\[\]{}#~|!])")


def text(value: object) -> str:
    """Literal text in Markdown (and in a table cell): no HTML, no markup, one line."""
    s = " ".join(str(value if value is not None else "").split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", s)


def code(value: object, in_table: bool = False) -> str:
    """Inline code (literal on GitHub) with backticks, and in tables pipes, made harmless."""
    s = " ".join(str(value).split()).replace("`", "'")
    return "`%s`" % (s.replace("|", "\\|") if in_table else s)


def _row(cells: List[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _summary(m: Matrix) -> List[str]:
    counts = view.summary(m)
    lines = [
        "## Summary", "",
        _row(["TF", "device", "release", "status"] + [view.LABELS[o] for o in OUTCOMES]),
        _row(["---"] * 4 + ["---:"] * len(OUTCOMES)),
    ]
    for c in m.columns:
        status = view.LABELS[c.status]
        if c.reason:
            status += ": " + text(view.first_line(c.reason, 60))
        numbers = [str(counts[c.key][o]) if counts[c.key][o] else "·" for o in OUTCOMES]
        lines.append(_row([c.tf_minor, c.device, text(c.tf or "—"), status] + numbers))
    return lines + [""]


def _listing(title: str, items: List[str], limit: int, more: str) -> List[str]:
    if not items:
        return []
    lines = ["## %s (%d)" % (title, len(items)), ""]
    lines += ["- " + item for item in items[:limit]]
    if len(items) > limit:
        lines.append("- … and %d more (%s)" % (len(items) - limit, more))
    return lines + [""]


def _failures(m: Matrix) -> List[str]:
    items = []
    for (case, tf_minor, mode, device), cell in view.bad_cells(m):
        item = "%s %s %s/%s/%s **%s**" % (
            SYMBOLS[cell.outcome], code(case), tf_minor, mode, device, cell.outcome)
        detail = view.explain(cell)
        if detail:
            item += ": " + text(detail)
        if cell.repro:
            item += " — " + code(cell.repro)
        items.append(item)
    return _listing("Failures", items, MAX_FAILURES, "see matrix.json or index.html")


def _changes(m: Matrix) -> List[str]:
    items = ["%s %s/%s: %s" % (code(ch.case), ch.mode, ch.device, text(ch.text))
             for ch in m.changes]
    return _listing("Behaviour changes", items, MAX_CHANGES, "see matrix.json or index.html")


def _cases(m: Matrix) -> List[str]:
    legend = " · ".join("%s %s" % (SYMBOLS[o], view.LABELS[o]) for o in OUTCOMES)
    lines = ["## Cases", "",
             "One symbol per case and TF version: the worst outcome over the modes "
             "(v1, graph, eager, function). %s marks a behaviour change from the previous "
             "TF version." % CHANGED, "", legend, ""]
    minors, counts = m.minors, view.summary(m)
    for device in m.devices:
        columns = [c for c in m.columns if c.device == device]
        if not any(view.ran(counts[c.key]) for c in columns):
            states = sorted({view.LABELS[c.status] for c in columns if c.status in ENV_STATUSES})
            lines += ["### %s" % device, "",
                      "No cell ran on %s (%s)." % (device, ", ".join(states) or "all skipped"), ""]
            continue
        present = {c.tf_minor for c in columns}
        shown = [v for v in minors if v in present]
        lines += ["### %s" % device, "", _row(["case", "title"] + shown),
                  _row(["---", "---"] + [":-:"] * len(shown))]
        for case in m.cases:
            row = [code(case.id, in_table=True), text(view.first_line(case.title, TITLE_WIDTH))]
            for tf_minor in shown:
                outcome, changed = view.row_outcome(m, case, tf_minor, device)
                row.append((SYMBOLS[outcome] if outcome else "") + (CHANGED if changed else ""))
            lines.append(_row(row))
        lines.append("")
    return lines


def render(m: Matrix) -> str:
    lines = ["# TensorFlow variable-scope conformance", ""]
    lines.append("%d cases, %d TF versions, devices: %s." % (
        len(m.cases), len(m.minors), ", ".join(m.devices) or "none"))
    lines.append("")
    lines += _summary(m)
    problems = ["%s" % text(p) for p in m.problems]
    lines += _listing("Problems reading results", problems, MAX_FAILURES, "see matrix.json")
    lines += _listing("Case files that did not load", [text(e) for e in m.case_errors],
                      MAX_FAILURES, "see matrix.json")
    lines += _failures(m)
    lines += _changes(m)
    lines += _cases(m)
    return "\n".join(lines).rstrip("\n") + "\n"
