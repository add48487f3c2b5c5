"""index.html: one static, self-contained page (inline CSS and JS, no network).

The page is ``page.html`` with ``page.js`` (and in it ``page_details.js``) inlined and its
data (``page_data``: not matrix.json, but the same matrix stored once per distinct value)
embedded in a
``<script type="application/json">`` element. The JSON is made inert there by writing
``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` (valid JSON, and no text
from a case can close the element); the script builds every node with ``textContent``.

The page's data (``PAGE_FORMAT``, version ``PAGE_FORMAT_VERSION``)::

    {"format": "conformance-page", "format_version": 1, "vocabulary": {…},
     "minors": ["1.15", …], "devices": ["cpu", "gpu"], "envs": ["tf1.15-cpu", …],
     "columns": [{"key", "tf_minor", "device", "status", "reason", "tf",
                  "env"}],                # index into envs: where its cells usually ran
     "summary": {"<tf_minor>/<device>": {outcome: count}},
     "changes": {"semantic": n, "wording": n},
     "records": [observed record, …],   # each distinct one once, without its timings
     "verdicts": [{"outcome", "reason", "variant", "note", "mismatches", "expect",
                   "repro"}, …],       # distinct; "@ENV@" in repro stands for the env
     "cases": [{"id", "title", "tags", "file", "line", "modes",
                "rows": {"<mode>/<device>": {
                    "cells": [[verdict, record, n], …],  # runs over the minors; -1: none
                    "env": {"<minor index>": env},      # where not the column's env
                    "bands": [[first, last, class, outcome, kind, change, label], …]}}}],
     "problems": […], "case_errors": […]}

Bands are ``behaviour.Band`` (the behaviour view); a cell's behaviour change is the
``change`` of the band that starts at it. Most of the 44,000 cells of a full matrix share
their verdict and observed record with the next TF version, so the page stays near 2 MB
where matrix.json holds ~25 MB; the details panel is built from these tables on demand.

Filters are in the URL hash, applied on load and kept up to date:
``index.html#view=verdict&device=gpu&mode=v1&tag=seed&outcome=fail&q=reuse&case=seed/x&tf=2.16``
``view`` is ``behaviour`` (the default: the versions of each case and mode coloured by
what TF did; the rows that change, ``rows=semantic`` those with a semantic change,
``rows=all`` every row) or ``verdict`` (pass/fail per case and
version); an ``outcome`` other than ``changed`` opens the verdict view when ``view`` is
not given, so older links keep working. ``outcome`` is an outcome name, ``bad`` for any
failure or ``changed``; hidden rows get the ``hidden`` attribute; ``case`` + ``tf`` open
the details panel of that cell.
"""
from __future__ import annotations

import os
from html import escape as html_escape
from typing import Any, Dict, List, Optional

from ... import vocabulary
from ...errors import escape
from ..model import Matrix
from . import behaviour, checkpoints, view
from .json_out import dumps

PAGE_FORMAT = "conformance-page"
# Version of the page's embedded data, bumped when its shape changes:
#   1: first version (the page embedded matrix.json before).
PAGE_FORMAT_VERSION = 1
ENV_MARK = "@ENV@"

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_MARK = "@@DATA@@"
SCRIPT_MARK = "@@SCRIPT@@"


def _read(name: str) -> str:
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def script_json(data: Any) -> str:
    """JSON that is safe as the text of a <script> element."""
    text = dumps(data)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class _Table:
    """Distinct JSON values, each stored once; ``index(value)`` is its position."""

    def __init__(self) -> None:
        self.values: List[Any] = []
        self.seen: Dict[str, int] = {}

    def index(self, value: Any) -> int:
        key = dumps(value)
        if key not in self.seen:
            self.seen[key] = len(self.values)
            self.values.append(value)
        return self.seen[key]


def _record(observed: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The observed record without its timings (they differ in every cell)."""
    if observed is None:
        return None
    return {k: v for k, v in observed.items() if not k.endswith("_seconds")}


def _usual_envs(m: Matrix) -> Dict[str, str]:
    """The environment most cells of each "<tf_minor>/<device>" came from."""
    counts: Dict[str, Dict[str, int]] = {}
    for (_, tf_minor, _, device), cell in m.cells.items():
        if cell.env:
            per = counts.setdefault("%s/%s" % (tf_minor, device), {})
            per[cell.env] = per.get(cell.env, 0) + 1
    return {key: max(sorted(per), key=per.__getitem__) for key, per in counts.items()}


def _row(m: Matrix, case_id: str, mode: str, device: str, tables: Dict[str, _Table],
         usual: Dict[str, str]) -> Dict[str, Any]:
    """One (case, mode, device): cells as runs ``[verdict, record, n]`` over the minors
    (-1: no cell / nothing observed), and ``env`` {minor index: env} where a cell's
    environment is not the usual one of its column."""
    runs: List[List[int]] = []
    envs: Dict[str, int] = {}
    for i, tf_minor in enumerate(m.minors):
        cell = m.cell(case_id, tf_minor, mode, device)
        ref = [-1, -1]
        if cell is not None:
            repro = view.repro(cell)
            if repro and cell.env:
                repro = repro.replace(cell.env, ENV_MARK)
            ref = [tables["verdicts"].index({
                "outcome": cell.outcome, "reason": cell.reason, "variant": cell.variant,
                "note": cell.note, "mismatches": cell.mismatches, "expect": cell.expect,
                "repro": repro}),
                -1 if cell.observed is None else tables["records"].index(_record(cell.observed))]
            if cell.env and cell.env != usual.get("%s/%s" % (tf_minor, device)):
                envs[str(i)] = tables["envs"].index(cell.env)
        if runs and runs[-1][:2] == ref:
            runs[-1][2] += 1
        else:
            runs.append(ref + [1])
    return {"cells": runs, "env": envs}


def page_data(m: Matrix) -> Dict[str, Any]:
    minors, devices = m.minors, m.devices
    tables = {"envs": _Table(), "records": _Table(), "verdicts": _Table()}
    usual = _usual_envs(m)
    changes = behaviour.index_changes(m)
    cases = []
    for case in m.cases:
        rows: Dict[str, Any] = {}
        for device in devices:
            for mode in case.modes:
                row = _row(m, case.id, mode, device, tables, usual)
                if len(row["cells"]) > 1 or row["cells"][0][0] >= 0:
                    row["bands"] = [b.to_json() for b in
                                    behaviour.bands(m, case, mode, device, changes)]
                    rows["%s/%s" % (mode, device)] = row
        cases.append({"id": case.id, "title": case.title, "tags": case.tags,
                      "file": case.file, "line": case.line, "modes": case.modes, "rows": rows})
    wording = sum(1 for c in m.changes if c.kind == "wording")
    return shown({
        "format": PAGE_FORMAT, "format_version": PAGE_FORMAT_VERSION,
        "vocabulary": vocabulary.as_dict(), "minors": minors, "devices": devices,
        "envs": tables["envs"].values,
        "columns": [{"key": c.key, "tf_minor": c.tf_minor, "device": c.device,
                     "status": c.status, "reason": c.reason, "tf": c.tf,
                     "env": tables["envs"].index(usual[c.key]) if c.key in usual else -1}
                    for c in m.columns],
        "summary": view.summary(m),
        "changes": {"semantic": len(m.changes) - wording, "wording": wording},
        "records": tables["records"].values, "verdicts": tables["verdicts"].values,
        "cases": cases, "problems": list(m.problems), "case_errors": list(m.case_errors),
    })


def shown(value: Any) -> Any:
    """``value`` with every string in it (keys too) as the page shows it: control and bidi
    characters escaped visibly (errors.escape: ``\\x1b``, ``\\u202e``), line breaks kept
    for the details panel. Case ids are escaped alike wherever they occur, so the page's
    links and lookups still match."""
    if isinstance(value, str):
        return value if value.isprintable() else escape(value, "\n\t")
    if isinstance(value, dict):
        return {shown(k): shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def render(m: Matrix, data: Optional[Dict[str, Any]] = None) -> str:
    """``data``: page_data(m), when the caller has it already."""
    page = _read("page.html")
    script = _read("page.js").replace("/* @@DETAILS@@ */", _read("page_details.js").strip())
    if "</script" in script.lower():  # would end the inline script early
        raise AssertionError("page.js must not contain '</script'")
    # The data goes in last, so nothing in it can be taken for a placeholder.
    data = page_data(m) if data is None else data
    page = page.replace(CHECKPOINTS_MARK, checkpoint_section(m))
    return page.replace(SCRIPT_MARK, script.rstrip("\n")).replace(DATA_MARK, script_json(data))


CHECKPOINTS_MARK = "@@CHECKPOINTS@@"


def checkpoint_section(m: Matrix) -> str:
    """The producer/consumer grids as static tables (no script needed): a cell per pair,
    coloured as the page colours outcomes, its verdict in its title. Empty without them.
    Every text from a case is escaped: it is data, never markup."""
    lanes = checkpoints.lanes(m)
    if not lanes:
        return ""

    def esc(value: object) -> str:  # "@" too: no text can pass for a placeholder
        return html_escape(escape(str(value)), quote=True).replace("@", "&#64;")

    parts = ['\n<section id="checkpoints"><style>#checkpoints { padding: 8px 16px; } '
             '#checkpoints table.pairs { border-collapse: separate; border-spacing: 2px; } '
             '#checkpoints th { font-size: 11px; font-weight: 400; padding: 0 4px; '
             'text-align: right; } #checkpoints td.cell { cursor: default; } '
             '#checkpoints td[data-kind=restores] { background: var(--pass); } '
             '#checkpoints td[data-kind=raises] { background: var(--fail); } '
             '#checkpoints td[data-kind=differs] { background: var(--xfail); } '
             '#checkpoints td[data-kind=no_artifact] { background: var(--skip); } '
             '#checkpoints td[data-kind=fails] { background: #1f2328; }</style>'
             '<h2>Checkpoints across TF versions</h2>'
             '<p>What TF A wrote (rows: producers), can TF B read (columns: consumers)? '
             'Green: restores; red: raises an error; amber: loads without an error but '
             'not as the case expects of a compatible pair (e.g. silently nothing); grey: '
             'no artifact to read; black with "!": the pair failed its expectation. Hover a '
             'pair for what TF did; checkpoints.md groups them.</p>']
    titles = {c.id: c.title for c in m.cases}
    for (case, mode, device), grid in lanes.items():
        producers = checkpoints.ordered(m, [p for p, _ in grid])
        consumers = checkpoints.ordered(m, [c for _, c in grid])
        parts.append('<h3>%s <small>%s, %s</small></h3><p>%s</p><table class="pairs" '
                     'data-case="%s" data-mode="%s"><thead><tr><th>producer ↓ consumer →'
                     '</th>%s</tr></thead><tbody>' % (
                         esc(case), esc(mode), esc(device), esc(titles.get(case, "")),
                         esc(case), esc(mode),
                         "".join("<th>%s</th>" % esc(c) for c in consumers)))
        for producer in producers:
            row = []
            for consumer in consumers:
                cell = grid.get((producer, consumer))
                if cell is None:
                    row.append('<td class="cell" data-outcome="none"></td>')
                    continue
                kind, what = checkpoints.behaviour(cell)
                row.append('<td class="cell" data-kind="%s" data-outcome="%s" title="TF %s '
                           'wrote, TF %s read: %s">%s</td>' % (
                               kind, esc(cell.outcome), esc(producer), esc(consumer),
                               esc(what), "!" if kind == "fails" else ""))
            parts.append("<tr><th>%s</th>%s</tr>" % (esc(producer), "".join(row)))
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "".join(parts)
