"""What `./run matrix` prints: the plan up front, idle envs once, cells done per env."""
from __future__ import annotations

import io
import os
import re
import time

from conformance.envs.progress import Progress, corpus_cells

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_corpus_cells_counts_files_times_their_modes(make_project):
    root = make_project({"cases/a/x.yaml": "id: a/x\nmodes: [eager, function]\n",
                         "cases/a/y.yaml": "id: a/y\n",
                         "cases/b/z.yaml": "id: b/z\nvariants:\n  - when: {modes: [v1]}\n"})
    assert corpus_cells(os.path.join(str(root), "cases")) == (3, 2 + 4 + 4)


def test_corpus_cells_of_the_real_corpus_match_the_full_matrix():
    files, cells = corpus_cells(os.path.join(ROOT, "cases"))
    assert cells >= files * 3 and files > 0


def test_plan_says_each_idle_reason_once_and_does_not_count_idle_envs_as_done():
    out = io.StringIO()
    p = Progress(out)
    runnable = ["tf2.%d-cpu" % i for i in range(22)] + ["tf1.15-cpu"]
    idle = [("tf2.%d-gpu" % i, "not run: no GPU visible") for i in range(22)] + [
        ("tf1.15-gpu", "not run: no GPU visible"), ("tf9.9-cpu", "unavailable: no Python")]
    p.plan(runnable, idle, 242, 962)
    p.say("tf2.21-cpu", "running")
    lines = out.getvalue().splitlines()
    assert lines[0] == ("plan: 23 environments to run (tf1.15-cpu, tf2.0-cpu … tf2.21-cpu), "
                        "962 cells each (242 case files): 22126 cells")
    assert lines[1:3] == ["gpu: not run: no GPU visible (23 envs)",
                          "cpu: unavailable: no Python (tf9.9-cpu)"]
    assert re.match(r"\[ +\d+s  0/23\] tf2.21-cpu +running$", lines[3])
    assert len(lines) == len(set(lines)) == 4


def test_heartbeat_reports_cells_per_running_env_from_the_progress_files():
    out = io.StringIO()
    p = Progress(out, interval=0.2)
    p.plan(["tf2.16-cpu", "tf2.15-cpu", "tf2.14-cpu"], [], 242, 962)
    env = p.start()
    try:
        p.say("tf2.16-cpu", "running")
        p.say("tf2.15-cpu", "running")
        with open(os.path.join(env["CONFORMANCE_PROGRESS"], "tf2.16-cpu"), "w") as f:
            f.write("412\n")
        deadline = time.monotonic() + 10
        while "running: " not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        p.stop()
    beat = [ln for ln in out.getvalue().splitlines() if "running: " in ln][0]
    assert beat.endswith("running: tf2.16-cpu 412/962, tf2.15-cpu starting; 1 waiting")
    assert not os.path.exists(env["CONFORMANCE_PROGRESS"])
