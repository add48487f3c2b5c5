"""``python -m conformance full``: build every TF environment, run the corpus in each,
write the matrix (``./run matrix``)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List

from ..envs.orchestrate import Orchestrator, project_root, select_rows
from . import matrix


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance full", description=__doc__)
    parser.add_argument("--only", help="comma-separated TF minors (default: every row of the "
                                       "table)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="environments run at once (default: CPU count)")
    parser.add_argument("--build-jobs", type=int, default=4,
                        help="environments installed at once (default 4; network bound)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if any cell is fail/xpass/error/crash/timeout or an "
                             "environment failed to run")
    parser.add_argument("--no-report", action="store_true", help="skip the matrix step")
    args = parser.parse_args(argv)
    root = project_root()
    run = Orchestrator(root, select_rows(args.only), args.jobs, args.build_jobs)
    run.run()
    status = 0
    if not args.no_report:
        status = matrix.main(["--raw", run.raw, "--out", os.path.join(root, "reports")]
                             + (["--strict"] if args.strict else [])
                             # a partial run (--only) must not rewrite the corpus' findings
                             # nor count as a point of its history
                             + ([] if args.only else
                                ["--findings", os.path.join(root, "docs", "findings.md"),
                                 "--history", os.path.join(root, "reports",
                                                           "history.jsonl")]))
    if run.failed and args.strict:
        print("error: no results from %s" % ", ".join(run.failed), file=sys.stderr)
        status = status or 1
    return status
