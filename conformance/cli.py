"""Command line: ``python -m conformance {run,matrix,envs,full}``."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from .errors import UsageError


def _entry_point_installed() -> bool:
    if sys.version_info >= (3, 8):
        from importlib import metadata
    else:  # pragma: no cover
        import importlib_metadata as metadata
    eps = metadata.entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    return any(ep.value == "conformance.plugin" for ep in group)


def run_main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance run",
        description="Run the cases with this environment's TensorFlow and write the results "
                    "file (reports/raw/<env>.json). Unknown options go to pytest.")
    parser.add_argument("paths", nargs="*", default=["cases"],
                        help="case files or directories (default: cases)")
    parser.add_argument("--modes", help="comma-separated subset of v1,graph,eager,function")
    parser.add_argument("--devices", help="comma-separated subset of cpu,gpu")
    parser.add_argument("--env-name", help="environment name (default tf<minor>-py<X.Y>-<device>)")
    parser.add_argument("--out", help="results file (default reports/raw/<env>.json)")
    parser.add_argument("--no-out", action="store_true",
                        help="write no results file (a reproduction must not replace the "
                             "environment's complete results)")
    parser.add_argument("--junit", help="also write JUnit XML to this path")
    parser.add_argument("-n", "--workers", default="0",
                        help="pytest-xdist workers: a number or 'auto' (default 0: in-process)")
    parser.add_argument("--timeout", type=float, help="time limit per cell in seconds")
    parser.add_argument("-k", dest="keyword", help="only cells matching this pytest -k expression")
    args, rest = parser.parse_known_args(argv)
    import pytest

    # The CLI itself imported this package before pytest loads it as a plugin: nothing in
    # it needs assertion rewriting, so the "already imported" warning is noise.
    pytest_args = list(args.paths) + ["-p", "no:cacheprovider", "-q", "-rfE",
                                      "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if not _entry_point_installed():
        pytest_args += ["-p", "conformance.plugin"]
    if args.no_out:
        pytest_args.append("--no-conformance-out")
    if args.workers not in ("0", 0):
        pytest_args += ["-n", str(args.workers)]
    for flag, value in (("--modes", args.modes), ("--devices", args.devices),
                        ("--conformance-env", args.env_name), ("--conformance-out", args.out),
                        ("--junitxml", args.junit), ("--cell-timeout", args.timeout),
                        ("-k", args.keyword)):
        if value is not None:
            pytest_args += [flag, str(value)]
    return int(pytest.main(pytest_args + rest))


COMMANDS = {
    "run": ("run the cases in this environment", run_main),
}


def _lazy_commands():
    cmds = dict(COMMANDS)
    try:
        from .matrix_cli import matrix_main

        cmds["matrix"] = ("combine reports/raw/*.json into the compatibility matrix", matrix_main)
    except ImportError:  # pragma: no cover - report side not installed
        pass
    from .coverage import coverage_main
    from .orchestrate import envs_main, full_main

    cmds["coverage"] = ("write docs/coverage.md: scope APIs/parameters the corpus exercises",
                        coverage_main)
    cmds["envs"] = ("list TF environments and whether each can be built here", envs_main)
    cmds["full"] = ("build every TF environment, run the corpus in each, write the matrix",
                    full_main)
    return cmds


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = _lazy_commands() if not argv or argv[0] != "run" else COMMANDS
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in commands:
        out = sys.stdout if argv and argv[0] in ("-h", "--help") else sys.stderr
        print("usage: python -m conformance {%s} [options]\n" % ",".join(commands), file=out)
        for name, (text, _) in commands.items():
            print("  %-8s %s" % (name, text), file=out)
        if argv and argv[0] not in ("-h", "--help"):
            print("\nerror: unknown command %r" % argv[0], file=out)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        return commands[argv[0]][1](argv[1:])
    except UsageError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
