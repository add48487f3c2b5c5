"""``python -m conformance full`` (``./run matrix``): build every TF environment, run the
corpus in each, write the matrix into reports/. With PATHs: run YOUR cases instead, each
TF version's environment with your packages (``--with``, or ``with`` in the cases'
conformance.toml / [tool.tf-scope-conformance]), and write the same reports into --out."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List

from ..envs import extras
from ..envs.orchestrate import Orchestrator, Team, project_root, select_devices, select_rows
from ..envs.upgrade import main_paths
from ..errors import UsageError
from . import matrix, user_path

TEAM_OUT = "conformance-reports"


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance full", description=__doc__)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="your case files or directories, relative to where you are "
                             "(default: the suite's corpus, cases/, into reports/)")
    parser.add_argument("--only", help="comma-separated TF minors (default: every row of the "
                                       "table)")
    parser.add_argument("--devices", help="comma-separated subset of cpu,gpu (default: both; "
                                          "a gpu environment without a GPU is written as "
                                          "not run)")
    parser.add_argument("--out", metavar="DIR",
                        help="with PATHs: the directory the reports go to (default: %s/ "
                             "in the current directory)" % TEAM_OUT)
    parser.add_argument("--with", dest="packages", action="append", default=[],
                        metavar="PKG", help="with PATHs: also install PKG in every TF "
                        "environment, resolved against that TF (repeatable; tf-keras gets "
                        "the release of each TF minor)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="environments run at once (default: CPU count)")
    parser.add_argument("--build-jobs", type=int, default=4,
                        help="environments installed at once (default 4; network bound)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if any cell is fail/xpass/error/crash/timeout or an "
                             "environment failed to run")
    parser.add_argument("--no-report", action="store_true", help="skip the matrix step")
    parser.add_argument("--keep-artifacts", metavar="DIR",
                        help="keep the checkpoints the producer/consumer cases wrote (one "
                             "folder per producer environment) in DIR (default: removed)")
    args = parser.parse_args(argv)
    root = project_root()
    team = None
    if args.paths:
        out = user_path(args.out or TEAM_OUT)
        if os.path.realpath(out) == os.path.realpath(os.path.join(root, "reports")):
            raise UsageError("--out %s is the suite's own reports/: name another directory "
                             "for your cases' reports" % args.out)
        paths = main_paths(args.paths)
        team = Team(tuple(paths), out, extras.load(paths, args.packages))
        if team.extras.packages or team.extras.pythonpath:
            print("matrix: %s" % team.extras.describe(), flush=True)
    elif args.out or args.packages:
        raise UsageError("--out and --with go with your own case PATHs; the corpus runs in "
                         "the table's environments and writes reports/")
    run = Orchestrator(root, select_rows(args.only), args.jobs, args.build_jobs, team,
                       select_devices(args.devices),
                       keep_artifacts=user_path(args.keep_artifacts)
                       if args.keep_artifacts else None)
    run.run()
    status = 0
    if team and not args.no_report:
        status = matrix.main(["--raw", run.raw, "--out", team.out]
                             + (["--strict"] if args.strict else []))
    elif not args.no_report:
        status = matrix.main(["--raw", run.raw, "--out", os.path.join(root, "reports")]
                             + (["--strict"] if args.strict else [])
                             # a partial run (--only, --devices) must not rewrite the
                             # corpus' findings nor count as a point of its history
                             + ([] if args.only or args.devices else
                                ["--findings", os.path.join(root, "docs", "findings.md"),
                                 "--cases", os.path.join(root, "cases"),
                                 "--history", os.path.join(root, "reports",
                                                           "history.jsonl")]))
    if run.failed and args.strict:
        print("error: no results from %s" % ", ".join(run.failed), file=sys.stderr)
        status = status or 1
    return status
