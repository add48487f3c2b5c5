"""Wall time of the full matrix against its lower bound L.

    .tools/bin/python bench/matrix_time.py [--cold] [--log FILE] [-- ARGS]

ARGS go to `python -m conformance full` (e.g. --strict).

L = (Σ over environments of the TF imports the design needs at minimum — one per executor
profile the corpus uses (v1, tf2, and one per distinct case `env:`) — + Σ bare cell time)
/ cores, all measured in the same run: import time is what each executor process reported
(`import_cpu_seconds`); bare cell time is the TF work a cell needs: running the case's code
(`observed.code_cpu_seconds`) and computing the values it asks for
(`observed.values_cpu_seconds`: a Session in graph modes; in function mode the values are
computed inside the traced call, so they are already in the code's time). Runner work is
not in it: messages, starting and resetting workers, describing names, comparing, pytest,
tox. All are CPU seconds: wall seconds of an import grow when other processes share the
cores, which would inflate L. Also printed: L without the values (code only), and L from
wall seconds.
--cold removes the tox environments first (the uv download cache stays warm). --log keeps
the orchestrator's output (its per-environment timeline) in FILE.
Prints wall, L, wall / L, the split (install phase; import, cell and all other CPU time),
and the peak memory in use on the machine.
"""
from __future__ import annotations

import glob
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time


def mem_used_mib() -> float:
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":")
            info[key] = int(value.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


def idle_seconds() -> float:
    """Seconds all cores together have spent idle since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    return (int(fields[3]) + int(fields[4])) / os.sysconf("SC_CLK_TCK")  # idle + iowait


def raw_stats(paths):
    """Over the complete raw results files among ``paths``: (environments, cells, TF import
    CPU-s, import wall s, code CPU-s, values CPU-s, bare cells' wall s, pytest CPU-s,
    executors' CPU-s)."""
    imports = cells = values = imports_wall = cells_wall = pytest_cpu = executors_cpu = 0.0
    envs = cell_count = 0
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        if data.get("status") != "complete":
            continue
        envs += 1
        pytest_cpu += data["env"]["cpu_seconds"]["pytest"]
        executors_cpu += data["env"]["cpu_seconds"]["executors"]
        for profile in data["env"]["profiles"].values():
            imports += profile["import_cpu_seconds"]
            imports_wall += profile["import_seconds"]
        for cell in data["cells"]:
            cell_count += 1
            observed = cell.get("observed") or {}
            cells += observed.get("code_cpu_seconds", 0.0)
            values += observed.get("values_cpu_seconds", 0.0)
            cells_wall += observed.get("code_seconds", 0.0) + observed.get("values_seconds", 0.0)
    return (envs, cell_count, imports, imports_wall, cells, values, cells_wall, pytest_cpu,
            executors_cpu)


def main(argv) -> int:
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    cold = "--cold" in own
    log = own[own.index("--log") + 1] if "--log" in own else None
    if cold:
        for env in glob.glob(".tox/tf*"):
            shutil.rmtree(env, ignore_errors=True)
    baseline, peak = mem_used_mib(), [0.0]
    done = threading.Event()
    idle = []  # (seconds since start, idle core-seconds so far)

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], mem_used_mib() - baseline)
            idle.append((time.monotonic() - started, idle_seconds() - idle_start))
            time.sleep(0.5)

    started, idle_start = time.monotonic(), idle_seconds()
    threading.Thread(target=sample, daemon=True).start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "conformance", "full"] + extra,
                          capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    done.set()
    out = proc.stdout
    if log:
        with open(log, "w", encoding="utf-8") as f:
            f.write(out + proc.stderr)
    install = re.search(r"install phase ([\d.]+)s", out)
    envs, cell_count, imports, imports_wall, cells, values, cells_wall, pytest_cpu, \
        executors_cpu = raw_stats(sorted(glob.glob("reports/raw/*.json")))
    cores = os.cpu_count() or 1
    bound = (imports + cells + values) / cores
    bound_code = (imports + cells) / cores
    bound_wall = (imports_wall + cells_wall) / cores
    print("exit %d; %d environments, %d cells, %d cores" % (proc.returncode, envs, cell_count,
                                                          cores))
    print("wall %.1fs   L %.1fs   wall/L %.2f   (%s)" % (wall, bound, wall / bound if bound else
                                                        float("nan"),
                                                        "cold envs" if cold else "warm envs"))
    print("split: install phase %ss | TF imports Σ %.1f CPU-s (%.1f s wall) | bare cells Σ "
          "%.1f CPU-s = code %.1f + values %.1f (%.1f s wall)"
          % (install.group(1) if install else "?", imports, imports_wall, cells + values, cells,
             values, cells_wall))
    print("CPU used Σ %.1f CPU-s = imports + bare cells %.1f + executor processes' own %.1f + "
          "pytest processes %.1f + tox, installs, orchestrator, report %.1f"
          % (cpu, imports + cells + values, executors_cpu - imports - cells - values,
             pytest_cpu, cpu - executors_cpu - pytest_cpu))
    print("CPU utilisation %.0f%% of %d cores x wall" % (100 * cpu / (cores * wall), cores))
    print("L without the values (code only): %.1fs (wall/L %.2f)"
          % (bound_code, wall / bound_code if bound_code else 0))
    print("L from wall seconds instead: %.1fs (wall/L %.2f)" % (bound_wall, wall / bound_wall
                                                                  if bound_wall else 0))
    print("peak memory in use above baseline: %.0f MiB" % peak[0])
    window, marks, last = 20.0, [], 0.0
    for t, spent in idle:  # idle core-seconds per 20-second window of the run
        while t >= window * (len(marks) + 1):
            marks.append(spent - last)
            last = spent
    marks.append(idle[-1][1] - last if idle else 0.0)
    print("idle core-seconds per %.0fs window: %s (total %.1f)"
          % (window, " ".join("%.1f" % m for m in marks), sum(marks)))
    if proc.returncode:
        print(out[-3000:], proc.stderr[-2000:])
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
