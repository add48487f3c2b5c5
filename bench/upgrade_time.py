"""Wall time of `upgrade-check` against its lower bound L, with both environments built.

    .tools/bin/python bench/upgrade_time.py [--runs N] -- UPGRADE-CHECK ARGS

e.g. `-- --from 2.15 --to 2.16` or `-- --keras 3.13.2 3.15.1 --tf 2.21`. Each run keeps
the two raw files (--keep) and L is computed from them as bench/matrix_time.py does for
the matrix: (the two environments' TF imports + their bare cells, CPU seconds) / cores.
Prints each run's wall, L and wall / L, and what else the CPU went to.
"""
from __future__ import annotations

import glob
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matrix_time import raw_stats


def one_run(args) -> tuple:
    keep = tempfile.mkdtemp(prefix="upgrade-bench-")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "conformance", "upgrade-check", *args,
                           "--keep", keep], capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode not in (0, 1):
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit("upgrade-check exited %d" % proc.returncode)
    envs, cells, imports, _, code, values, _, pytest_cpu, executors = raw_stats(
        sorted(glob.glob(os.path.join(keep, "*.json"))))
    assert envs == 2, "expected two complete raw files in %s" % keep
    bound = (imports + code + values) / (os.cpu_count() or 1)
    if bound <= 0:
        raise SystemExit("the raw files in %s carry no timings" % keep)
    summary = [line for line in proc.stdout.splitlines() if "cells compared" in line]
    print("exit %d; %d cells; wall %.1fs   L %.1fs   wall/L %.2f" % (
        proc.returncode, cells, wall, bound, wall / bound))
    print("  CPU Σ %.1f = TF imports %.1f + bare cells %.1f + executors' own %.1f + pytest "
          "%.1f + the rest (upgrade-check, diff) %.1f; %s" % (
              cpu, imports, code + values, executors - imports - code - values, pytest_cpu,
              cpu - executors - pytest_cpu, summary[0] if summary else ""))
    return wall, bound


def main(argv) -> int:
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    runs = int(own[own.index("--runs") + 1]) if "--runs" in own else 3
    # untimed: build the envs (or install this checkout's package) so every run is warm
    subprocess.run([sys.executable, "-m", "conformance", "upgrade-check", *args,
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cases",
                                 "seed")], capture_output=True)
    ratios = [wall / bound for wall, bound in (one_run(args) for _ in range(runs))]
    print("wall/L over %d runs: %s (median %.2f)" % (
        runs, " ".join("%.2f" % r for r in ratios), sorted(ratios)[len(ratios) // 2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
