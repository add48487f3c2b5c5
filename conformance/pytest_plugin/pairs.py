"""The cells of a producer/consumer case (docs/checkpoints.md): what TF A wrote, can TF B
read?

A produce cell (``ProduceItem``, ``--steps produce``) runs the case's ``produce`` code in
this environment with an empty artifact directory, ``--artifacts-out DIR/<case>/<mode>/``,
then writes ``<mode>.manifest.json`` beside it, last and atomically: a consumer reads a
producer's directory only through its manifest, so never half written.

A consume cell (``ConsumeItem``) runs the ``consume`` code against one producer's
artifact: with ``--artifacts-from ROOT``, one cell per producer directory ``ROOT/<env>/``
(the host wrote them in a run before this one); without it, this environment produces for
itself first. Each consume cell gets its own copy of the producer's directory, so that
what one consumer writes cannot change another pair's verdict. A producer that left no
artifact makes the pair a ``skip`` (it was expected not to: the produce step raised what a
``step: produce`` variant says) or an ``error`` (its produce cell did not pass), with the
producer's reason: never a crash of the run.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from typing import Any, Dict, List, Optional, Tuple

import pytest

from ..errors import one_line
from ..execution import cell, environment
from ..results import normalise
from ..results.files import write_text
from ..results.observed import Observed
from ..results.record import CellRecord
from . import roots
from .items import POOL, CaseItem

STEPS = ("main", "produce", "consume")
DEFAULT_STEPS = ("main", "consume")
MANIFEST = ".manifest.json"
STATUS = "status.json"  # in a producer directory the host could not fill: why
LIMIT_ENV = "CONFORMANCE_ARTIFACT_LIMIT_MB"
DEFAULT_LIMIT_MB = 50.0


def limit_bytes() -> int:
    try:
        return int(float(os.environ.get(LIMIT_ENV, DEFAULT_LIMIT_MB)) * 1e6)
    except ValueError:
        return int(DEFAULT_LIMIT_MB * 1e6)


def producers(root: str) -> List[str]:
    """The producer environments under ``--artifacts-from``: its subdirectories."""
    try:
        names = os.listdir(root)
    except OSError:
        return []
    return sorted(n for n in names if os.path.isdir(os.path.join(root, n)))


def items(parent, case, config) -> List[pytest.Item]:
    """The produce and consume items of a producer/consumer case, per the options."""
    steps = config._conformance_steps
    out: List[pytest.Item] = []
    modes, devices = config._conformance_modes, config._conformance_devices
    if "produce" in steps and config.getoption("artifacts_out"):
        for mode in [m for m in case.produce_modes() if m in modes]:
            for device in [d for d in (produce_device(case),) if d in devices]:
                out.append(ProduceItem.from_parent(
                    parent, name="%s[produce-%s-%s]" % (case.id, mode, device), case=case,
                    mode=mode, device=device))
    if "consume" in steps:
        root = config.getoption("artifacts_from")
        sources: List[Optional[str]] = producers(root) if root else [None]
        for mode in [m for m in case.modes if m in modes]:
            for device in [d for d in case.devices if d in devices]:
                for producer in sources:
                    name = "%s[%s-%s<%s]" % (case.id, mode, device, producer or "self")
                    out.append(ConsumeItem.from_parent(
                        parent, name=name, case=case, mode=mode, device=device,
                        producer=producer))
    return out


def produce_device(case) -> str:
    """The device a case's artifacts are written on (one per mode: consumers on every
    device read it): the CPU, unless the case does not run there."""
    return "cpu" if "cpu" in case.devices else case.devices[0]


class PairItem(CaseItem):
    """A cell of a producer/consumer case. It is never sent ahead (see CaseItem.runtest):
    it first prepares a directory."""

    step_name = "main"

    def _start(self, ahead: bool = False, fresh: bool = False, pair=None,
               mode: Optional[str] = None, device: Optional[str] = None):
        if ahead:
            return None
        paths = [str(self.parent.case_root)] + self.config.stash[roots.PYTHONPATH]
        return cell.start(self.case, mode or self.mode, device or self.device,
                          self.config.stash[POOL], env=self.env_name, fresh=fresh,
                          paths=paths, pair=pair)

    @property
    def env_name(self) -> Optional[str]:
        return self.config.getoption("conformance_env")


class ProduceItem(PairItem):
    step_name = "produce"

    def runtest(self) -> None:
        out = self.config.getoption("artifacts_out")
        directory = os.path.join(out, self.case.id, self.mode)
        record = produce(self, directory)
        total = _size(out)
        if total > limit_bytes() and record.outcome == "pass":
            shutil.rmtree(directory, ignore_errors=True)
            record.finish("error", "artifact limit: the run's artifacts reached %d bytes, "
                          "over %s MB (%s); this artifact was removed"
                          % (total, os.environ.get(LIMIT_ENV, DEFAULT_LIMIT_MB), LIMIT_ENV))
        write_text(directory + MANIFEST, json.dumps(
            manifest_of(record, self.env_name), indent=1, sort_keys=True) + "\n")
        self.finish_item(record)


def produce(item: PairItem, directory: str, mode: Optional[str] = None,
            device: Optional[str] = None) -> CellRecord:
    """Run the produce step (in ``mode`` on ``device``, default the item's) into an empty
    ``directory``; its record."""
    shutil.rmtree(directory, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(directory + MANIFEST)
    os.makedirs(directory)
    record = cell.finish(item._start(pair=cell.Pair("produce", directory), mode=mode,
                                     device=device))
    if record.outcome == "pass" and record.observed and record.observed.artifact is None:
        record.observed.artifact = {"files": 0, "bytes": 0, "keys": {}}
    return record


def manifest_of(record: CellRecord, env_name: Optional[str]) -> Dict[str, Any]:
    """What a consumer needs to know of a produce cell."""
    versions = environment.versions()
    observed = record.observed or Observed()
    expected = (record.expect or {}).get("error")
    # A temporary path in a message is written <tmp>: a pair's reason must not depend on
    # where its producer happened to write (the same cell, run twice, reads the same).
    roots = (tempfile.gettempdir(),)
    raised = None
    if observed.error:
        # its first sentence: what follows often names the artifact's own path
        # ("Received: filepath=<tmp>/.../ckpt"), which differs between producers' runs
        first = (normalise.first_line_of(observed.to_json()) or "").split(". ")[0]
        raised = "%s: %s" % (observed.error.get("type"), first)
    return {
        "env": env_name,
        "tf": versions.get("tf"), "tf_minor": environment.minor(versions.get("tf")),
        "case": record.case, "mode": record.mode, "outcome": record.outcome,
        "reason": record.reason,
        # The produce step raised what its variant expects: no artifact, on purpose.
        "expected_error": raised if expected and record.outcome == "pass" else None,
        "mismatches": [normalise.text(str(m.get("message")), roots)
                       for m in record.mismatches],
        "published": observed.published or {},
        "artifact": observed.artifact,
    }


class ConsumeItem(PairItem):
    step_name = "consume"

    def __init__(self, *, producer: Optional[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.producer = producer
        self.profile = None

    def runtest(self) -> None:
        scratch = tempfile.mkdtemp(prefix="conformance-consume-")
        try:
            record = self._consume(scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        self.finish_item(record)

    def _consume(self, scratch: str) -> CellRecord:
        mode = self.case.produce_mode(self.mode)
        name = self.producer
        if name is None:  # this environment is its own producer
            name = self.env_name or "self"
            source = os.path.join(scratch, "produced")
            produced = produce(self, source, mode, produce_device(self.case))
            manifest = manifest_of(produced, name)
            self.profile = produced.profile  # an executor's facts, told on its first cell
        else:
            base = os.path.join(self.config.getoption("artifacts_from"), name)
            source = os.path.join(base, self.case.id, mode)
            manifest, why = read_manifest(base, source + MANIFEST)
            if manifest is None:
                return self._without_artifact(name, None, "skip", why)
        tf = manifest.get("tf")
        if manifest.get("outcome") == "skip":  # e.g. no GPU there: nothing to read, no fault
            return self._without_artifact(name, tf, "skip", "producer %s did not produce: %s"
                                          % (name, one_line(str(manifest.get("reason")))))
        if manifest.get("outcome") != "pass":
            first = (manifest.get("mismatches") or [manifest.get("reason") or ""])[0]
            return self._without_artifact(name, tf, "error", "producer %s: its produce cell "
                                          "(%s) is %s: %s" % (name, mode, manifest.get(
                                              "outcome"), one_line(str(first or ""))))
        if manifest.get("expected_error"):
            return self._without_artifact(name, tf, "skip", "producer %s wrote no artifact "
                                          "(expected: %s)" % (name, one_line(
                                              manifest["expected_error"])))
        if not os.path.isdir(source):
            return self._without_artifact(name, tf, "error", "producer %s: its artifact "
                                          "directory is missing" % name)
        private = os.path.join(scratch, "artifact")
        try:
            shutil.copytree(source, private, symlinks=True)
        except (OSError, shutil.Error) as exc:
            return self._without_artifact(name, tf, "error", "producer %s: cannot copy its "
                                          "artifact: %s" % (name, one_line(str(exc))))
        _writable(private)  # a copy of a read-only producer directory is the consumer's
        pair = cell.Pair("consume", private, name, tf, manifest.get("published") or {})
        record = cell.finish(self._start(pair=pair))
        if record.profile is None:
            record.profile = self.profile
        if record.observed is not None and name == (self.env_name or "self"):
            # The pair this TF makes with itself carries what its producer wrote (files,
            # bytes, checkpoint keys): across versions, the keys show a rename.
            record.observed.artifact = manifest.get("artifact")
        return record

    def _without_artifact(self, name: str, tf: Optional[str], outcome: str,
                          why: str) -> CellRecord:
        pair = cell.Pair("consume", "", name, tf)
        record = CellRecord(case=self.case.id, file=self.case.file, line=self.case.line,
                            title=self.case.title, tags=list(self.case.tags), mode=self.mode,
                            device=self.device, repro=cell.repro_command(
                                self.case, self.mode, self.device,
                                self.config.getoption("conformance_env")),
                            step="consume", producer=name, producer_tf=tf,
                            producer_tf_minor=pair.producer_minor, profile=self.profile)
        return record.finish(outcome, why)

    def reportinfo(self):
        return self.path, self.case.line - 1, self.name


def read_manifest(base: str, path: str) -> Tuple[Optional[dict], str]:
    """A producer's manifest, or None and why there is none (one line)."""
    name = os.path.basename(base)
    status = os.path.join(base, STATUS)
    if os.path.isfile(status):
        try:
            with open(status, encoding="utf-8") as f:
                data = json.load(f)
            return None, "producer %s: %s" % (name, one_line(
                "%s: %s" % (data.get("status"), data.get("reason"))))
        except (OSError, ValueError, AttributeError) as exc:
            return None, "producer %s: unreadable %s: %s" % (name, STATUS, one_line(str(exc)))
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None, "producer %s wrote no artifact for this case and mode" % name
    except (OSError, ValueError) as exc:
        return None, "producer %s: unreadable manifest: %s" % (name, one_line(str(exc)))
    if not isinstance(data, dict):
        return None, "producer %s: unreadable manifest: not an object" % name
    return data, ""


def steps_of(item) -> List[Tuple[str, str]]:
    """The (mode, device, step) of the executor processes an item's cells use."""
    if isinstance(item, ConsumeItem):
        first = [] if item.producer else [
            (item.case.produce_mode(item.mode), produce_device(item.case), "produce")]
        return first + [(item.mode, item.device, "consume")]
    return [(item.mode, item.device, getattr(item, "step_name", "main"))]


def _writable(directory: str) -> None:
    for root, dirs, names in os.walk(directory):
        for name in [root] + [os.path.join(root, n) for n in dirs + names]:
            with contextlib.suppress(OSError):
                if not os.path.islink(name):
                    os.chmod(name, os.stat(name).st_mode | stat.S_IWUSR)


def _size(directory: str) -> int:
    total = 0
    for root, _dirs, names in os.walk(directory):
        for name in names:
            with contextlib.suppress(OSError):  # removed meanwhile: not counted
                total += os.lstat(os.path.join(root, name)).st_size
    return total
