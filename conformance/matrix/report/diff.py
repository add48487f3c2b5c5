"""``python -m conformance diff`` output: text (every cell), Markdown for a pull request
comment (at most MD_LIMIT characters, the rest counted) and JSON (every cell)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from ...case.compare import error_line
from ..diff import FORMAT, FORMAT_VERSION, Diff
from ..groups import KIND_ORDER, Group

MD_LIMIT = 60000          # a GitHub comment holds 65,536 characters
MD_CELLS_PER_GROUP = 20   # cells listed under one group in Markdown; the rest counted
TITLES = {"worse": "Worse", "better": "Better", "semantic": "Semantic changes",
          "wording": "Wording changes (error message text only)",
          "added": "Only in NEW", "removed": "Only in OLD"}


def summary(d: Diff) -> str:
    counts = ", ".join("%d %s" % (d.count(k), k) for k in KIND_ORDER)
    text = "%d cells compared: %s" % (d.compared, counts)
    if d.failing_both:
        text += "; %d failing on both sides" % len(d.failing_both)
    return text


def _sides(d: Diff) -> List[str]:
    lines = ["%s: %s (%d cells, TF %s): %s" % (name, rs.label, len(rs.cells), _minors(rs),
                                             _outcomes(rs))
             for name, rs in (("OLD", d.old), ("NEW", d.new))]
    if d.across:
        lines.append("cells matched across TF versions: %s → %s" % d.across)
    return lines


def _outcomes(rs) -> str:
    return ", ".join("%d %s" % (n, k) for k, n in rs.outcomes().items()) or "no cells"


def why(cell) -> str:
    """Why a failing cell fails, in one line: its error, else the runner's reason, else
    its first mismatch."""
    observed = cell.observed if isinstance(cell.observed, dict) else {}
    error = observed.get("error")
    if isinstance(error, dict) and cell.outcome == "fail" and not cell.mismatches:
        return _short(error_line(error))
    if cell.mismatches and isinstance(cell.mismatches[0], dict):
        return _short(str(cell.mismatches[0].get("message") or ""))
    return _short(str(cell.reason or cell.outcome))


def _short(text: str, limit: int = 100) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _failing_both(d: Diff) -> List[str]:
    """The cells that fail on both sides: not a difference, and not a pass either."""
    if not d.failing_both:
        return []
    lines = ["", "FAILING ON BOTH SIDES — %d cell%s (the same on both sides or not; "
             "why it fails in NEW)" % (len(d.failing_both),
                                             "s"[:len(d.failing_both) > 1])]
    for key, (before, after) in d.failing_both.items():
        lines.append("  %s  %s/%s/%s  %s → %s: %s" % (key + (before, after,
                                                      why(d.new.cells[key]))))
    return lines


def _minors(rs) -> str:
    return ", ".join(rs.minors) or "none"


def _cell(d: Diff, key) -> str:
    case, tf_minor, mode, device = key
    before, after = d.outcomes[key]
    return "%s  %s/%s/%s  %s → %s" % (case, tf_minor, mode, device, before or "-",
                                      after or "-")


def text(d: Diff) -> str:
    lines = _sides(d) + [summary(d)]
    for g in d.groups:
        lines += ["", "%s: %s — %s%s" % (g.kind.upper(), g.label, g.count(), _in(g))]
        lines += ["  " + _cell(d, key) for key in g.cells]
    lines += _failing_both(d)
    if not d.groups:
        lines += ["", "no differences" + (
            " between the two sides, but %d cells fail on both (listed above)"
            % len(d.failing_both) if d.failing_both else "")]
    return "\n".join(lines) + "\n"


def _in(g: Group) -> str:
    return " (TF %s)" % ", ".join(g.versions) if g.versions else ""


def to_dict(d: Diff, fail_on: str = "worse") -> Dict[str, Any]:
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "old": {"path": d.old.label, "cells": len(d.old.cells), "tf": d.old.minors,
                "outcomes": d.old.outcomes(), "problems": d.old.problems},
        "new": {"path": d.new.label, "cells": len(d.new.cells), "tf": d.new.minors,
                "outcomes": d.new.outcomes(), "problems": d.new.problems},
        "failing_both": [{"case": k[0], "tf_minor": k[1], "mode": k[2], "device": k[3],
                          "before": o[0], "after": o[1], "why": why(d.new.cells[k])}
                         for k, o in d.failing_both.items()],
        "across": list(d.across) if d.across else None,
        "compared": d.compared,
        "counts": {k: d.count(k) for k in KIND_ORDER},
        "status": d.status(fail_on), "fail_on": fail_on,
        "groups": [{"kind": g.kind, "detail": g.detail, "label": g.label,
                    "cases": len(g.cases),
                    "cells": [{"case": k[0], "tf_minor": k[1], "mode": k[2], "device": k[3],
                               "before": d.outcomes[k][0], "after": d.outcomes[k][1]}
                              for k in g.cells]}
                   for g in d.groups],
    }


def as_json(d: Diff, fail_on: str = "worse") -> str:
    return json.dumps(to_dict(d, fail_on), indent=1, ensure_ascii=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*<>|])")


def md_escape(value: str) -> str:
    """Text that Markdown shows as it is (``<class 'dict'>`` is not an HTML tag, a
    backtick opens no code span); ``_`` stays: GitHub does not emphasise inside words."""
    return _MD_SPECIAL.sub(r"\\\1", value)


def markdown(d: Diff, full_command: str, limit: int = MD_LIMIT) -> str:
    """A pull request comment: the counts, then the groups, worst first, while they fit in
    ``limit`` characters; what does not fit is counted, with the command that lists it."""
    counts = ", ".join("%d %s" % (d.count(k), k) for k in KIND_ORDER if d.count(k))
    head = ["## Conformance diff: %s" % (counts or "no differences"),
            "", "\n".join("- " + md_escape(s) for s in _sides(d)),
            "- %d cells compared" % d.compared, ""]
    if d.failing_both:
        shown_both = list(d.failing_both.items())[:MD_CELLS_PER_GROUP]
        head += ["### Failing on both sides (%d cells)" % len(d.failing_both), ""]
        head += ["- `%s` %s/%s/%s: %s → %s: %s" % (k + o + (md_escape(why(d.new.cells[k])),))
                 for k, o in shown_both]
        if len(d.failing_both) > len(shown_both):
            head.append("- … and %d more cells" % (len(d.failing_both) - len(shown_both)))
        head.append("")
    body: List[str] = []
    size = sum(len(x) + 1 for x in head) + 600  # room for the overflow note
    kind = None
    shown = 0
    for g in d.groups:
        block = []
        if g.kind != kind:
            block += ["", "### %s (%d cells)" % (TITLES.get(g.kind, g.kind), d.count(g.kind)),
                      ""]
        block.append("- **%s** — %s%s" % (md_escape(g.label), g.count(), md_escape(_in(g))))
        block += ["  - `%s` %s/%s/%s: %s → %s" % (key + tuple(o or "-" for o in d.outcomes[key]))
                  for key in g.cells[:MD_CELLS_PER_GROUP]]
        if len(g.cells) > MD_CELLS_PER_GROUP:
            block.append("  - … and %d more cells" % (len(g.cells) - MD_CELLS_PER_GROUP))
        cost = sum(len(x) + 1 for x in block)
        if size + cost > limit:
            break
        body += block
        size += cost
        kind = g.kind
        shown += 1
    rest = d.groups[shown:]
    truncated = shown < len(d.groups) or any(len(g.cells) > MD_CELLS_PER_GROUP
                                             for g in d.groups)
    if rest:
        left: Dict[str, int] = {}
        for g in rest:
            left[g.kind] = left.get(g.kind, 0) + len(g.cells)
        body += ["", "… and %d more groups not shown (%s)." % (len(rest), ", ".join(
            "%d %s cells" % (n, k) for k, n in left.items()))]
    if truncated:
        body += ["", "Full list: `%s`" % full_command.replace("`", "'")]
    return "\n".join(head + body).rstrip() + "\n"
