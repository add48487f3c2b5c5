"""The results file survives partial runs: a subset run merges into it, --collect-only
leaves it alone, and SIGTERM leaves ``<out>.partial`` beside the untouched complete file."""
from __future__ import annotations

import json
import os
import signal
import time

import pytest
from rhelpers import (
    CAPTURED,
    GOOD_CELLS,
    GOOD_ID,
    RUN_BOUND,
    cells_by_key,
    load_results,
    reap_leftovers,
    run_cases,
    run_pytest,
    start_pytest,
    stop_group,
    write_files,
    write_good,
)

pytestmark = pytest.mark.tf


def test_subset_run_merges_into_the_existing_results_file(conformance_runner):
    p = conformance_runner
    cases = p.path / "cases"
    write_good(cases)
    out = p.path / "out.json"
    first, _ = run_cases(p, cases, out)
    assert first.ret == 0
    before = load_results(out)
    assert before["status"] == "complete" and set(cells_by_key(before)) == GOOD_CELLS

    # The case changes, then only its v1 cell runs again.
    write_files(cases, {"good/captured.yaml": CAPTURED.lstrip("\n").replace(
        "title: Re-entering", "title: RETITLED Re-entering")})
    second, _ = run_cases(p, cases, out, "-k", "v1")
    assert second.parseoutcomes().get("passed") == 1, second.stdout.str()[-2000:]
    after = load_results(out)
    assert after["status"] == "complete"
    cells = cells_by_key(after)
    assert set(cells) == GOOD_CELLS, sorted(cells)  # the graph cell was kept
    assert cells[(GOOD_ID, "v1", "cpu")]["title"].startswith("RETITLED")  # re-run: updated
    assert not cells[(GOOD_ID, "graph", "cpu")]["title"].startswith("RETITLED")  # kept as was
    assert all(c["outcome"] == "pass" for c in cells.values())
    assert not os.path.exists(str(out) + ".partial")


def test_collect_only_does_not_touch_the_results_file(conformance_runner):
    p = conformance_runner
    cases = p.path / "cases"
    write_good(cases)
    out = p.path / "out.json"
    run_cases(p, cases, out)
    data, stat = out.read_bytes(), out.stat()
    listing = sorted(n for n in os.listdir(str(p.path)) if n.startswith("out.json"))
    time.sleep(0.05)  # an mtime change would show
    result, _ = run_cases(p, cases, out, "--collect-only", "-q")
    assert result.ret == 0
    assert out.read_bytes() == data
    assert out.stat().st_mtime_ns == stat.st_mtime_ns
    assert not os.path.exists(str(out) + ".partial")
    # no new file beside it either (.partial, a temp file)
    assert sorted(n for n in os.listdir(str(p.path)) if n.startswith("out.json")) == listing


SLEEPER = """\
title: sleeps long enough to be interrupted
source: tests/reliability
modes: [eager]
devices: [cpu]
timeout: 300
code: |
  import os, time
  with open(%r, "w") as f:
      f.write(str(os.getpid()))
  time.sleep(240)
"""


@pytest.mark.slow  # ~20 s: a run stopped by SIGTERM mid-cell
def test_sigterm_leaves_a_partial_file_and_keeps_the_complete_one(tmp_path):
    cases = tmp_path / "cases"
    write_good(cases)
    out = tmp_path / "out.json"
    base_args = ("--case-root", cases, "--conformance-out", out, "-p", "no:cacheprovider")
    # The whole case root (here: the good case alone), so that the file is complete; a
    # run of cases/good alone would be a subset, written as partial.
    first = run_pytest(tmp_path, cases, *base_args, bound=RUN_BOUND)
    assert first.returncode == 0, first.output[-3000:]
    complete = out.read_bytes()
    assert json.loads(complete)["status"] == "complete"

    marker = tmp_path / "sleeper.pid"
    write_files(cases, {"slow/sleeper.yaml": SLEEPER % str(marker)})
    proc = start_pytest(tmp_path, cases, *base_args)
    lingering = []
    try:
        deadline = time.monotonic() + RUN_BOUND
        while not (marker.exists() and marker.read_text().strip()):
            assert proc.poll() is None, proc.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "the sleeping cell never started"
            time.sleep(0.2)
        assert int(marker.read_text()) > 0
        time.sleep(2)  # the good cells (before it in item order) are recorded by now
        proc.send_signal(signal.SIGTERM)
        try:
            stdout, _ = proc.communicate(timeout=60)
        except Exception:
            raise AssertionError("pytest did not end within 60 s of SIGTERM") from None
    finally:
        if proc.poll() is None:
            stop_group(proc)
            proc.communicate()
        # The executor processes go with pytest: nothing it started lingers. (Whatever
        # does is killed here, by pid: it was started by this test's run.)
        lingering = reap_leftovers(tmp_path)

    assert out.read_bytes() == complete  # the earlier complete file is untouched
    partial_path = tmp_path / "out.json.partial"
    assert partial_path.exists(), stdout[-3000:]
    partial = json.loads(partial_path.read_text())
    assert partial["status"] == "partial"
    got = cells_by_key(partial)
    for key in GOOD_CELLS:
        assert got[key]["outcome"] == "pass", got.get(key)

    assert not lingering, "processes outlived pytest's SIGTERM: %s" % lingering
