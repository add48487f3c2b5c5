"""What the isolation guard costs per cell, part by part, in this process.

Run with an environment's Python (TF installed), from the project root:

    .tox/tf2.21-cpu/bin/python bench/guard_cost.py [--behaviour tf2|v1] [--n 200]

Imports TF under the behaviour, runs one eager op (so lazy state is initialised), then
times ``Guard.check`` and its parts: every module's attributes (``snapshot.Modules``,
with and without CPython's dict version tags), the runner's own code, the rest of the
fingerprint, TF's flags. Prints medians in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def median_ms(fn, n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--behaviour", default="tf2", choices=("tf2", "v1"))
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from conformance.execution import executor, isolation, snapshot

    facts = executor.setup(args.behaviour)
    executor.reset_between_cells("eager")
    executor.tf2.constant(1.0).numpy() if facts["eager"] else None
    guard = isolation.Guard((0, 1, 2), executor.state)
    assert guard.check() is None, guard.check()
    rows = [
        ("Guard.check (all of it)", guard.check),
        ("  every module's attributes", guard.modules.check),
        ("  the runner's own code", lambda: snapshot.harness_changed(guard.harness)),
        ("  the rest of the fingerprint", guard.fingerprint),
        ("  of which TF's flags", executor.state),
    ]
    results = [(name, median_ms(fn, args.n)) for name, fn in rows]
    tags, snapshot._TAG_READER = snapshot._TAG_READER, None
    untagged = snapshot.Modules()
    results.append(("every module, no version tags", median_ms(untagged.check, args.n // 4)))
    snapshot._TAG_READER = tags
    print("TF %s (%s), Python %s, %d modules, n=%d" % (
        facts["tf"], args.behaviour, sys.version.split()[0], len(sys.modules), args.n))
    for name, ms in results:
        print("%-32s median %7.3f ms" % (name, ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
