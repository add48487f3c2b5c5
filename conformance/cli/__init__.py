"""Command line: ``python -m conformance COMMAND``, one module per command.

``run`` is the in-environment command (it runs inside every TF environment, Python 3.7
included) and imports nothing from the host side; the others are host commands, imported
only when asked for.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import List, Optional

from ..errors import UsageError

# name -> (module in this package, what it does)
COMMANDS = {
    "run": ("run", "run the cases in this environment"),
    "matrix": ("matrix", "combine reports/raw/*.json into the compatibility matrix"),
    "full": ("full", "build every TF environment, run the corpus in each, write the matrix"),
    "diff": ("diff", "compare two result sets cell by cell (exit 1 if a cell got worse)"),
    "record": ("record", "fill a case's expect and variants from observed results"),
    "envs": ("envs", "list TF environments and whether each can be built here"),
    "coverage": ("api_coverage",
                 "write docs/coverage.md: scope APIs/parameters the corpus exercises"),
    "upgrade-check": ("upgrade_check",
                      "what changes for these cases between two TF versions (runs both)"),
    "ci-matrix": ("ci_matrix", "GitHub Actions: the job matrix, from the version table"),
    "ci-fan-in": ("ci_fan_in", "GitHub Actions: combine the jobs' raw files, summary, diff"),
}


CALLER_DIR = "CONFORMANCE_CALLER_DIR"


def user_path(path: str) -> str:
    """A path the user typed, taken from the directory they typed it in: ``./run`` changes
    into the project and names that directory in CONFORMANCE_CALLER_DIR. Where that is the
    current directory (or unset), the path stays as typed, so messages show it so."""
    path = os.path.expanduser(path)
    caller = os.environ.get(CALLER_DIR)
    if os.path.isabs(path) or not caller or os.path.realpath(caller) == os.getcwd():
        return path
    return os.path.abspath(os.path.join(caller, path))


def _usage(out) -> None:
    print("usage: python -m conformance {%s} [options]\n" % ",".join(COMMANDS), file=out)
    for name, (_, text) in COMMANDS.items():
        print("  %-8s %s" % (name, text), file=out)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        _usage(sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        _usage(sys.stderr)
        print("\nerror: unknown command %r" % argv[0], file=sys.stderr)
        return 2
    module = importlib.import_module("." + COMMANDS[argv[0]][0], __name__)
    try:
        return module.main(argv[1:])
    except SystemExit as exc:  # argparse: --help, or a usage error it has printed
        return exc.code if isinstance(exc.code, int) else 2
    except UsageError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
