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
import json
import time
from typing import List

from ..envs import extras, upgrade
from ..envs.orchestrate import project_root
from ..errors import escape
from ..matrix.diff import FAIL_ON
from ..results import normalise
from ..vocabulary import FAILING, GOOD
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
    status = diff.main([old, new, "--format", args.format, "--fail-on", args.fail_on])
    lines, worse, failing = checkpoint_lines(old, new, names)
    if lines and args.format != "json":
        print("\n".join(lines))
    if worse or (failing and args.fail_on == "failing"):
        status = max(status, 1)
    return status


def checkpoint_lines(old: str, new: str, names: List[str]):
    """The producer/consumer pairs across the upgrade: what the old TF wrote, read by the
    old TF (before) and by the new one (after). Lines to print, and the pairs that got
    worse (read before, not after) and that fail after."""
    consumed = {}
    for path, consumer in ((old, names[0]), (new, names[1])):
        try:
            with open(path, encoding="utf-8") as f:
                cells = json.load(f).get("cells") or []
        except (OSError, ValueError, AttributeError):
            continue
        for c in cells:
            if isinstance(c, dict) and c.get("step") == "consume":
                consumed[(c.get("case"), c.get("mode"), c.get("device"), c.get("producer"),
                          consumer)] = c
    lanes = sorted({k[:3] for k in consumed}, key=str)
    if not lanes:
        return [], [], []
    lines = ["", "Checkpoints (producer/consumer cases): written by %s, read by %s before "
             "and by %s after the upgrade" % (names[0], names[0], names[1])]
    worse, failing, ok = [], [], 0
    for lane in lanes:
        before = consumed.get(lane + (names[0], names[0]))
        after = consumed.get(lane + (names[0], names[1]))
        if after is None:
            continue
        if after["outcome"] not in FAILING:
            ok += 1
            continue
        failing.append(lane)
        got_worse = before is not None and before["outcome"] in GOOD
        if got_worse:
            worse.append(lane)
        lines.append(escape("  %s %s %s/%s: read before: %s; after: %s" % (
            "WORSE" if got_worse else "FAILS", lane[0], lane[1], lane[2],
            before["outcome"] if before else "not run", _verdict(after))))
    lines.insert(2, "  %d of %d pairs read after the upgrade; %d got worse"
                 % (ok, ok + len(failing), len(worse)))
    return lines, worse, failing


def _verdict(cell: dict) -> str:
    observed = cell.get("observed") or {}
    error = observed.get("error") if isinstance(observed, dict) else None
    if isinstance(error, dict):
        return "%s — %s: %s" % (cell["outcome"], error.get("type"),
                                normalise.first_line_of(observed) or "")
    mismatches = cell.get("mismatches") or []
    why = mismatches[0].get("message") if mismatches and isinstance(mismatches[0], dict) \
        else cell.get("reason")
    return "%s — %s" % (cell["outcome"], why) if why else str(cell["outcome"])
