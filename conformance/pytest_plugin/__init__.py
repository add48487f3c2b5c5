"""The pytest plugin: YAML cases under the project's case roots become one item per
(mode, device) cell, e.g. ``cases/reuse/x.yaml::reuse/x[eager-cpu]``.

Opt-in: installed into any environment (entry point ``pytest11``), it collects nothing and
writes nothing unless the project names its case roots, in its pytest configuration
(``conformance_cases = cases``) or on the command line (``--case-root DIR``).

Follows pytest's "non-python tests" example: ``pytest_collect_file`` -> ``CaseFile`` ->
``CaseItem`` (``items``). Results are written once, on the controller, never on xdist
workers (``writer``); a cell's record rides to the controller on the report.
"""
from __future__ import annotations

import argparse
import os
import signal
from typing import List, Optional

import pytest

from ..execution.cell import profile_key
from ..execution.pool import Pool, gpu_absent_reason
from ..vocabulary import DEFAULT_TIMEOUT, DEVICES, MAX_TIMEOUT, MODES
from . import pairs, roots
from .failure_text import show
from .items import (  # noqa: F401 (hooks)
    POOL,
    SEEN,
    BrokenPath,
    CaseFile,
    CaseItem,
    pytest_make_collect_report,
    pytest_runtest_makereport,
    record_of,
)
from .writer import ResultsWriter

__all__ = ["CaseFile", "CaseItem"]

INI_ROOTS = "conformance_cases"
INI_PYTHONPATH = "conformance_pythonpath"


def pytest_addoption(parser) -> None:
    parser.addini(INI_ROOTS, type="linelist", default=[],
                  help="directories of YAML conformance cases (relative to the rootdir); "
                       "the plugin collects nothing unless this or --case-root is set")
    parser.addini(INI_PYTHONPATH, type="linelist", default=[],
                  help="directories a case's code can import modules from (relative to the "
                       "rootdir), after the case root itself")
    group = parser.getgroup("conformance", "TF scope conformance cases (*.yaml)")
    group.addoption("--case-root", action="append", default=None, metavar="DIR",
                    help="a directory of cases to collect (repeatable); case ids are "
                         "relative to it. Turns the plugin on, like the ini option "
                         "%s" % INI_ROOTS)
    group.addoption("--conformance-pythonpath", action="append", default=None,
                    metavar="DIR", help="a directory a case's code can import modules from "
                    "(repeatable), after its case root; adds to the ini option %s"
                    % INI_PYTHONPATH)
    group.addoption("--modes", default=None, metavar="LIST",
                    help="comma-separated execution modes to run (default: %s)" % ",".join(MODES))
    group.addoption("--devices", default=None, metavar="LIST",
                    help="comma-separated devices to run (default: %s)" % ",".join(DEVICES))
    group.addoption("--cell-timeout", type=_seconds, default=None, metavar="SECONDS",
                    help="time limit per cell, overriding each case's `timeout` (default "
                         "%g, at most %g)" % (DEFAULT_TIMEOUT, MAX_TIMEOUT))
    group.addoption("--shuffle", type=int, default=None, metavar="SEED",
                    help="run the cells in a random order (seeded); results must not change")
    group.addoption("--verify", type=int, default=1, metavar="N",
                    help="run each cell N times, the extra runs each in a freshly forked "
                         "worker; a cell whose outcome or observed record differs between "
                         "runs is an error (flaky), its outcomes kept in `runs`")
    group.addoption("--show", action="store_true",
                    help="print what TF observed for every cell, passing ones too")
    group.addoption("--conformance-env", default=None, metavar="NAME",
                    help="environment name for the results file (default: "
                         "tf<minor>-py<X.Y>-<device>)")
    group.addoption("--conformance-out", default=None, metavar="PATH",
                    help="results file (default: <rootdir>/reports/raw/<env>.json). A run "
                         "of a subset merges into it; it never shrinks")
    group.addoption("--no-conformance-out", action="store_true",
                    help="do not write a results file")
    group.addoption("--no-progress", action="store_true",
                    help="no progress letter per cell (failures and the summary are still "
                         "printed). `python -m conformance full` uses it: tox starts a thread "
                         "for every piece of output it relays")
    group.addoption("--no-case-cache", action="store_true",
                    help="no effect, kept for scripts that pass it: the case cache was "
                         "removed (it saved under 1%% of a matrix run)")
    group.addoption("--steps", default=None, metavar="LIST",
                    help="comma-separated steps to run: main (plain cases), produce, "
                         "consume (of producer/consumer cases; docs/checkpoints.md); "
                         "default %s" % ",".join(pairs.DEFAULT_STEPS))
    group.addoption("--artifacts-out", default=None, metavar="DIR",
                    help="produce cells write their artifacts under DIR/<case>/<mode>/")
    group.addoption("--artifacts-from", default=None, metavar="ROOT",
                    help="consume cells read every producer's artifacts, ROOT/<env>/ "
                         "(default: this environment produces for itself first)")
    group.addoption("--no-pipeline", action="store_true",
                    help="send each cell to its executor only when its item runs (default: "
                         "the next cell is sent while the current one runs; results are "
                         "the same)")


def _seconds(text: str) -> float:
    """--cell-timeout: seconds in (0, MAX_TIMEOUT], as a case's `timeout` (nan, inf, 0 or
    -1 would time every cell out at once or never)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError("expected seconds in (0, %g], got %r"
                                          % (MAX_TIMEOUT, text))
    return value


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
    config.stash[roots.ROOTS] = case_roots = roots.configured(config, INI_ROOTS)
    config.stash[roots.PYTHONPATH] = roots.import_paths(config, INI_PYTHONPATH)
    if not case_roots:
        return  # not asked: collect nothing, write nothing
    config.stash[POOL] = Pool()
    config.stash[SEEN] = {}
    config._conformance_modes = _choice(config, "modes", MODES)
    config._conformance_devices = _choice(config, "devices", DEVICES)
    config._conformance_steps = (_choice(config, "steps", pairs.STEPS)
                                 if config.getoption("steps") else pairs.DEFAULT_STEPS)
    if "produce" in config._conformance_steps and not config.getoption("artifacts_out"):
        raise pytest.UsageError("--steps produce needs --artifacts-out DIR")
    if config.getoption("verify") < 1:
        raise pytest.UsageError("--verify: expected a number of runs >= 1, got %d"
                                % config.getoption("verify"))
    if not hasattr(config, "workerinput") and not config.getoption("no_conformance_out"):
        writer = ResultsWriter(config)
        writer.check_writable()
        config.pluginmanager.register(writer, "conformance-results")
        _stop_on_sigterm(config)
    if config.getoption("show") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Show(config), "conformance-show")


class Show:
    """--show: what TF observed in every cell, printed as the cell's report arrives."""

    def __init__(self, config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report) -> None:
        record = record_of(report) if report.when == "call" else None
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if record is not None and reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(show(record))


def _stop_on_sigterm(config) -> None:
    """SIGTERM stops the run as Ctrl-C does, so that what ran is kept (``.partial``)."""
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # someone else's handler
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread
        return
    config.add_cleanup(lambda: signal.signal(signal.SIGTERM, previous))


def _interrupt(signum, frame):
    raise KeyboardInterrupt("SIGTERM")


def pytest_unconfigure(config) -> None:
    pool = config.stash.get(POOL, None)
    if pool is not None:
        pool.close()


def pytest_ignore_collect(collection_path, config) -> Optional[bool]:
    case_roots = config.stash.get(roots.ROOTS, None)
    if case_roots and roots.loops_back(collection_path, case_roots):
        config.stash.setdefault(roots.LOOPS, []).append(str(collection_path))
        return True
    return None


def pytest_collect_file(file_path, parent):
    config = parent.config
    case_roots = config.stash.get(roots.ROOTS, None)
    if not case_roots or file_path.suffix.lower() not in roots.SUFFIXES:
        return None
    root = roots.root_of(file_path, case_roots)
    if root is None or not roots.first_visit(config, file_path):
        return None
    return CaseFile.from_parent(parent, path=file_path, case_root=root)


def pytest_collection_modifyitems(session, config, items) -> None:
    case_roots = config.stash.get(roots.ROOTS, None)
    if not case_roots:
        return
    broken: List[pytest.Item] = []
    for path, why in roots.unreadable(config.args, case_roots, config.stash.get(roots.LOOPS, [])):
        broken.append(BrokenPath.from_parent(session, name=_display(config, path),
                                             path_text=_display(config, path), why=why))
    items[:0] = broken
    seed = config.getoption("shuffle")
    if seed is not None:
        import random

        random.Random(seed).shuffle(items)


def _display(config, path: str) -> str:
    rel = os.path.relpath(path, str(config.invocation_params.dir))
    return path if rel.startswith("..") else rel


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session) -> None:
    """Start every executor process the session's cells need before the first cell (see
    Pool.start), so that their TF imports overlap the first cells instead of queueing
    behind them. Not on an xdist controller (it runs no cells: xdist's own loop runs them
    on workers, which have no ``session.items`` here) nor on workers, which get an unknown
    share of the cells and start what they need lazily."""
    config = session.config
    if (config.option.collectonly or hasattr(config, "workerinput")
            or config.pluginmanager.has_plugin("dsession")
            or POOL not in config.stash):
        return
    no_gpu = gpu_absent_reason()
    keys = {}  # in order of first use
    for item in getattr(session, "items", ()):
        if isinstance(item, CaseItem) and not (item.device == "gpu" and no_gpu):
            # a consume cell with no --artifacts-from runs its produce step first
            for mode, device, step in pairs.steps_of(item):
                keys.setdefault(profile_key(item.case, mode, device, step))
    config.stash[POOL].start(keys)


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
