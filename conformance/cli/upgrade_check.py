"""``python -m conformance upgrade-check --from 2.15 --to 2.16 [PATH...]`` (also
``./run upgrade-check``): what changes for these cases when TF moves from one version to
another; with ``--keras 3.13.2 3.15.1 [--tf 2.21]``, when Keras 3 does on one TF. Builds
or reuses the two environments, runs the cases in both at once, and prints the diff
(``python -m conformance diff``): the migration note a team would otherwise write by hand.
PATH defaults to the corpus; the point is a team's own cases. Exit codes are the diff's:
0 nothing got worse, 1 a cell got worse (or --fail-on says so), 2 usage error.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from typing import List

from ..envs import extras, upgrade
from ..envs.orchestrate import project_root
from ..matrix.diff import FAIL_ON
from . import diff, user_path


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance upgrade-check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="old", metavar="TF",
                        help="the TF version you are on (a row of the version table: 2.15)")
    parser.add_argument("--to", dest="new", metavar="TF",
                        help="the TF version you are moving to (2.16, or nightly)")
    parser.add_argument("--keras", nargs=2, metavar=("OLD", "NEW"),
                        help="instead: compare two Keras 3 releases (3.13.2 3.15.1) on one TF")
    parser.add_argument("--tf", metavar="TF",
                        help="with --keras: the TF to run them on (default: the newest row)")
    parser.add_argument("paths", nargs="*", help="case files or directories (default: cases)")
    parser.add_argument("--format", choices=("text", "md", "json"), default="text")
    parser.add_argument("--fail-on", choices=sorted(FAIL_ON), default="worse",
                        help="what makes the exit status 1 (default: worse; failing: any "
                             "cell that fails on the new side)")
    parser.add_argument("--with", dest="packages", action="append", default=[],
                        metavar="PKG", help="also install PKG in both environments, "
                        "resolved against each TF (repeatable; adds to `with` in the "
                        "cases' conformance.toml or [tool.tf-scope-conformance])")
    parser.add_argument("--keep", metavar="DIR",
                        help="write the two raw results files here (default: a temp dir)")
    args = parser.parse_args(argv)
    root = project_root()
    sides = upgrade.sides_for(args.old, args.new, args.tf, args.keras)
    paths = upgrade.main_paths(args.paths)
    team = extras.load(paths if args.paths else [], args.packages)
    if team.packages or team.pythonpath:
        upgrade.say("upgrade-check: %s" % team.describe())
        sides = tuple(dataclasses.replace(s, packages=team.packages) for s in sides)
        for side in sides:
            for note in extras.for_row(side.row, team.packages)[1]:
                upgrade.say("upgrade-check: %s" % note)
    started = time.monotonic()
    names = upgrade.prepare(root, sides)
    upgrade.say("upgrade-check: %s ready after %.1fs; running %s in both"
                % (" and ".join(names), time.monotonic() - started, " ".join(args.paths)
                   or "cases"))
    old, new = upgrade.run_both(root, names, paths,
                                workdir=user_path(args.keep) if args.keep else None,
                                pythonpath=team.pythonpath)
    upgrade.say("upgrade-check: ran in %.1fs; %s → %s:" % (
        time.monotonic() - started, sides[0].label, sides[1].label))
    return diff.main([old, new, "--format", args.format, "--fail-on", args.fail_on])
