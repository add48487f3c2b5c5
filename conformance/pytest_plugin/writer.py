"""Controller-only: gathers the cell records and writes ``reports/raw/<env>.json``.

What a run writes depends on what it ran, so that no run shrinks what is there:
- every case under the case roots, in every mode: the file is replaced (``complete``);
- a subset (-k, -m, a file or folder below a root, fewer modes, ...): its cells are merged
  into the environment's file, which keeps its other cells and its status; with no file
  yet (or one from another TF), it is written as ``partial`` (beside it, ``.partial``);
  a file it cannot merge into (unreadable, a newer format, a field or a cell it does not
  know) is left as it is and the subset's cells go to ``<file>.partial``;
- a run stopped early (Ctrl-C, SIGTERM, -x): ``<file>.partial``, the file untouched;
- a run that ran no cell (--collect-only, a -k that matches nothing): nothing.

The file is never written over something that is not a regular file (--conformance-out
/dev/null or a FIFO is a usage error). A write that fails (a full disk, ``ulimit -f``)
keeps the results in ``$TMPDIR/conformance-<env>-*.json`` and says so in one line; where
that fails too, the line says the results are lost; either way the run's exit status is 1.

With ``CONFORMANCE_PROGRESS=<dir>`` (set by ``./run matrix``), the number of cells recorded
so far is kept in ``<dir>/<env name>`` (every ``PROGRESS_EVERY`` cells and at the end), so
the orchestrator can say how far each environment is.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from typing import Optional

import pytest

from ..errors import ResultsError
from ..results import raw
from ..results.files import not_regular
from ..results.record import key_of
from ..results.writer import Collector, count_outcomes, default_env_name, write_json
from ..vocabulary import MODES
from .items import record_of
from .roots import ROOTS

PROGRESS_EVERY = 10  # cells, or one second, whichever comes first


class ResultsWriter:
    def __init__(self, config) -> None:
        self.config = config
        self.collector = Collector(list(config.invocation_params.args))
        self.written: Optional[str] = None
        self.failed = False  # a write that did not reach its file
        self.note: Optional[str] = None
        self.deselected = 0
        self.progress_at = (0, 0.0)  # (cells, monotonic time) when last reported

    def _progress(self, final: bool = False) -> None:
        """Write the number of cells recorded to $CONFORMANCE_PROGRESS/<env> (atomically)."""
        folder = os.environ.get("CONFORMANCE_PROGRESS")
        n, now = len(self.collector.cells), time.monotonic()
        if not folder or not (final or n - self.progress_at[0] >= PROGRESS_EVERY
                              or now - self.progress_at[1] >= 1.0):
            return
        self.progress_at = (n, now)
        path = os.path.join(folder, self.config.getoption("conformance_env") or "pytest")
        try:
            with open(path + ".tmp", "w") as f:
                f.write("%d\n" % n)
            os.replace(path + ".tmp", path)
        except OSError:
            pass  # progress is a courtesy: never fail a run over it

    # -------------------------------------------------------------- where it goes

    def _path(self, env_name: str) -> str:
        return self.config.getoption("conformance_out") or os.path.join(
            str(self.config.rootpath), "reports", "raw", env_name + ".json")

    def check_writable(self) -> None:
        """An explicit --conformance-out that cannot be written is a usage error now, not
        a traceback after every cell has run."""
        out = self.config.getoption("conformance_out")
        if not out:
            return
        kind = not_regular(out)
        if kind:
            raise pytest.UsageError("--conformance-out %s: not a regular file (%s); give the "
                                    "path of a results file" % (out, kind))
        directory = os.path.dirname(os.path.realpath(out))  # a symlink: where it points
        try:
            os.makedirs(directory, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=directory, prefix=".conformance-probe-")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise pytest.UsageError("--conformance-out %s: cannot write there: %s"
                                    % (out, exc.strerror or exc)) from None

    # -------------------------------------------------------------- gathering

    def pytest_deselected(self, items) -> None:
        self.deselected += len(items)

    def pytest_runtest_logreport(self, report) -> None:
        self._problems(report)  # a path that cannot be read: an error in setup
        if report.when == "call":
            record = record_of(report)
            if record is not None:
                self.collector.add_cell(record)
                self._progress()

    def pytest_collectreport(self, report) -> None:
        self._problems(report)

    def _problems(self, report) -> None:
        data = getattr(report, "conformance_problems", None)
        for problem in json.loads(data) if data else []:
            self.collector.add_error(problem["file"], problem["line"], problem["key"],
                                     problem["message"])

    # -------------------------------------------------------------- writing

    def _whole_run(self, session) -> bool:
        """Whether this run ran everything under the case roots, in every mode."""
        config = self.config
        # On an xdist controller deselection happens on the workers: -k and -m count as a
        # subset whatever they match.
        if self.deselected or config.option.keyword or config.option.markexpr:
            return False
        if tuple(config._conformance_modes) != MODES:
            return False
        if not {"main", "consume"} <= set(config._conformance_steps):  # e.g. --steps produce
            return False
        case_roots = {os.path.abspath(str(r)) for r in config.stash[ROOTS]}
        for arg in config.args:
            path = os.path.abspath(arg.split("::")[0])
            if "::" in arg or not (path in case_roots or any(
                    r.startswith(path.rstrip(os.sep) + os.sep) for r in case_roots)):
                return False
        return True

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        from .items import POOL

        # Stop the executor processes first, so that their CPU time is in the results.
        self.config.stash[POOL].close()
        self._progress(final=True)
        collector = self.collector
        if self.config.option.collectonly or not (collector.cells or collector.errors):
            return
        env_name = self.config.getoption("conformance_env") or default_env_name(
            collector.device())
        path = self._path(env_name)
        stopped = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR) \
            or bool(session.shouldstop) or bool(session.shouldfail)
        if stopped:
            doc = collector.document(env_name, "partial", "the run was stopped early")
            self._write(path + ".partial", doc, "run stopped early; earlier results kept")
        elif self._whole_run(session):
            self._write(path, collector.document(env_name))
        else:
            self._merge(path, env_name)
        if self.failed and session.exitstatus in (pytest.ExitCode.OK,
                                                  pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _merge(self, path: str, env_name: str) -> None:
        mine = self.collector.document(env_name, "partial", "a subset of the cases ran")
        if not os.path.lexists(path):
            self._write(path, mine, "a subset ran: written as partial")
            return
        try:
            base = raw.read(path)
            _mergeable(base)
        except ResultsError as exc:
            # never shrink or rewrite a file this run cannot read whole: keep it as it is
            self._write(path + ".partial", mine, "cannot merge into %s (%s): kept beside it"
                        % (os.path.basename(path), exc))
            return
        same_tf = all(base["env"].get(k) == mine["env"].get(k) for k in ("tf", "python"))
        if not same_tf:
            self._write(path + ".partial", mine, "a subset ran with another TF or Python "
                        "than %s: kept beside it" % os.path.basename(path))
            return
        rerun = {key_of(c) for c in mine["cells"]}
        cells = [c for c in base["cells"] if key_of(c) not in rerun]
        cells = sorted(cells + mine["cells"], key=key_of)
        loaded = {e["file"] for e in mine["errors"]} | {
            c["file"] for c in mine["cells"] if c.get("file")}
        errors = [e for e in base["errors"] if e["file"] not in loaded] + mine["errors"]
        merged = raw.document(dict(base["env"], profiles=dict(
            base["env"].get("profiles") or {}, **mine["env"]["profiles"])), cells,
            sorted(errors, key=lambda e: (e["file"], e["line"] or 0)),
            base["status"], base.get("reason"))
        merged["runs"] = list(base.get("runs") or []) + [{
            "started": mine["env"]["started"], "argv": mine["env"]["argv"],
            "cells": len(mine["cells"])}]
        self._write(path, merged, "a subset ran: %d cells merged into the %d there"
                    % (len(mine["cells"]), len(base["cells"])))

    def _write(self, path: str, doc: dict, note: Optional[str] = None) -> None:
        try:
            write_json(path, doc)
        except OSError as exc:
            # Never lose what ran: keep it where it can be written, and say so.
            self.failed = True
            why = exc.strerror or str(exc)
            kept, fallback_why = _keep_elsewhere(doc)
            if kept:
                note = "cannot write %s (%s); kept in %s" % (path, why, kept)
                path = kept
            else:
                note = "cannot write %s (%s), nor a copy in %s (%s): the results of this " \
                    "run are lost" % (path, why, tempfile.gettempdir(), fallback_why)
                path = None
        self.written, self.note = path, note

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.written is None and not self.failed:
            return
        counts = count_outcomes(self.collector.cells)
        shown = ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())) or "no cells"
        if self.written is None:
            terminalreporter.write_line("conformance: %s (%s)" % (self.note, shown))
            return
        text = "conformance: wrote %s (%s)" % (self.written, shown)
        terminalreporter.write_line(text + ("; " + self.note if self.note else ""))


def _mergeable(base: dict) -> None:
    """ResultsError unless every part of ``base`` is one a merge keeps as it is."""
    extra = sorted(set(base) - set(raw.schema()["properties"]))
    if extra:
        raise ResultsError("a field this version does not know: %s" % ", ".join(extra))
    for i, cell in enumerate(base["cells"]):
        problem = raw.cell_problem(cell)
        if problem:
            raise ResultsError("cells.%d: %s" % (i, problem))


def _keep_elsewhere(doc: dict):
    """(path, None) of a copy of ``doc`` in $TMPDIR, or (None, why it failed)."""
    name = "conformance-%s-" % ((doc.get("env") or {}).get("name") or "results")
    try:
        fd, fallback = tempfile.mkstemp(prefix=name, suffix=".json")
    except OSError as exc:
        return None, exc.strerror or str(exc)
    os.close(fd)
    try:
        write_json(fallback, doc)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(fallback)
        return None, exc.strerror or str(exc)
    return fallback, None
