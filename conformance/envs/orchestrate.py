"""The full matrix: build every TF environment it can, run the corpus in each, combine.

Host side. Uses tox (with tox-uv) for the environments and decides what can run here: a
version whose Python is missing becomes an `unavailable` column with the reason, a GPU
environment on a machine without a GPU is not built and becomes `not_run`, a failed
install is `unavailable` with the installer's last words. ``Orchestrator.run`` takes these
steps: plan (what can run), build (one `tox run-parallel --notest` for every env, each
env's run starting as soon as its install is reported), run (each env's `tox run`, forked
longest first, ``scheduler``), report (the matrix).

When the cases include producer/consumer cases (docs/case-format.md), the runs are two
phases over one temporary artifact directory per matrix run (``Artifacts``): first every
CPU environment runs only their produce steps into ``ART/<env>/`` (phase A, as each is
built), then, once every producer has finished, every environment runs as usual with
``--artifacts-from ART``, so each consume cell reads every producer's artifact (phase B).
A producer that could not run leaves ``ART/<env>/status.json`` saying why: its pairs are
skips with that reason.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import UsageError
from ..execution.pool import gpu_absent_reason
from ..results import raw
from ..results.writer import count_outcomes, write_json
from . import discovery, extras, versions
from .artifacts import Artifacts
from .package import package_installed, stamp_package
from .progress import Progress, corpus_cells, pair_cases
from .scheduler import Scheduler

_TOX_DONE = re.compile(r"^(\S+): (OK|FAIL)\b(.*)$")


def project_root() -> str:
    """The project directory: where tox.ini and cases/ live (the current directory)."""
    here = os.getcwd()
    if not os.path.exists(os.path.join(here, "tox.ini")):
        raise UsageError("run from the project directory (the one with tox.ini and cases/)")
    return here


def tox_command() -> List[str]:
    exe = shutil.which("tox")
    if exe is None:
        raise UsageError("tox is not installed: run ./run matrix (it installs tox and tox-uv)")
    return [exe]


def _counts(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
    except (OSError, ValueError, KeyError):
        return "no results file"
    counts = count_outcomes(cells)
    return ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())) or "no cells"


def _previous_duration(path: str) -> float:
    """Seconds the last complete run of this environment took (0 if unknown)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return float(data["env"]["duration"]) if data.get("status") == "complete" else 0.0
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _last_lines(text: str, n: int = 1) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) if lines else "no output"


@dataclass
class Env:
    row: versions.TFVersion
    device: str
    name: str
    out: str  # its raw results file


@dataclass(frozen=True)
class Team:
    """A team's own cases instead of the corpus: their paths (absolute), the directory
    their reports go to, and their packages and import paths (envs.extras)."""
    paths: Tuple[str, ...]
    out: str
    extras: extras.Extras = extras.Extras()


class Orchestrator:
    """One matrix run over ``rows`` (see the module docstring for its steps): the corpus
    into reports/, or a ``team``'s cases into its own directory."""

    def __init__(self, root: str, rows: List[versions.TFVersion], jobs: int,
                 build_jobs: int, team: Optional[Team] = None,
                 devices: Sequence[str] = versions.DEVICES,
                 keep_artifacts: Optional[str] = None) -> None:
        self.root, self.rows, self.jobs, self.build_jobs = root, rows, jobs, build_jobs
        self.team = team
        self.devices = tuple(d for d in versions.DEVICES if d in devices)
        self.tox = tox_command()
        self.raw = os.path.join(team.out if team else os.path.join(root, "reports"), "raw")
        self.progress = Progress()
        self.failed: List[str] = []
        self.timing = {"build": 0.0, "run": 0.0, "produce": 0.0}
        self.env: Dict[str, str] = {}
        paths = self.team.paths if self.team else (os.path.join(root, "cases"),)
        self.pairs = len(pair_cases(paths))  # producer/consumer case files
        self.keep_artifacts = keep_artifacts
        self.artifacts: Optional[Artifacts] = None
        self.failed_builds: set = set()

    def run(self) -> List[Env]:
        """Build and run every environment that can run here; returns those."""
        runnable = self.plan()
        for row in versions.load(optional=True):  # tox configures every env
            discovery.find_any(row.pythons)
        self.env = dict(os.environ,
                        CONFORMANCE_WORKERS=os.environ.get("CONFORMANCE_WORKERS", "0"),
                        **discovery.exported())
        if self.team:  # run without tox: what tox.ini's set_env gives its runs
            self.env.update(PYTHONDONTWRITEBYTECODE="", TF_CPP_MIN_LOG_LEVEL=os.environ.get(
                "TF_CPP_MIN_LOG_LEVEL", "2"))
            # the envs with the team's packages are tox's too (toxfile.py)
            self.env.update(extras.exported(self.packages), CONFORMANCE_EXTRA_ENVS=",".join(
                e.name for e in runnable if versions.parse_env_name(e.name) is None))
        if runnable:
            self.env.update(self.progress.start())
            if self.pairs:
                self.artifacts = Artifacts(self.keep_artifacts)
                for env, why in self.unavailable:  # their pairs: skips saying why
                    if env.device == "cpu":
                        self.artifacts.failed(env, "unavailable", why)
            try:
                self.build_and_run(runnable)
            finally:
                self.progress.stop()
                kept = self.artifacts.close() if self.artifacts else None
                if kept:
                    print(kept, flush=True)
        wall = time.monotonic() - self.progress.started
        print("environments: %d run, %d failed to run; wall %.1fs (install phase %.1fs, "
              "runs %.1fs summed)" % (len(runnable), len(self.failed), wall,
                                      self.timing["build"], self.timing["run"]), flush=True)
        return runnable

    def plan(self) -> List[Env]:
        """Write the placeholder of every env that cannot or need not run; the others,
        longest run first (by the last run's duration, else newest TF first: its imports
        are the slowest), so that the short ones fill the tail."""
        os.makedirs(self.raw, exist_ok=True)
        gpu_reason = gpu_absent_reason()
        runnable = []
        idle: List[Tuple[str, str]] = []
        self.unavailable: List[Tuple[Env, str]] = []
        for row in self.rows:
            for device in self.devices:
                name = extras.env_name(row, device, None, self.packages)
                env = Env(row, device, name, os.path.join(self.raw, row.env_name(device) + ".json"))
                found = discovery.find_any(row.pythons)
                if device == "gpu" and gpu_reason:
                    idle.append((env.name, self._placeholder(env, "not_run", gpu_reason)))
                elif found is None:
                    why = discovery.missing_reason(row.pythons)
                    idle.append((env.name, self._placeholder(env, "unavailable", why)))
                    self.unavailable.append((env, why))
                else:
                    runnable.append(env)
        runnable.reverse()
        runnable.sort(key=lambda e: -_previous_duration(e.out))
        paths = self.team.paths if self.team else [os.path.join(self.root, "cases")]
        counts = [corpus_cells(p) for p in paths]
        # a producer/consumer case's cells are one per producer (every CPU env)
        producers = sum(1 for row in self.rows if "cpu" in self.devices)
        pairs = sum(corpus_cells(f)[1] for f in pair_cases(paths)) * max(0, producers - 1)
        self.progress.plan([e.name for e in runnable], idle, sum(c[0] for c in counts),
                           sum(c[1] for c in counts) + pairs)
        if self.team:
            for row in self.rows:
                for note in extras.for_row(row, self.packages)[1]:
                    self.progress.say("plan", note)
        return runnable

    @property
    def packages(self) -> Tuple[str, ...]:
        return self.team.extras.packages if self.team else ()

    def _placeholder(self, env: Env, status: str, reason: str) -> str:
        """Write the results file of an env that does not run; returns what to say."""
        write_json(env.out, raw.placeholder(env.name, env.row.minor, env.device, status,
                                            reason))
        return "%s: %s" % (status.replace("_", " "), reason)

    def build_and_run(self, runnable: List[Env]) -> None:
        """One tox process installs every env (`-p`): it builds the package wheel once and
        shares it. Each env's run starts as soon as its install is reported."""
        by_name = {e.name: e for e in runnable}
        rank = {name: i for i, name in enumerate(by_name)}
        self.progress.say("build", "installing %d environment%s (%d at a time)" % (
            len(runnable), "s"[:len(runnable) > 1], max(1, self.build_jobs)))
        started = time.monotonic()
        installed = package_installed(self.root, list(by_name))
        builder = subprocess.Popen(
            self.tox + ["run-parallel", "--notest", "-p", str(max(1, self.build_jobs)),
                        "--parallel-no-spinner", "-e", ",".join(by_name)]
            + (["--skip-pkg-install"] if installed else []),
            cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        # Without producer/consumer cases each env runs as soon as it is built; with them,
        # each CPU env first produces (phase A), and the runs wait for every producer.
        first = self.produce_env if self.artifacts else self.run_env
        runners = Scheduler(self.jobs)
        reported = set()
        built: List[Env] = []
        for line in builder.stdout:
            match = _TOX_DONE.match(line.strip())
            if not match or match.group(1) not in by_name or match.group(1) in reported:
                continue
            name = match.group(1)
            reported.add(name)
            if match.group(2) == "OK":
                self.progress.say(name, "built (%s)" % match.group(3).strip(" ()"))
                built.append(by_name[name])
                runners.add(rank[name], first, by_name[name])
            else:
                runners.add(rank[name], self.build_failed, by_name[name])
        builder.stdout.close()
        if builder.wait() == 0 and not installed:
            stamp_package(self.root)
        self.timing["build"] = time.monotonic() - started
        for name in by_name:
            if name not in reported:  # tox died before reporting this env
                runners.add(rank[name], self.build_failed, by_name[name])
        runners.close()
        runners.join()
        if self.artifacts:  # builds and producers overlap: this is both
            self.artifacts.seconds = time.monotonic() - started
            self.consume_phase(built, rank)

    def consume_phase(self, built: List[Env], rank: Dict[str, int]) -> None:
        """Phase B: every env that was built runs, reading every producer's artifact."""
        assert self.artifacts is not None
        files, size = self.artifacts.size()
        limit = self.env.get("CONFORMANCE_ARTIFACT_LIMIT_MB", "50")
        producers = [n for n in os.listdir(self.artifacts.dir)
                     if os.path.isdir(os.path.join(self.artifacts.dir, n))]
        self.progress.say("artifacts", "%d files, %d bytes from %d producers; install and "
                          "produce phase %.1fs, produce runs %.1fs summed (limit %s MB per "
                          "run)" % (files, size, len(producers), self.artifacts.seconds,
                                    self.timing["produce"], limit))
        self.timing.update(artifact_files=files, artifact_bytes=size)
        runners = Scheduler(self.jobs)
        for env in built:
            if env.name not in self.failed_builds:
                runners.add(rank[env.name], self.run_env, env)
        runners.close()
        runners.join()

    def produce_env(self, env: Env) -> None:
        """Phase A for one env: its produce steps, into the run's artifact directory."""
        assert self.artifacts is not None
        if env.device != "cpu":  # an artifact does not depend on the device
            return
        started = time.monotonic()
        out = self.artifacts.of(env)
        proc = subprocess.run(self.command(env) + [
            "--steps", "produce", "--artifacts-out", out,
            "--conformance-out", out + ".produce.json", *self._junit(out + ".produce.xml")],
            cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = proc.stdout.decode("utf-8", "replace")
        took = time.monotonic() - started
        self.timing["produce"] = self.timing.get("produce", 0.0) + took
        if not os.path.exists(out + ".produce.json"):
            why = "its produce run failed (exit %d): %s" % (proc.returncode,
                                                           _last_lines(output, 2))
            self.artifacts.failed(env, "failed", why)
            self.progress.say(env.name, "produce: " + why)
            return
        self.progress.say(env.name, "produced in %.1fs: %s" % (took, _counts(
            out + ".produce.json")))

    def _junit(self, path: str) -> List[str]:
        return ["--junit", path] if self.team else ["--junitxml", path]

    def build_failed(self, env: Env) -> None:
        # Re-run alone to capture why (tox -p only summarises a failure).
        proc = subprocess.run(self.tox + ["run", "-e", env.name, "--notest"], cwd=self.root,
                              env=self.env, capture_output=True, text=True)
        if proc.returncode == 0:  # a passing hiccup: the env is there now
            self.progress.say(env.name, "built (second try)")
            (self.produce_env if self.artifacts else self.run_env)(env)
            return
        why = "install failed: %s" % _last_lines(proc.stdout + proc.stderr, 2)
        self.failed_builds.add(env.name)
        if self.artifacts:
            self.artifacts.failed(env, "unavailable", why)
        self.progress.say(env.name, self._placeholder(env, "unavailable", why), finished=True)

    def run_env(self, env: Env) -> None:
        self.progress.say(env.name, "running")
        started = time.monotonic()
        # --no-progress: only pytest's summary is shown (on failure), and tox would start a
        # thread for each progress letter it relays.
        proc = subprocess.run(self.command(env), cwd=self.root, env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        status, output = proc.returncode, proc.stdout.decode("utf-8", "replace")
        took = time.monotonic() - started
        self.timing["run"] += took
        produced = os.path.exists(env.out) and os.path.getmtime(env.out) >= time.time() - took - 1
        if not produced:
            self.failed.append(env.name)
            self.progress.say(env.name, "FAILED to produce results (exit %d): %s"
                              % (status, _last_lines(output, 3)), finished=True)
            return
        self.progress.say(env.name, "done in %.1fs: %s" % (took, _counts(env.out)),
                          finished=True)


    def command(self, env: Env) -> List[str]:
        """The run of one env: the corpus through tox (tox.ini's commands); a team's cases
        with the env's own Python, its results file in the team's directory."""
        reads = ["--artifacts-from", self.artifacts.dir] if self.artifacts else []
        if not self.team:
            return self.tox + ["run", "-e", env.name, "--skip-pkg-install", "--",
                               "--no-progress"] + reads
        junit = os.path.join(os.path.dirname(self.raw), "junit", env.name + ".xml")
        return ([os.path.join(self.root, ".tox", env.name, "bin", "python"), "-m",
                 "conformance", "run", *self.team.paths, "--devices", env.device,
                 "--env-name", env.name, "--out", env.out, "--junit", junit, "-q",
                 "--no-progress", "-n", self.env.get("CONFORMANCE_WORKERS", "0")]
                + [a for p in self.team.extras.pythonpath for a in ("--pythonpath", p)]
                + reads)


def select_devices(devices: Optional[str]) -> Tuple[str, ...]:
    """The devices --devices names (default: all), in the table's order."""
    if not devices:
        return versions.DEVICES
    wanted = {d.strip() for d in devices.split(",")}
    unknown = wanted - set(versions.DEVICES)
    if unknown or not wanted:
        raise UsageError("--devices: unknown devices %s (known: %s)"
                         % (", ".join(sorted(unknown)), ",".join(versions.DEVICES)))
    return tuple(d for d in versions.DEVICES if d in wanted)


def select_rows(only: Optional[str]) -> List[versions.TFVersion]:
    """The table's rows (without the optional ones), or those --only names (any row)."""
    if not only:
        return versions.load()
    rows = versions.load(optional=True)
    wanted = {v.strip() for v in only.split(",")}
    unknown = wanted - {r.minor for r in rows}
    if unknown:
        raise UsageError("--only: unknown TF versions %s (known: %s)"
                         % (", ".join(sorted(unknown)), ", ".join(r.minor for r in rows)))
    return [r for r in rows if r.minor in wanted]
