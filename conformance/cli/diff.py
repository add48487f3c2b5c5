"""``python -m conformance diff OLD NEW``: every cell whose outcome or observed behaviour
differs between two result sets, grouped (identical before → after once), worst first.

OLD and NEW: a raw results file, a directory of them, or a matrix.json (any format
version). When each holds one TF version and they differ, cells are matched across them
(an upgrade check: ``diff reports/raw/tf2.15-cpu.json reports/raw/tf2.16-cpu.json``).

Exit status: 0 when nothing got worse; 1 when a cell went from pass or xfail to fail,
error, crash, timeout or xpass (``--fail-on semantic``: also any other outcome change or
semantic behaviour change; ``--fail-on changed``: any difference at all; ``--fail-on
failing``: any cell that fails in NEW, changed or not); 2 on a usage error (a path that is
not a result set). The header counts each side's cells by outcome, and cells that fail on
both sides are listed: "no differences" never hides a failure. Exit 2 also when a result
set could not be read in full (a file or a cell of it skipped, said on stderr): its cells
would pass as added or removed.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from typing import List, Optional

from ..errors import UsageError, escape
from ..matrix import diff
from ..matrix.report import diff as render
from . import user_path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance diff",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("old", metavar="OLD", help="raw file, directory of raw files, matrix.json")
    p.add_argument("new", metavar="NEW", help="the same, to compare against OLD")
    p.add_argument("--fail-on", choices=sorted(diff.FAIL_ON), default="worse",
                   help="what makes the exit status 1 (default: worse)")
    p.add_argument("--format", choices=("text", "md", "json"), default="text",
                   help="text: every cell; md: a pull request comment (at most %d "
                        "characters); json: every cell" % render.MD_LIMIT)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    old, new = diff.load(user_path(args.old)), diff.load(user_path(args.new))
    for side in (old, new):
        for problem in side.problems:
            print("problem: %s" % escape(problem), file=sys.stderr)
    if not old.cells and not new.cells:
        raise UsageError("no cells in %s nor in %s" % (args.old, args.new))
    d = diff.compare(old, new)
    if args.format == "json":
        out = render.as_json(d, args.fail_on)
    elif args.format == "md":
        out = render.markdown(d, "python -m conformance diff %s %s" % (
            shlex.quote(args.old), shlex.quote(args.new)))
    else:
        out = render.text(d)
    sys.stdout.write(out if args.format == "json" else escape(out, "\n"))
    status = d.status(args.fail_on)
    if status == 2:
        print("diff: %d problems reading the result sets (above): the comparison is "
              "incomplete, exit status 2" % (len(old.problems) + len(new.problems)),
              file=sys.stderr)
    if args.format != "text":
        print(render.summary(d), file=sys.stderr)
    return status
