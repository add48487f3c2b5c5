"""Shared helpers of the reliability suite (tests/reliability); the fixtures are in conftest.py.

Every run of the plugin here is a separate ``python -m pytest`` process (pytester's
``runpytest_subprocess``) with a wall-clock bound: a hang or a crash of the plugin must
fail one test, not stop the suite. The plugin is opt-in: each run passes ``--case-root``.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
if str(TESTS / "support") not in sys.path:  # casetexts lives in tests/support
    sys.path.insert(0, str(TESTS / "support"))

from casetexts import CAPTURED  # noqa: E402

GOOD_NAME = "good/captured.yaml"  # the good neighbour, relative to the cases dir
GOOD_ID = "good/captured"
GOOD_CELLS = {(GOOD_ID, "v1", "cpu"), (GOOD_ID, "graph", "cpu")}
RUN_BOUND = 120.0  # seconds: no single run of the plugin may take longer, alias bomb included

# Timing fields are dropped before records are compared (they differ run to run).
TIMING_KEYS = ("duration", "seconds", "sent_ahead", "worker_retired", "profile")


class RunTooLong(AssertionError):
    pass


# The plugin loaded by name, whether or not its entry point is installed (and whichever
# version of it is).
PLUGIN_ARGS = ["-p", "no:conformance", "-p", "conformance.pytest_plugin"]


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
    """A cell record without timing fields, its observed record as two runs of the same
    behaviour give it equal (results.normalise.comparable: the temporary directory a case
    made, a checkpoint's say, has another name in every run, alone or not)."""
    from conformance.results import normalise

    out = {k: v for k, v in cell.items() if k not in TIMING_KEYS and not k.endswith("_seconds")}
    if isinstance(out.get("observed"), dict):
        out["observed"] = normalise.comparable(out["observed"])
    return out


def path_pattern(cases_dir: Path, rel: str) -> str:
    """How a problem's path may be printed: relative to the invocation dir (pytester's
    path, the cases dir's parent) or absolute."""
    rel_to_cwd = "%s/%s" % (cases_dir.name, rel)
    return "(?:%s|(?:\\S*/)?%s)" % (re.escape(str(cases_dir / rel)), re.escape(rel_to_cwd))


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


# ------------------------------------------------------------- runs outside pytester


class Run:
    def __init__(self, returncode: int, stdout: str, stderr: str, seconds: float) -> None:
        self.returncode, self.stdout, self.stderr, self.seconds = (returncode, stdout, stderr,
                                                                   seconds)

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def outcomes(self) -> dict:
        """pytest's final counts, e.g. {"passed": 2, "errors": 1}."""
        for line in reversed(self.stdout.splitlines()):
            found = re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", line)
            if found and line.lstrip().startswith("="):
                out = {}
                for n, word in found:
                    out["errors" if word.startswith("error") else word] = int(n)
                return out
        return {}


def pytest_env() -> dict:
    """The environment of a ``python -m pytest`` run of this checkout's plugin."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONDONTWRITEBYTECODE"] = ""
    for name in ("PYTEST_ADDOPTS", "CONFORMANCE_ISOLATION", "PYTEST_CURRENT_TEST",
                 "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "PYTEST_XDIST_WORKER_COUNT"):
        env.pop(name, None)
    return env


def pytest_command(*args) -> list:
    return [sys.executable, "-m", "pytest"] + PLUGIN_ARGS + [str(a) for a in args]


def start_pytest(cwd: Path, *args):
    """Popen of ``python -m pytest ARGS`` in its own session (so that a bound can stop
    it and everything it started)."""
    return subprocess.Popen(pytest_command(*args), cwd=str(cwd), env=pytest_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace", start_new_session=True)


def stop_group(proc) -> None:
    """SIGKILL the process group of a run this suite started (its id is the run's pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_pytest(cwd: Path, *args, bound: float) -> Run:
    started = time.monotonic()
    proc = start_pytest(cwd, *args)
    try:
        out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        out, err = proc.communicate()
        raise RunTooLong("the run took longer than %gs: %s\n%s" % (
            bound, " ".join(map(str, args)), out[-3000:])) from None
    return Run(proc.returncode, out, err, time.monotonic() - started)


def corpus_subset(per_topic: int = 4) -> list:
    """About 40 case files of the real corpus (relative to cases/), spread over every
    topic folder: ``per_topic`` evenly spaced files of each."""
    chosen = []
    cases = ROOT / "cases"
    for topic in sorted(d for d in cases.iterdir() if d.is_dir()):
        files = sorted(str(f.relative_to(cases)) for f in topic.rglob("*.yaml"))
        if not files:
            continue
        step = max(1, len(files) // per_topic)
        chosen += files[::step][:per_topic]
    return chosen


def corpus_all() -> list:
    cases = ROOT / "cases"
    return sorted(str(f.relative_to(cases)) for f in cases.rglob("*.yaml"))


def copy_cases(rel_paths, dest: Path) -> None:
    for rel in rel_paths:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(str(ROOT / "cases" / rel), str(target))


def processes_in(directory) -> list:
    """Processes whose working directory is ``directory``: the ones a run started there
    (the executor processes inherit pytest's), this test's own process excepted."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            if os.readlink("/proc/%s/cwd" % name) != os.path.realpath(str(directory)):
                continue
            with open("/proc/%s/stat" % name) as f:
                if f.read().rsplit(")", 1)[-1].split()[0] == "Z":
                    continue  # a zombie is gone for our purpose
        except OSError:
            continue
        found.append(int(name))
    return found


def reap_leftovers(directory, grace: float = 15.0) -> list:
    """Wait up to ``grace`` seconds for the processes a run started in ``directory`` to
    end; SIGKILL (by pid) and return those that did not."""
    deadline = time.monotonic() + grace
    while processes_in(directory) and time.monotonic() < deadline:
        time.sleep(0.2)
    lingering = processes_in(directory)
    for pid in lingering:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return lingering
