"""The pytest plugin: every ``*.yaml`` case under the given paths becomes one item per
(mode, device) cell, e.g. ``cases/reuse/x.yaml::reuse/x[eager-cpu]``.

Follows pytest's "non-python tests" example: ``pytest_collect_file`` -> ``CaseFile`` ->
``CaseItem``. Results are written once, on the controller (never on xdist workers); a cell's
record rides to the controller on the report (``report.conformance``).
"""
from __future__ import annotations

import json
import os
from typing import Optional

import pytest

from . import results
from .case import DEVICES, MODES, Case, CaseCache, load_case
from .errors import CaseError
from .pool import Pool, gpu_absent_reason
from .report_text import format_failure
from .runner import FAILING, Pending, finish_cell, profile_key, start_cell

POOL = pytest.StashKey[Pool]()
SEEN_IDS = pytest.StashKey[dict]()
CASE_CACHE = pytest.StashKey[Optional[CaseCache]]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("conformance", "TF scope conformance cases (*.yaml)")
    group.addoption("--modes", default=None, metavar="LIST",
                    help="comma-separated execution modes to run (default: %s)" % ",".join(MODES))
    group.addoption("--devices", default=None, metavar="LIST",
                    help="comma-separated devices to run (default: %s)" % ",".join(DEVICES))
    group.addoption("--case-root", default=None, metavar="DIR",
                    help="directory case ids are relative to (default: nearest 'cases' "
                         "directory above the file, else the rootdir)")
    group.addoption("--cell-timeout", type=float, default=None, metavar="SECONDS",
                    help="time limit per cell, overriding each case's `timeout` (default 60)")
    group.addoption("--shuffle", type=int, default=None, metavar="SEED",
                    help="run the cells in a random order (seeded); results must not change")
    group.addoption("--conformance-env", default=None, metavar="NAME",
                    help="environment name for the results file (default: "
                         "tf<minor>-py<X.Y>-<device>)")
    group.addoption("--conformance-out", default=None, metavar="PATH",
                    help="results file (default: <rootdir>/reports/raw/<env>.json)")
    group.addoption("--no-conformance-out", action="store_true",
                    help="do not write a results file")
    group.addoption("--no-progress", action="store_true",
                    help="no progress letter per cell (failures and the summary are still "
                         "printed). `python -m conformance full` uses it: it keeps only the "
                         "summary, and tox starts a thread for every piece of output it "
                         "relays (~0.35 CPU-s per environment)")
    group.addoption("--no-case-cache", action="store_true",
                    help="parse and validate every case file, instead of skipping that for "
                         "files unchanged since a run that passed them (kept in "
                         "<rootdir>/.conformance-cache/cases)")
    group.addoption("--no-pipeline", action="store_true",
                    help="send each cell to its executor only when its item runs (default: "
                         "the next cell is sent while the current one runs, so executors "
                         "do not wait for pytest between cells; results are the same)")


def _choice(config, option: str, allowed) -> tuple:
    raw = config.getoption(option)
    if raw is None:
        return tuple(allowed)
    chosen = tuple(x.strip() for x in raw.split(",") if x.strip())
    bad = [x for x in chosen if x not in allowed]
    if bad or not chosen:
        raise pytest.UsageError("--%s: expected a comma-separated subset of %s, got %r"
                                % (option, ",".join(allowed), raw))
    return chosen


def pytest_configure(config) -> None:
    config.stash[POOL] = Pool()
    config.stash[SEEN_IDS] = {}
    config.stash[CASE_CACHE] = None if config.getoption("no_case_cache") else CaseCache(
        os.path.join(str(config.rootpath), ".conformance-cache", "cases"))
    config._conformance_modes = _choice(config, "modes", MODES)
    config._conformance_devices = _choice(config, "devices", DEVICES)
    if not hasattr(config, "workerinput") and not config.getoption("no_conformance_out"):
        config.pluginmanager.register(ResultsPlugin(config), "conformance-results")


def pytest_unconfigure(config) -> None:
    pool = config.stash.get(POOL, None)
    if pool is not None:
        pool.close()


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".yaml":
        return CaseFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session, config, items) -> None:
    seed = config.getoption("shuffle")
    if seed is not None:
        import random

        random.Random(seed).shuffle(items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session) -> None:
    """Start every executor process the session's cells need before the first cell (see
    Pool.start), so that their TF imports overlap the first cells instead of queueing
    behind them. Not on xdist workers, which get an unknown share of the cells and start
    what they need lazily."""
    config = session.config
    if config.option.collectonly or hasattr(config, "workerinput"):
        return
    no_gpu = gpu_absent_reason()
    keys = {}  # in order of first use
    for item in session.items:
        if isinstance(item, CaseItem) and not (item.device == "gpu" and no_gpu):
            keys.setdefault(profile_key(item.case, item.mode, item.device))
    config.stash[POOL].start(keys)


def _case_root(config, path) -> str:
    explicit = config.getoption("case_root")
    if explicit:
        return os.path.abspath(explicit)
    for parent in path.parents:
        if parent.name == "cases":
            return str(parent)
    return str(config.rootpath)


class CaseFile(pytest.File):
    def collect(self):
        config = self.config
        display = os.path.relpath(str(self.path), str(config.invocation_params.dir))
        if display.startswith(".."):
            display = str(self.path)
        try:
            case = load_case(str(self.path), _case_root(config, self.path), display=display,
                             cache=config.stash[CASE_CACHE])
        except CaseError as exc:
            # A bad case file is an error for that file only: the other cases still run
            # (pytest would otherwise stop before running anything).
            config.option.continue_on_collection_errors = True
            raise self.CollectError(str(exc)) from None
        seen = config.stash[SEEN_IDS]
        other = seen.setdefault(case.id, display)
        if other != display:
            config.option.continue_on_collection_errors = True
            raise self.CollectError("%s: duplicate case id %r (also %s)"
                                    % (display, case.id, other))
        for mode in case.modes:
            if mode not in config._conformance_modes:
                continue
            for device in case.devices:
                if device not in config._conformance_devices:
                    continue
                yield CaseItem.from_parent(self, name="%s[%s-%s]" % (case.id, mode, device),
                                           case=case, mode=mode, device=device)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, self.CollectError):
            return str(excinfo.value.args[0])
        return super().repr_failure(excinfo)


class CellFailed(Exception):
    def __init__(self, record: dict) -> None:
        super().__init__(record["outcome"])
        self.record = record


@pytest.hookimpl(hookwrapper=True)
def pytest_report_teststatus(report, config):
    outcome = yield
    result = outcome.get_result()
    # -v lines stay: they carry the outcome words. (config.option.verbose, not
    # config.get_verbosity(): that is pytest >= 8, and TF <= 2.1 envs run pytest 7.)
    if result and config.getoption("no_progress") and config.option.verbose <= 0:
        category, _letter, word = result
        outcome.force_result((category, "", word))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem) -> None:
    if isinstance(item, CaseItem):
        item.next_item = nextitem  # runtest sends its cell ahead (see CaseItem.runtest)


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, mode: str, device: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.mode = mode
        self.device = device
        self.record: Optional[dict] = None
        self.next_item = None
        self.started = None  # this cell, sent ahead by the item before it (start_cell)

    def _start(self, ahead: bool = False):
        timeout = self.config.getoption("cell_timeout")
        case = self.case
        if timeout is not None:
            case = _with_timeout(case, timeout)
        return start_cell(case, self.mode, self.device, self.config.stash[POOL], ahead=ahead)

    def runtest(self) -> None:
        sent_ahead = isinstance(self.started, Pending)  # not a record finished early (skip)
        started, self.started = self.started or self._start(), None
        # Pipelining: send the next cell now, so that its executor process starts on it
        # as soon as it is free, instead of idling while pytest records this one. Each
        # process still runs its cells one at a time, in item order.
        following = self.next_item
        if (isinstance(following, CaseItem) and following.started is None
                and not self.config.getoption("no_pipeline")):
            following.started = following._start(ahead=True)
        record = finish_cell(started)
        if sent_ahead:
            record["sent_ahead"] = True
        self.record = record
        outcome = record["outcome"]
        if outcome == "skip":
            pytest.skip(record["reason"])
        if outcome == "xfail":
            pytest.xfail(record["reason"])
        if outcome in FAILING:
            raise CellFailed(record)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CellFailed):
            return format_failure(excinfo.value.record)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.line - 1, "%s [%s-%s]" % (self.case.id, self.mode, self.device)


def _with_timeout(case: Case, timeout: float) -> Case:
    import dataclasses

    return dataclasses.replace(case, timeout=timeout)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call" and isinstance(item, CaseItem) and item.record is not None:
        # An xdist worker sends it to the controller as text; the controller itself keeps
        # the dict (encoding and decoding ~1.5 KB per cell cost ~0.08 CPU-s per 962 cells).
        record = item.record
        outcome.get_result().conformance = (
            json.dumps(record) if hasattr(item.config, "workerinput") else record)


class ResultsPlugin:
    """Controller-only: gathers the cell records and writes ``reports/raw/<env>.json``."""

    def __init__(self, config) -> None:
        self.config = config
        self.collector = results.Collector(list(config.invocation_params.args))
        self.written: Optional[str] = None
        self.skipped_write: Optional[str] = None

    def pytest_runtest_logreport(self, report) -> None:
        data = getattr(report, "conformance", None)
        if data and report.when == "call":
            self.collector.add_cell(dict(data) if isinstance(data, dict) else json.loads(data))

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            message = text[-1] if text else "collection failed"
            line = None
            parts = message.split(":")
            if len(parts) > 2 and parts[1].isdigit():
                line = int(parts[1])
            self.collector.add_error(report.nodeid, line, message)

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        # Stop the executor processes first, so that their CPU time is in the results.
        self.config.stash[POOL].close()
        if not self.collector.cells and not self.collector.errors:
            return
        env_name = self.config.getoption("conformance_env") or results.default_env_name(
            self.collector.device())
        path = self.config.getoption("conformance_out") or os.path.join(
            str(self.config.rootpath), "reports", "raw", env_name + ".json")
        interrupted = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR) \
            or bool(session.shouldstop) or bool(session.shouldfail)
        if interrupted:
            # Keep the last complete file; keep what this run saw beside it.
            path += ".partial"
            self.skipped_write = path
        results.write_json(path, self.collector.document(env_name))
        self.written = path

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.written is None:
            return
        counts = results.summary(self.collector.cells)
        shown = ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items()))
        if self.skipped_write:
            terminalreporter.write_line(
                "conformance: run stopped early; earlier results kept, this run's partial "
                "results in %s (%s)" % (self.written, shown or "no cells"))
        else:
            terminalreporter.write_line("conformance: wrote %s (%s)" % (self.written, shown))
