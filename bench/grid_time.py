"""Cost of the checkpoint grid (producer/consumer cases) against its lower bound L.

    .tools/bin/python bench/grid_time.py [CASES] [-- ARGS]

Runs only the producer/consumer cases (CASES, default cases/checkpoint) on every TF
version, as `./run matrix CASES` does (phase A: every producer; phase B: every consumer
against every producer), into a temporary directory, and keeps the artifacts there. ARGS go
to `python -m conformance full` (e.g. --only 1.15,2.15,2.16).

L = Σ over both phases' executor processes of their TF import (`import_cpu_seconds`) +
Σ over produce and consume cells of the TF work the cell needs (`code_cpu_seconds` +
`values_cpu_seconds`), in CPU seconds, measured in the same run. What is not in L is the
runner: pytest, messages, copying each producer's directory for its consumer, workers,
tox. Printed: wall, CPU used (this process's children), L, CPU / L (the goal: at most
1.25) and wall / (L / cores); the artifacts' files and bytes; pairs by outcome.
"""
from __future__ import annotations

import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def stats(paths):
    """(import CPU-s, bare cell CPU-s, cells, outcomes) over complete or partial raw files."""
    imports = bare = 0.0
    cells, outcomes = 0, {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for profile in (data.get("env") or {}).get("profiles", {}).values():
            imports += profile.get("import_cpu_seconds") or 0.0
        for cell in data.get("cells") or []:
            cells += 1
            outcomes[cell["outcome"]] = outcomes.get(cell["outcome"], 0) + 1
            observed = cell.get("observed") or {}
            bare += (observed.get("code_cpu_seconds") or 0.0) + (
                observed.get("values_cpu_seconds") or 0.0)
    return imports, bare, cells, outcomes


def main(argv) -> int:
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    cases = os.path.abspath(own[0] if own else os.path.join("cases", "checkpoint"))
    work = tempfile.mkdtemp(prefix="grid-bench-")
    art = os.path.join(work, "art")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "conformance", "full", cases, "--out", work,
                           "--keep-artifacts", art, "--devices", "cpu"] + extra,
                          capture_output=True, text=True,
                          env=dict(os.environ, CONFORMANCE_CALLER_DIR=os.getcwd()))
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    a_imports, a_bare, a_cells, _ = stats(sorted(glob.glob(os.path.join(art, "*.produce.json"))))
    b_imports, b_bare, b_cells, outcomes = stats(sorted(glob.glob(os.path.join(work, "raw",
                                                                               "*.json"))))
    bound = a_imports + a_bare + b_imports + b_bare
    files = size = 0
    for root, _dirs, names in os.walk(art):
        for name in names if root != art else ():
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    cores = os.cpu_count() or 1
    print("exit %d; results in %s" % (proc.returncode, work))
    print("phase A: %d produce cells, imports %.1f CPU-s, cells %.1f CPU-s"
          % (a_cells, a_imports, a_bare))
    print("phase B: %d consume cells (pairs), imports %.1f CPU-s, cells %.1f CPU-s; pairs: %s"
          % (b_cells, b_imports, b_bare, ", ".join("%d %s" % (n, o) for o, n in
                                                    sorted(outcomes.items()))))
    print("wall %.1fs   CPU %.1f CPU-s   L %.1f CPU-s   CPU/L %.2f   wall/(L/%d cores) %.2f"
          % (wall, cpu, bound, cpu / bound if bound else float("nan"), cores,
             wall * cores / bound if bound else float("nan")))
    print("artifacts: %d files, %d bytes (kept in %s)" % (files, size, art))
    for line in proc.stdout.splitlines():
        if "artifacts" in line or line.startswith("environments:"):
            print("  " + line)
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
