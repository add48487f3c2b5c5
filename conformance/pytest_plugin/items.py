"""The collection tree: a case file (``CaseFile``) yields one ``CaseItem`` per cell;
``BrokenPath`` stands for a case-like path that cannot be read (a link loop)."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Optional

import pytest

from ..case.load import load_case
from ..case.model import Case
from ..errors import CaseError, Problem
from ..execution import cell
from ..execution.pool import Pool
from ..results.record import CellRecord
from ..vocabulary import FAILING
from . import roots
from .failure_text import format_failure

POOL = pytest.StashKey[Pool]()
SEEN = pytest.StashKey[dict]()          # case id -> the file that has it


class CaseFile(pytest.File):
    def __init__(self, *, case_root: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.case_root = case_root
        self.problems = []  # [Problem]: why the file did not load

    def collect(self):
        config = self.config
        # A file that cannot be loaded, even through a bug of the loader (shown with its
        # traceback), is an error for that file only: the other cases still run.
        config.option.continue_on_collection_errors = True
        display = os.path.relpath(str(self.path), str(config.invocation_params.dir))
        if display.startswith(".."):
            display = str(self.path)
        try:
            case = load_case(str(self.path), str(self.case_root), display=display)
        except CaseError as exc:
            self._fail(exc.problems)
        seen = config.stash[SEEN]
        other = seen.setdefault(case.id, display)
        if other != display:
            self._fail([Problem(display, 1, "", "duplicate case id %r (also %s)"
                                % (case.id, other))])
        if case.paired:
            from .pairs import items  # (pairs builds on this module)

            yield from items(self, case, config)
            return
        if "main" not in config._conformance_steps:
            return
        for mode in case.modes:
            if mode not in config._conformance_modes:
                continue
            for device in case.devices:
                if device not in config._conformance_devices:
                    continue
                yield CaseItem.from_parent(self, name="%s[%s-%s]" % (case.id, mode, device),
                                           case=case, mode=mode, device=device)

    def _fail(self, problems) -> None:
        self.problems = list(problems)
        raise self.CollectError("\n".join(str(p) for p in problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, self.CollectError):
            return str(excinfo.value.args[0])
        return super().repr_failure(excinfo)


class CellFailed(Exception):
    def __init__(self, record: CellRecord) -> None:
        super().__init__(record.outcome)
        self.record = record


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, mode: str, device: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.mode = mode
        self.device = device
        self.record: Optional[CellRecord] = None
        self.next_item = None
        self.started = None  # this cell, sent ahead by the item before it

    def _start(self, ahead: bool = False, fresh: bool = False):
        config = self.config
        timeout = config.getoption("cell_timeout")
        case = self.case if timeout is None else dataclasses.replace(self.case, timeout=timeout)
        # The case's code imports modules beside it (its case root), then configured ones.
        paths = [str(self.parent.case_root)] + config.stash[roots.PYTHONPATH]
        return cell.start(case, self.mode, self.device, config.stash[POOL],
                          env=config.getoption("conformance_env"), ahead=ahead, fresh=fresh,
                          paths=paths)

    def runtest(self) -> None:
        sent_ahead = isinstance(self.started, cell.Pending)  # not a record finished early
        started, self.started = self.started or self._start(), None
        # Pipelining: send the next cell now, so that its executor process starts on it
        # as soon as it is free, instead of idling while pytest records this one. Each
        # process still runs its cells one at a time, in item order.
        following = self.next_item
        if (isinstance(following, CaseItem) and following.started is None
                and not self.config.getoption("no_pipeline")):
            following.started = following._start(ahead=True)
        record = cell.finish(started)
        runs = self.config.getoption("verify")
        if runs > 1:
            record = cell.verify(record, lambda: cell.finish(self._start(fresh=True)), runs)
        if sent_ahead:
            record.sent_ahead = True
        self.finish_item(record)

    def finish_item(self, record: CellRecord) -> None:
        """Keep the cell's record and tell pytest its outcome."""
        self.record = record
        if record.outcome == "skip":
            pytest.skip(record.reason)
        if record.outcome == "xfail":
            pytest.xfail(record.reason)
        if record.outcome in FAILING:
            raise CellFailed(record)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CellFailed):
            return format_failure(excinfo.value.record)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.line - 1, "%s [%s-%s]" % (self.case.id, self.mode, self.device)


class BrokenPath(pytest.Item):
    """A case-like path under a case root that is not followed or cannot be read."""

    def __init__(self, *, path_text: str, why: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.problem = Problem(path_text, 1, "", why)  # tied to no line: line 1, like all

    def setup(self) -> None:  # an error, like a case file that does not load; one line
        pytest.fail(str(self.problem), pytrace=False)

    def runtest(self) -> None:  # pragma: no cover - setup always raises
        pass

    def repr_failure(self, excinfo, style=None):
        return str(self.problem)

    def reportinfo(self):
        return self.problem.file, 0, self.problem.file


def record_of(report) -> Optional[CellRecord]:
    """The cell record a report carries (see pytest_runtest_makereport), or None."""
    data = getattr(report, "conformance", None)
    if data is None:
        return None
    if isinstance(data, CellRecord):
        return data
    return CellRecord.from_json(json.loads(data))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if isinstance(item, BrokenPath) and call.when == "setup":
        report.conformance_problems = json.dumps([item.problem.to_json()])
    if call.when != "call":
        return
    if isinstance(item, CaseItem) and item.record is not None:
        # An xdist worker sends it to the controller as text; the controller itself keeps
        # the record (encoding and decoding ~1.5 KB per cell cost ~0.08 CPU-s per 962 cells).
        record = item.record
        report.conformance = (json.dumps(record.to_json()) if hasattr(item.config, "workerinput")
                              else record)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    if isinstance(collector, CaseFile) and collector.problems:
        # Structured, so that the controller (xdist) can write one error per problem.
        outcome.get_result().conformance_problems = json.dumps(
            [p.to_json() for p in collector.problems])
