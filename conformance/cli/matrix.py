"""``python -m conformance matrix``: combine reports/raw/*.json and write the reports.

    python -m conformance matrix [--raw DIR] [--out DIR] [--strict]

Prints where it wrote files and a summary per TF version and device. Problems (unreadable
or foreign raw files, duplicates, case files that did not load) are one line each on
stderr, never a traceback. ``--strict`` exits 1 when any cell is fail / xpass / error /
crash / timeout (listing at most 50 of them), when a raw file had to be skipped, or
when a case file did not load.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
from typing import Dict, List, Optional

from ..errors import escape
from ..matrix import history
from ..matrix.combine import combine
from ..matrix.model import Matrix
from ..matrix.report import checkpoints, findings, view, write_all
from ..results.files import write_text
from ..vocabulary import ENV_STATUSES
from . import user_path

MAX_LISTED = 50


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m conformance matrix",
        description="Combine per-environment results into matrix.json/.md, index.html, badges.",
    )
    p.add_argument("--raw", default=None,
                   help="directory of <env>.json result files (default: reports/raw)")
    p.add_argument("--out", default=None, help="output directory (default: reports)")
    p.add_argument("--findings", metavar="PATH",
                   help="also write the behaviour changes as Markdown here (docs/findings.md)")
    p.add_argument("--cases", metavar="DIR", default=None,
                   help="the case files, for the findings' section on user reports "
                        "(default: cases, when it exists)")
    p.add_argument("--history", metavar="PATH",
                   help="also append one line for this run to PATH (reports/history.jsonl: "
                        "time, commit, TF versions, counts, changes)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 if any cell failed (fail/xpass/error/crash/timeout) "
                        "or a raw file was skipped")
    return p


def summary_lines(m: Matrix) -> List[str]:
    """Per device, the columns that ran (one line each: "tf 2.16  cpu 962 pass"); columns
    that did not run with the same status and reason share one line, so 23 GPU columns
    without a GPU read "gpu: not run: no GPU visible (23 TF versions)"; then the changes."""
    counts = view.summary(m)
    lines: List[str] = []
    for device in m.devices:
        idle: Dict[str, List[str]] = {}
        for c in (c for c in m.columns if c.device == device):
            if c.status in ENV_STATUSES:
                text = view.LABELS[c.status] + (
                    ": %s" % view.first_line(c.reason) if c.reason else "")
                idle.setdefault(text, []).append(c.tf_minor)
                continue
            count = counts[c.key]
            line = ", ".join("%d %s" % (n, view.LABELS[o]) for o, n in count.items() if n)
            if c.status == "no_env":
                line = "no %s environment; %s" % (c.device, line or "no cells")
            lines.append("tf %-5s %-3s %s" % (c.tf_minor, c.device, line or "no cells"))
        for text, minors in idle.items():
            where = "%d TF versions" % len(minors) if len(minors) > 3 else "TF " + ", ".join(
                minors)
            lines.append("%s: %s (%s)" % (device, text, where))
    if m.grid:
        bad = sum(1 for c in m.grid.values() if c.outcome != "pass")
        lines.append("checkpoint pairs (producer TF x consumer TF): %d, %d pass, %d do not "
                     "(see checkpoints.md)" % (len(m.grid), len(m.grid) - bad, bad))
    if m.changes:
        wording = sum(1 for c in m.changes if c.kind == "wording")
        lines.append("%d behaviour changes across TF versions: %d semantic, %d only in an "
                     "error message's wording (see matrix.md, index.html)"
                     % (len(m.changes), len(m.changes) - wording, wording))
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    # What the user names is relative to where they are; the defaults are the project's.
    for name, default in (("raw", os.path.join("reports", "raw")), ("out", "reports"),
                          ("cases", "cases"), ("findings", None), ("history", None)):
        value = getattr(args, name)
        setattr(args, name, user_path(value) if value is not None else default)
    if not os.path.isdir(args.raw):
        print("matrix: --raw %s: not a directory (expected the folder of <env>.json files)"
              % args.raw, file=sys.stderr)
        return 2
    paths = sorted(glob.glob(os.path.join(args.raw, "*.json")))
    if not paths:
        print("matrix: no *.json result files in %s" % args.raw, file=sys.stderr)
        return 1
    m = combine(paths)
    for problem in m.problems:
        print("problem: %s" % escape(problem), file=sys.stderr)
    for error in m.case_errors:
        print("case file did not load: %s" % escape(error), file=sys.stderr)
    try:
        written = write_all(m, args.out)
        if args.findings:
            cases = args.cases if os.path.isdir(args.cases) else None
            write_text(args.findings, findings.render(m, cases))
            written.append(args.findings)
        if args.history:
            history.append(args.history, history.entry(
                m, history.git_commit(os.path.dirname(os.path.abspath(args.history)))))
    except OSError as exc:
        print("matrix: cannot write to %s: %s" % (exc.filename or args.out, exc.strerror or exc),
              file=sys.stderr)
        return 1
    print("read %d result files; wrote %d files to %s (matrix.json, matrix.md, index.html, "
          "badges/%s)" % (len(paths), len(written), args.out,
                          ", checkpoints.md" if m.grid else ""))
    for line in summary_lines(m):
        print("  " + escape(line))
    if not args.strict:
        return 0
    failed = view.bad_cells(m) + [  # and the pairs between two TF versions
        ((case, "%s>%s" % (producer, consumer), mode, device), cell)
        for (case, mode, device, producer, consumer), cell in checkpoints.strict_failures(m)]
    for (case, tf_minor, mode, device), cell in failed[:MAX_LISTED]:
        reason = view.explain(cell, 100)
        print(escape("%s %s %s/%s/%s%s" % (cell.outcome.upper(), case, tf_minor, mode, device,
                                           ": " + reason if reason else "")))
    if len(failed) > MAX_LISTED:
        print("... and %d more" % (len(failed) - MAX_LISTED))
    if failed or m.problems or m.case_errors:
        print("strict: %d failed cells, %d problems, %d case files not loaded"
              % (len(failed), len(m.problems), len(m.case_errors)), file=sys.stderr)
        return 1
    return 0
