"""Shared helpers of the reliability suite (tests/reliability); the fixtures are in conftest.py.

Every run of the plugin here is a separate ``python -m pytest`` process (pytester's
``runpytest_subprocess``) with a wall-clock bound: a hang or a crash of the plugin must
fail one test, not stop the suite. The plugin is opt-in: each run passes ``--case-root``.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:  # casetexts lives in tests/
    sys.path.insert(0, str(TESTS))

from casetexts import CAPTURED  # noqa: E402

GOOD_NAME = "good/captured.yaml"  # the good neighbour, relative to the cases dir
GOOD_ID = "good/captured"
GOOD_CELLS = {(GOOD_ID, "v1", "cpu"), (GOOD_ID, "graph", "cpu")}
RUN_BOUND = 120.0  # seconds: no single run of the plugin may take longer, alias bomb included

# Timing fields are dropped before records are compared (they differ run to run).
TIMING_KEYS = ("duration", "seconds", "sent_ahead", "worker_retired", "profile")


class RunTooLong(AssertionError):
    pass


def _entry_point() -> bool:
    from conformance.cli import _entry_point_installed

    return _entry_point_installed()


def run_cases(pytester, cases_dir: Path, out_json: Path, *extra, bound: float = RUN_BOUND):
    """Run the plugin over ``cases_dir`` the opt-in way; returns (result, seconds).

    Fails (never hangs) when the run takes longer than ``bound``."""
    args = ["--case-root", str(cases_dir), str(cases_dir), "--conformance-out", str(out_json),
            "-p", "no:cacheprovider", *extra]
    started = time.monotonic()
    try:
        result = pytester.runpytest_subprocess(*args, timeout=bound)
    except pytester.TimeoutExpired:
        raise RunTooLong("the run took longer than %gs (args: %s)" % (bound, args)) from None
    return result, time.monotonic() - started


def write_files(base: Path, files: dict) -> None:
    """{relative path: str | bytes} -> files under ``base`` (parents made)."""
    for rel, content in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def write_good(cases_dir: Path) -> None:
    write_files(cases_dir, {GOOD_NAME: CAPTURED.lstrip("\n")})


def load_results(path: Path) -> dict:
    assert path.exists(), "no results file at %s" % path
    return json.loads(path.read_text(encoding="utf-8"))


def cells_by_key(doc: dict) -> dict:
    return {(c["case"], c["mode"], c["device"]): c for c in doc["cells"]}


def assert_good_cells_pass(result, doc: dict) -> None:
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 2, outcomes
    assert not outcomes.get("failed"), outcomes
    cells = cells_by_key(doc)
    good = {k: c for k, c in cells.items() if k[0] == GOOD_ID}
    assert set(good) == GOOD_CELLS, sorted(cells)
    for key, cell in good.items():
        assert cell["outcome"] == "pass", (key, cell["outcome"], cell.get("reason"))


def comparable(cell: dict) -> dict:
    """A cell record without timing fields (top level and inside ``observed``)."""
    out = {k: v for k, v in cell.items() if k not in TIMING_KEYS and not k.endswith("_seconds")}
    observed = out.get("observed")
    if isinstance(observed, dict):
        out["observed"] = {k: v for k, v in observed.items()
                           if k not in TIMING_KEYS and not k.endswith("_seconds")}
    return out


def path_pattern(cases_dir: Path, rel: str) -> str:
    """How a problem's path may be printed: relative to the invocation dir (pytester's
    path, the cases dir's parent) or absolute."""
    rel_to_cwd = "%s/%s" % (cases_dir.name, rel)
    return "(?:%s|%s)" % (re.escape(str(cases_dir / rel)), re.escape(rel_to_cwd))


def problem_lines(output: str, cases_dir: Path, rel: str) -> list:
    """Distinct output lines that report a problem of ``rel``: ``<path>:<line>: ...``."""
    pat = re.compile(r"^\s*(?:E\s+)?%s:(\d+): (.*)$" % path_pattern(cases_dir, rel))
    seen = []
    for line in output.splitlines():
        m = pat.match(line)
        if m and (int(m.group(1)), m.group(2)) not in seen:
            seen.append((int(m.group(1)), m.group(2)))
    return seen


def full_corpus_requested(config) -> bool:
    return bool(config.getoption("--full-corpus", default=False)) or \
        os.environ.get("CONFORMANCE_FULL_CORPUS") == "1"
