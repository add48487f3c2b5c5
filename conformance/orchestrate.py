"""The full matrix in one command: build every TF env it can, run the corpus, combine.

    python -m conformance full [--only 2.16,2.21] [--jobs N] [--strict]
    python -m conformance envs

Host side. Uses tox (with tox-uv) for the environments; decides what can run here:
a version whose Python is missing becomes an `unavailable` column with the reason, a GPU
env on a machine without a GPU is not built and becomes `not_run`, a failed install is
`unavailable` with the installer's last words. Prints progress per environment.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from typing import List

from . import discovery, versions
from .errors import UsageError
from .pool import gpu_absent_reason
from .results import FORMAT, FORMAT_VERSION, summary, write_json
from .toxfork import Launcher


def _root() -> str:
    """The project directory: where tox.ini and cases/ live (the current directory)."""
    here = os.getcwd()
    if not os.path.exists(os.path.join(here, "tox.ini")):
        raise UsageError("run from the project directory (the one with tox.ini and cases/)")
    return here


def _tox() -> List[str]:
    exe = shutil.which("tox")
    if exe is None:
        raise UsageError("tox is not installed: run ./run matrix (it installs tox and tox-uv)")
    return [exe]


_TOX_DONE = re.compile(r"^(\S+): (OK|FAIL)\b(.*)$")


def placeholder(name: str, minor: str, device: str, status: str, reason: str) -> dict:
    """A results file for an environment that could not or need not run."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "status": status,
            "reason": reason, "env": {"name": name, "tf_minor": minor, "tf": None,
                                      "device": device, "profiles": {}},
            "cells": [], "errors": []}


class Progress:
    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def say(self, name: str, text: str, finished: bool = False) -> None:
        with self.lock:
            if finished:
                self.done += 1
            print("[%5.0fs %2d/%d] %-12s %s" % (time.monotonic() - self.started, self.done,
                                                self.total, name, text), flush=True)


def _counts(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
    except (OSError, ValueError, KeyError):
        return "no results file"
    counts = summary(cells)
    return ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())) or "no cells"


def _previous_duration(path: str) -> float:
    """Seconds the last complete run of this environment took (0 if unknown)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return float(data["env"]["duration"]) if data.get("status") == "complete" else 0.0
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


class Scheduler:
    """Runs tasks as they are added, at most `jobs` at once, the highest `rank` first.

    One exception, the tail: when the last task would wait for a slot and then run alone
    while a core idles (an environment's run keeps ~1.2 of 2 cores busy), it starts at once,
    beside the others (`jobs` + 1 at once for that stretch). Only when jobs >= 2: with one
    job, the user asked for one at a time. Call `close()` once every task is added, then
    `join()`; join re-raises the first exception a task raised."""

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self.cond = threading.Condition()
        self.ready: list = []       # (rank, seq, fn, arg)
        self.running = 0
        self.closed = False
        self.threads: list = []
        self.errors: list = []
        self.seq = 0

    def add(self, rank: float, fn, arg) -> None:
        with self.cond:
            self.ready.append((rank, self.seq, fn, arg))
            self.seq += 1
            self._dispatch()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self._dispatch()

    def _limit(self) -> int:
        tail = self.closed and len(self.ready) == 1 and self.jobs >= 2
        return self.jobs + 1 if tail else self.jobs

    def _dispatch(self) -> None:  # with self.cond held
        while self.ready and self.running < self._limit():
            task = min(self.ready, key=lambda t: t[:2])
            self.ready.remove(task)
            self.running += 1
            thread = threading.Thread(target=self._run, args=task[2:], daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, fn, arg) -> None:
        try:
            fn(arg)
        except BaseException as exc:  # re-raised by join()
            self.errors.append(exc)
        finally:
            with self.cond:
                self.running -= 1
                self._dispatch()
                self.cond.notify_all()

    def join(self) -> None:
        with self.cond:
            while self.ready or self.running:
                self.cond.wait()
        for thread in list(self.threads):
            thread.join()
        if self.errors:
            raise self.errors[0]


def _package_files(tree: str) -> dict:
    """{relative path: bytes} of a package directory, without bytecode caches."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, tree)] = f.read()
    return files


def package_installed(root: str, names: List[str]) -> bool:
    """Whether every one of these tox envs already has this checkout's package installed,
    file for file, from a build of the current pyproject.toml and README: then the builder skips
    building the wheel and reinstalling it (--skip-pkg-install), ~2 CPU-s and ~1 s before
    the first run can start. tox still checks and installs each env's dependencies."""
    try:
        source = _package_files(os.path.join(root, "conformance"))
        with open(os.path.join(root, ".tox", PACKAGE_STAMP), "rb") as f:
            if f.read() != _metadata_sources(root):
                return False  # the package was last built from other metadata
        for name in names:
            sites = glob.glob(os.path.join(root, ".tox", name, "lib", "python*", "site-packages"))
            if len(sites) != 1 or _package_files(os.path.join(sites[0], "conformance")) != source:
                return False
    except OSError:
        return False
    return True


def _metadata_sources(root: str) -> bytes:
    """What the wheel's metadata is made from: pyproject.toml and the README it names."""
    parts = []
    for name in ("pyproject.toml", "README.md"):
        with open(os.path.join(root, name), "rb") as f:
            parts.append(f.read())
    return b"\0".join(parts)


def _stamp_package(root: str) -> None:
    """Remember the metadata the envs' package was last built from."""
    with open(os.path.join(root, ".tox", PACKAGE_STAMP), "wb") as f:
        f.write(_metadata_sources(root))


PACKAGE_STAMP = ".conformance-package-built-from"


def _last_lines(text: str, n: int = 1) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) if lines else "no output"


def full_main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance full", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated TF minors (default: every row of the "
                                       "table)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="environments run at once (default: CPU count)")
    parser.add_argument("--build-jobs", type=int, default=4,
                        help="environments installed at once (default 4; network bound)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if any cell is fail/xpass/error/crash/timeout or an "
                             "environment failed to run")
    parser.add_argument("--no-report", action="store_true", help="skip the matrix step")
    args = parser.parse_args(argv)
    root = _root()
    tox = _tox()
    rows = versions.load()
    if args.only:
        wanted = {v.strip() for v in args.only.split(",")}
        unknown = wanted - {r.minor for r in rows}
        if unknown:
            raise UsageError("--only: unknown TF versions %s (known: %s)"
                             % (", ".join(sorted(unknown)), ", ".join(r.minor for r in rows)))
        rows = [r for r in rows if r.minor in wanted]
    raw = os.path.join(root, "reports", "raw")
    os.makedirs(raw, exist_ok=True)
    progress = Progress(2 * len(rows))
    gpu_reason = gpu_absent_reason()
    runnable = []
    for row in rows:
        for device in versions.DEVICES:
            name = row.env_name(device)
            out = os.path.join(raw, name + ".json")
            if device == "gpu" and gpu_reason:
                write_json(out, placeholder(name, row.minor, device, "not_run", gpu_reason))
                progress.say(name, "not run: %s" % gpu_reason, finished=True)
                continue
            found = discovery.find_any(row.pythons)
            if found is None:
                reason = discovery.missing_reason(row.pythons)
                write_json(out, placeholder(name, row.minor, device, "unavailable", reason))
                progress.say(name, "unavailable: %s" % reason, finished=True)
                continue
            runnable.append((row, device, name, out))

    for row in versions.load():  # every row: tox configures all envs, not just these
        discovery.find_any(row.pythons)
    env = dict(os.environ, CONFORMANCE_WORKERS=os.environ.get("CONFORMANCE_WORKERS", "0"),
               **discovery.exported())
    failed_runs: List[str] = []
    timing = {"build": 0.0, "run": 0.0}
    # Each run's `tox run` is forked from a process that imported tox once (toxfork).
    launcher = Launcher(tox, root, env) if runnable else None

    def build_failed(item) -> None:
        row, device, name, out = item
        # Re-run alone to capture why (tox -p only summarises a failure).
        proc = subprocess.run(tox + ["run", "-e", name, "--notest"], cwd=root, env=env,
                              capture_output=True, text=True)
        if proc.returncode == 0:  # a passing hiccup: the env is there now
            progress.say(name, "built (second try)")
            run(item)
            return
        reason = "install failed: %s" % _last_lines(proc.stdout + proc.stderr, 2)
        write_json(out, placeholder(name, row.minor, device, "unavailable", reason))
        progress.say(name, "unavailable: %s" % reason, finished=True)

    def run(item) -> None:
        row, device, name, out = item
        progress.say(name, "running")
        started = time.monotonic()
        # --no-progress: only pytest's summary is shown (on failure), and tox would start a
        # thread for each progress letter it relays.
        status, output = launcher.run(["run", "-e", name, "--skip-pkg-install", "--",
                                       "--no-progress"])
        took = time.monotonic() - started
        timing["run"] += took
        produced = os.path.exists(out) and os.path.getmtime(out) >= time.time() - took - 1
        if not produced:
            failed_runs.append(name)
            progress.say(name, "FAILED to produce results (exit %d): %s"
                         % (status, _last_lines(output, 3)), finished=True)
            return
        progress.say(name, "done in %.1fs: %s" % (took, _counts(out)), finished=True)

    # One tox process installs every env (`-p`): it builds the package wheel once and
    # shares it. Each env can start its run as soon as its install is reported.
    # Longest run first, so that the short ones fill the tail (where a core would idle):
    # by the previous run's duration where there is one, else newest TF first (its
    # imports are the slowest).
    runnable.reverse()
    runnable.sort(key=lambda item: -_previous_duration(item[3]))
    by_name = {item[2]: item for item in runnable}
    rank = {name: i for i, name in enumerate(by_name)}
    if runnable:
        for item in runnable:
            progress.say(item[2], "building (TF %s, %s)" % (item[0].release, item[1]))
        started = time.monotonic()
        installed = package_installed(root, list(by_name))
        builder = subprocess.Popen(
            tox + ["run-parallel", "--notest", "-p", str(max(1, args.build_jobs)),
                   "--parallel-no-spinner", "-e", ",".join(by_name)]
            + (["--skip-pkg-install"] if installed else []),
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        runners = Scheduler(args.jobs)
        reported = set()
        for line in builder.stdout:
            match = _TOX_DONE.match(line.strip())
            if not match or match.group(1) not in by_name or match.group(1) in reported:
                continue
            name = match.group(1)
            reported.add(name)
            if match.group(2) == "OK":
                progress.say(name, "built (%s)" % match.group(3).strip(" ()"))
                runners.add(rank[name], run, by_name[name])
            else:
                runners.add(rank[name], build_failed, by_name[name])
        if builder.wait() == 0 and not installed:
            _stamp_package(root)
        timing["build"] = time.monotonic() - started
        for name in by_name:
            if name not in reported:  # tox died before reporting this env
                runners.add(rank[name], build_failed, by_name[name])
        runners.close()
        try:
            runners.join()
        finally:
            launcher.close()
    wall = time.monotonic() - progress.started
    print("environments: %d run, %d failed to run; wall %.1fs (install phase %.1fs, "
          "runs %.1fs summed)"
          % (len(runnable), len(failed_runs), wall, timing["build"], timing["run"]), flush=True)
    status = 0
    if not args.no_report:
        from .matrix_cli import matrix_main

        status = matrix_main(["--raw", raw, "--out", os.path.join(root, "reports")]
                             + (["--strict"] if args.strict else [])
                             # a partial run (--only) must not rewrite the corpus' findings
                             + ([] if args.only else
                                ["--findings", os.path.join(root, "docs", "findings.md")]))
    if failed_runs and args.strict:
        print("error: no results from %s" % ", ".join(failed_runs), file=sys.stderr)
        status = status or 1
    return status


def envs_main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance envs",
                                     description="List the TF environments and what each "
                                                 "needs and finds on this machine.")
    parser.parse_args(argv)
    gpu_reason = gpu_absent_reason()
    for row in versions.load():
        found = discovery.find_any(row.pythons)
        python = "%s (%s)" % found if found else discovery.missing_reason(row.pythons)
        for device in versions.DEVICES:
            state = ("not run: " + gpu_reason) if device == "gpu" and gpu_reason else python
            print("%-12s %-34s %s" % (row.env_name(device), " ".join(row.requirements(device)),
                                      state))
    return 0
