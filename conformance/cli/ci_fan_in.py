"""``python -m conformance ci-fan-in``: the one job of a GitHub workflow that combines the
environments' raw files (downloaded artifacts) into the matrix.

    python -m conformance ci-fan-in --raw DIR --out DIR [--plan JSON] [--baseline URL|PATH]
        [--history URL|PATH] [--fail-on failed|worse|semantic|changed|none]
        [--summary PATH] [--diff-out PATH]

1. Every environment of the plan (``ci-matrix``'s ``plan`` output) without a raw file gets
   a placeholder: an idle one its status ("not run: no GPU visible" where no GPU runner
   is configured), a job's that uploaded nothing "unavailable" (and the run fails).
2. The reports, by the same code as ``./run report`` (``python -m conformance matrix``):
   so OUT holds what ``./run report`` writes from the same raw files. ``--history``: the
   last published history.jsonl, to which this run's line is appended (a full run).
3. matrix.md goes to the job summary (``--summary``, default $GITHUB_STEP_SUMMARY).
4. ``--baseline``: the diff against that matrix.json (or raw directory), for the cells
   this run ran, as Markdown for one pull request comment (``--diff-out``) and the summary.
   A baseline that cannot be read is said in the summary; it fails nothing.

Exit status 1 when ``--fail-on`` says so: ``failed`` (default) when a cell is fail /
xpass / error / crash / timeout; ``worse``, ``semantic``, ``changed`` by the diff against
the baseline (as ``./run diff --fail-on``; without a baseline, as ``failed``); ``none``
never. A job that uploaded no results fails every mode but ``none``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from typing import Dict, List, Optional

from ..errors import UsageError
from ..matrix import diff
from ..matrix.report import diff as render
from ..results import raw
from ..results.writer import write_json
from . import matrix

FAIL_ON = ("failed", "worse", "semantic", "changed", "none")
COMMENT_MARKER = "<!-- tf-scope-conformance: pull request diff -->"
NO_RESULTS = "the job of this environment uploaded no results (see its log)"


def fill_placeholders(raw_dir: str, plan: Dict) -> List[str]:
    """Writes a placeholder for each planned environment without a raw file; returns the
    jobs that should have uploaded one and did not."""
    if plan.get("version") != 1:
        raise UsageError("--plan: format version %r, expected 1 (from ci-matrix)"
                         % plan.get("version"))
    os.makedirs(raw_dir, exist_ok=True)
    missing = []
    for env in plan.get("idle", []):
        path = os.path.join(raw_dir, env["env"] + ".json")
        if not os.path.exists(path):
            write_json(path, raw.placeholder(env["env"], env["tf"], env["device"],
                                             env["status"], env["reason"]))
    for name in plan.get("jobs", []):
        path = os.path.join(raw_dir, name + ".json")
        if not os.path.exists(path):
            minor, device = name[2:].rsplit("-", 1)
            write_json(path, raw.placeholder(name, minor, device, "unavailable", NO_RESULTS))
            missing.append(name)
    return missing


def fetch(source: str, dest_dir: str) -> str:
    """A URL is downloaded into ``dest_dir``; a path is returned as it is. OSError /
    ValueError when it cannot be had."""
    if "://" not in source:
        if not os.path.exists(source):
            raise OSError("%s: no such file or directory" % source)
        return source
    target = os.path.join(dest_dir, os.path.basename(source.rstrip("/")) or "download")
    with urllib.request.urlopen(source, timeout=60) as response, \
            open(target, "wb") as f:
        shutil.copyfileobj(response, f)
    return target


def baseline_diff(baseline: str, new_raw: str, tmp: str):
    """The diff against ``baseline`` for the cells of the cases and columns this run has
    (a pull request that ran only its changed cases is not a removal of the others)."""
    old = diff.load(fetch(baseline, tmp))
    new = diff.load(new_raw)
    cases = {k[0] for k in new.cells}
    columns = {(k[1], k[3]) for k in new.cells}
    old.cells = {k: c for k, c in old.cells.items()
                 if k[0] in cases and (k[1], k[3]) in columns}
    return diff.compare(old, new)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance ci-fan-in",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--raw", required=True, help="the downloaded <env>.json files")
    p.add_argument("--out", required=True, help="where the reports go (the Pages site)")
    p.add_argument("--plan", help="ci-matrix's plan output (JSON)")
    p.add_argument("--baseline", help="matrix.json or raw directory to diff against (URL "
                                      "or path)")
    p.add_argument("--history", help="history.jsonl to append this run to (URL or path)")
    p.add_argument("--fail-on", choices=FAIL_ON, default="failed")
    p.add_argument("--summary", default=os.environ.get("GITHUB_STEP_SUMMARY"),
                   help="Markdown summary file (default: $GITHUB_STEP_SUMMARY)")
    p.add_argument("--diff-out", help="write the pull request comment here")
    return p


def _append(path: Optional[str], text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    missing: List[str] = []
    if args.plan:
        try:
            plan = json.loads(args.plan)
        except ValueError as exc:
            raise UsageError("--plan: not JSON: %s" % exc) from None
        missing = fill_placeholders(args.raw, plan)
    for name in missing:
        print("error: %s: %s" % (name, NO_RESULTS), file=sys.stderr)
    report = ["--raw", args.raw, "--out", args.out] + (
        ["--strict"] if args.fail_on != "none" else [])
    with tempfile.TemporaryDirectory() as tmp:
        if args.history:
            history = os.path.join(args.out, "history.jsonl")
            try:
                os.makedirs(args.out, exist_ok=True)
                source = fetch(args.history, tmp)
                if os.path.abspath(source) != os.path.abspath(history):
                    shutil.copyfile(source, history)
            except (OSError, ValueError) as exc:
                print("history: starting a new one (%s: %s)" % (args.history, exc))
            report += ["--history", history]
        failed = matrix.main(report)
        if failed == 2:
            return 2
        with open(os.path.join(args.out, "matrix.md"), encoding="utf-8") as f:
            _append(args.summary, f.read())
        status = failed if args.fail_on == "failed" else 0
        if args.baseline:
            try:
                d = baseline_diff(args.baseline, args.raw, tmp)
            except (OSError, ValueError, UsageError) as exc:
                text = "%s\n### Pull request diff\n\nno baseline to compare with: %s: %s\n" % (
                    COMMENT_MARKER, args.baseline, exc)
                status = failed if args.fail_on in ("worse", "semantic", "changed") else status
            else:
                text = COMMENT_MARKER + "\n" + render.markdown(
                    d, "./run diff BASELINE/matrix.json reports/raw  (baseline: %s)"
                    % args.baseline)
                print(render.summary(d))
                if args.fail_on in ("worse", "semantic", "changed"):
                    status = d.status(args.fail_on)
            _append(args.summary, "\n" + text)
            if args.diff_out:
                with open(args.diff_out, "w", encoding="utf-8") as f:
                    f.write(text)
        elif args.fail_on in ("worse", "semantic", "changed"):
            status = failed
    if missing and args.fail_on != "none":
        status = 1
    return status
