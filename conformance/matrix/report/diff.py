"""``python -m conformance diff`` output: text (every cell), Markdown for a pull request
comment (at most MD_LIMIT characters, the rest counted) and JSON (every cell)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from ..diff import FORMAT, FORMAT_VERSION, Diff
from ..groups import KIND_ORDER, Group

MD_LIMIT = 60000          # a GitHub comment holds 65,536 characters
MD_CELLS_PER_GROUP = 20   # cells listed under one group in Markdown; the rest counted
TITLES = {"worse": "Worse", "better": "Better", "semantic": "Semantic changes",
          "wording": "Wording changes (error message text only)",
          "added": "Only in NEW", "removed": "Only in OLD"}


def summary(d: Diff) -> str:
    counts = ", ".join("%d %s" % (d.count(k), k) for k in KIND_ORDER)
    return "%d cells compared: %s" % (d.compared, counts)


def _sides(d: Diff) -> List[str]:
    lines = ["OLD: %s (%d cells, TF %s)" % (d.old.label, len(d.old.cells), _minors(d.old)),
             "NEW: %s (%d cells, TF %s)" % (d.new.label, len(d.new.cells), _minors(d.new))]
    if d.across:
        lines.append("cells matched across TF versions: %s → %s" % d.across)
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
    if not d.groups:
        lines += ["", "no differences"]
    return "\n".join(lines) + "\n"


def _in(g: Group) -> str:
    return " (TF %s)" % ", ".join(g.versions) if g.versions else ""


def to_dict(d: Diff, fail_on: str = "worse") -> Dict[str, Any]:
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "old": {"path": d.old.label, "cells": len(d.old.cells), "tf": d.old.minors,
                "problems": d.old.problems},
        "new": {"path": d.new.label, "cells": len(d.new.cells), "tf": d.new.minors,
                "problems": d.new.problems},
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
