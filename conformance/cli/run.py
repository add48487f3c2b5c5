"""``python -m conformance run``: run cases in this environment (in-environment side).

Its case roots are the nearest folder named ``cases`` above each path given (so that case
ids are what the corpus calls them), else the path itself (a folder) or its folder.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import List, Optional

# The cells' pytest configuration: none of the project's whose cases these are.
PYTEST_INI = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "pytest.ini")
PLUGIN = "conformance.pytest_plugin"


def entry_point_installed() -> bool:
    """Whether the pytest11 entry point of this package is installed (else ``-p``)."""
    if sys.version_info >= (3, 8):
        from importlib import metadata
    else:  # pragma: no cover - Python 3.7 (TF 1.15)
        import importlib_metadata as metadata
    eps = metadata.entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    return any(ep.value == PLUGIN for ep in group)


def case_root(path: str) -> str:
    path = os.path.abspath(path)
    for parent in [path] + [os.path.dirname(path)] + _ancestors(path):
        if os.path.basename(parent) == "cases":
            return parent
    return path if os.path.isdir(path) else os.path.dirname(path)


def project_dir(path: str) -> Optional[str]:
    """The team's project above a case path: the nearest folder with a conformance.toml, or
    a pyproject.toml with a [tool.tf-scope-conformance] table (envs/extras.py reads them on
    the host; both answer alike, tests/host/test_team.py checks it); its modules
    (modeling.py beside cases/) are importable, as under ./run matrix and ./run
    upgrade-check."""
    for parent in [os.path.abspath(path)] + _ancestors(os.path.abspath(path)):
        if os.path.isfile(os.path.join(parent, "conformance.toml")):
            return parent
        try:
            with open(os.path.join(parent, "pyproject.toml"), encoding="utf-8") as f:
                if has_our_table(f.read()):
                    return parent
        except (OSError, UnicodeDecodeError):
            continue
    return None


SECTION = ("tool", "tf-scope-conformance")
_HEADER = re.compile(r"\[\[?([^\[\]]+)\]\]?\s*(#.*)?$")
_KEY = re.compile(r"((?:\"[^\"]*\"|'[^']*'|[\w-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[\w-]+))*)\s*=")
_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([\w-]+)")


def has_our_table(text: str) -> bool:
    """Whether a pyproject.toml has a [tool.tf-scope-conformance] table: read as TOML where
    Python can (3.11+); else (inside a TF 1.15 env) from its table headers and dotted keys,
    so a comment or a string that mentions the table does not count, and a quoted or
    dotted spelling does."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python < 3.11
        tomllib = None
    if tomllib is not None:
        try:
            tool = tomllib.loads(text).get("tool")
        except ValueError:
            return False
        return isinstance(tool, dict) and SECTION[1] in tool
    table: tuple = ()
    for line in text.splitlines():
        line = line.strip()
        header, key = _HEADER.match(line), _KEY.match(line)
        if header:
            table = _parts(header.group(1))
        elif key and (table + _parts(key.group(1)))[:2] == SECTION:
            return True
        if table[:2] == SECTION:
            return True
    return False


def _parts(dotted: str) -> tuple:
    return tuple(next(g for g in m.groups() if g is not None)
                 for m in _PART.finditer(dotted))


def _ancestors(path: str) -> List[str]:
    out = []
    while os.path.dirname(path) != path:
        path = os.path.dirname(path)
        out.append(path)
    return out


def main(argv: List[str]) -> int:
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
                        help="write no results file (for a reproduction)")
    parser.add_argument("--pythonpath", action="append", default=[], metavar="DIR",
                        help="a directory the cases' code can import modules from, after "
                             "each case's root (repeatable)")
    parser.add_argument("--show", action="store_true",
                        help="print what TF observed in every cell, passing ones too")
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
                                      "-W", "ignore::pytest.PytestAssertRewriteWarning",
                                      "-c", PYTEST_INI, "--rootdir", os.getcwd(),
                                      "--noconftest"]
    if not entry_point_installed():
        pytest_args += ["-p", PLUGIN]
    for root in dict.fromkeys(case_root(p) for p in args.paths):
        pytest_args += ["--case-root", root]
    projects = [project_dir(p) for p in args.paths]
    for path in dict.fromkeys([p for p in projects if p] + args.pythonpath):
        pytest_args += ["--conformance-pythonpath", os.path.abspath(path)]
    if args.no_out:
        pytest_args.append("--no-conformance-out")
    if args.show:
        pytest_args.append("--show")
    if args.workers not in ("0", 0):
        pytest_args += ["-n", str(args.workers)]
    for flag, value in (("--modes", args.modes), ("--devices", args.devices),
                        ("--conformance-env", args.env_name), ("--conformance-out", args.out),
                        ("--junitxml", args.junit), ("--cell-timeout", args.timeout),
                        ("-k", args.keyword)):
        if value is not None:
            pytest_args += [flag, str(value)]
    return int(pytest.main(pytest_args + rest))
