"""What each speed-up of the matrix run is worth, in CPU seconds over a full matrix.

    .tools/bin/python bench/optimisations.py [--runs 3] [--raw reports/raw]

Run from the project root after a full matrix (it reads reports/raw and the built
environments). Each line: the CPU seconds the work costs per environment (or per matrix)
with and without the optimisation, medians of --runs, and the difference over the 23
environments. Divided by the cores (the matrix keeps both busy) and by a warm matrix's
wall time, that is the share of the matrix the optimisation saves; an optimisation that
saves under 1% does not earn its code.

- toxfork: `tox run -e ENV --skip-pkg-install --notest` as a tox process of its own vs
  forked from a helper that imported tox (conformance.envs.toxfork.Launcher).
- case cache: `pytest --collect-only` over cases/ in the newest environment, with and
  without `--no-case-cache`.
- relay: the executor decoding and re-encoding each worker reply (the byte-splicing relay
  it replaced skipped that), for every cell of the raw files.
- forked page writer: rendering index.html, which a forked child used to do beside the
  other files.
- dumps_lines: writing a raw file with json's C encoder line by line vs indent=1, with the
  oldest environment's Python (3.7, where indent turns the C encoder off).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def child_cpu(cmd, env=None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def median(fn, runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def toxfork(runs: int, env_name: str) -> tuple:
    """CPU of one `tox run` as its own process, and of one forked from the helper: five
    forked runs in one process (the helper imports tox once), less that import."""
    tox = [os.path.join(".tools", "bin", "tox")]
    args = ["run", "-e", env_name, "--skip-pkg-install", "--notest"]
    alone = median(lambda: child_cpu(tox + args), runs)
    five = [sys.executable, "-c",
            "import os; from conformance.envs.toxfork import Launcher; "
            "l = Launcher(%r, os.getcwd(), dict(os.environ)); "
            "[l.run(%r) for _ in range(5)]; l.close()" % (tox, args)]
    imports = [sys.executable, "-c", "import tox.run, tox_uv, virtualenv"]
    per_run = (median(lambda: child_cpu(five), runs) - median(lambda: child_cpu(imports), runs)) / 5
    return alone, per_run


def case_cache(runs: int, python: str) -> tuple:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")
    base = [python, "-m", "pytest", "cases", "--collect-only", "-q", "-p", "no:cacheprovider",
            "--devices", "cpu"]
    child_cpu(base, env)  # fills the cache
    cached = median(lambda: child_cpu(base, env), runs)
    uncached = median(lambda: child_cpu(base + ["--no-case-cache"], env), runs)
    return uncached, cached


def relay(raw_dir: str) -> tuple:
    from conformance.execution import wire

    lines = []
    for path in sorted(glob.glob(os.path.join(raw_dir, "*-cpu.json"))):
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        for i, cell in enumerate(cells):
            lines.append(wire.encode(wire.Reply(i, "ok", cell["observed"], token="x" * 32)))
    start = time.process_time()
    for line in lines:
        reply = wire.decode(line.rstrip(b"\n"))
        reply.token = None
        wire.encode(reply)
    return time.process_time() - start, len(lines)


def page(raw_dir: str) -> float:
    from conformance.matrix.combine import combine
    from conformance.matrix.report import html, json_out

    m = combine(glob.glob(os.path.join(raw_dir, "*.json")))
    data = json_out.to_dict(m)
    start = time.process_time()
    html.render(m, data)
    return time.process_time() - start


DUMPS = r"""
import json, sys, time
doc = json.load(open(sys.argv[1]))
def dumps_lines(data):
    def block(o, c, items):
        return o + "\n" + ",\n".join("  " + i for i in items) + "\n " + c
    out = []
    for k, v in data.items():
        if isinstance(v, list) and v:
            t = block("[", "]", (json.dumps(x) for x in v))
        elif isinstance(v, dict) and v:
            t = block("{", "}", ("%s: %s" % (json.dumps(str(a)), json.dumps(b))
                                 for a, b in v.items()))
        else:
            t = json.dumps(v)
        out.append(" %s: %s" % (json.dumps(str(k)), t))
    return "{\n" + ",\n".join(out) + "\n}"
for name, fn in (("lines", dumps_lines), ("indent", lambda d: json.dumps(d, indent=1))):
    t = time.process_time()
    for _ in range(5):
        fn(doc)
    print(name, (time.process_time() - t) / 5)
"""


def dumps(python: str, raw_file: str) -> tuple:
    out = subprocess.run([python, "-c", DUMPS, raw_file], capture_output=True, text=True).stdout
    got = dict(line.split() for line in out.splitlines())
    return float(got["indent"]), float(got["lines"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--raw", default=os.path.join("reports", "raw"))
    args = parser.parse_args()
    envs = 23
    rows = []
    alone, forked = toxfork(args.runs, "tf2.2-cpu")
    rows.append(("toxfork (per env)", alone, forked, envs))
    newest = sorted(glob.glob(os.path.join(".tox", "tf2.2*-cpu", "bin", "python")))[-1]
    uncached, cached = case_cache(args.runs, newest)
    rows.append(("case cache (per env)", uncached, cached, envs))
    cost, cells = relay(args.raw)
    rows.append(("relay decode+encode (%d cells)" % cells, cost, 0.0, 1))
    rows.append(("index.html render (forked writer hid it)", page(args.raw), 0.0, 1))
    oldest = os.path.join(".tox", "tf1.15-cpu", "bin", "python")
    indent, lines = dumps(oldest, os.path.join(args.raw, "tf1.15-cpu.json"))
    rows.append(("raw file indent=1 vs dumps_lines (per env)", indent, lines, envs))
    print("%-44s %9s %9s %12s" % ("", "without", "with", "saved/matrix"))
    for name, without, with_, times in rows:
        print("%-44s %9.3f %9.3f %12.2f CPU-s" % (name, without, with_, (without - with_) * times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
