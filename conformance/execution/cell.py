"""One cell, end to end: choose the expectation, run the code, compare, make the record.

TF-free: the code runs in an executor process (``pool``); this module only decides.
``start`` sends a cell to its executor and returns a ``Pending`` (or the finished record
when no executor is needed); ``finish`` waits for the reply and makes the record.
"""
from __future__ import annotations

import functools
import shlex
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Union

from ..case.choose import Choice, choose
from ..case.compare import compare
from ..case.model import Case
from ..errors import ExecutorError
from ..results import normalise
from ..results.observed import Observed
from ..results.record import CellRecord
from ..vocabulary import behaviour_of
from . import environment, isolation, wire
from .pool import Pool, ProfileKey, Server, gpu_absent_reason

Versions = Dict[str, Optional[str]]


def repro_command(case: Case, mode: str, device: str, env: Optional[str] = None) -> str:
    """The command that runs this one cell again and prints what TF observed, writing no
    results. ``env``: the tox environment it ran in (``./run cell`` uses its Python)."""
    cell = "%s --modes %s --devices %s" % (shlex.quote(case.file), mode, device)
    if env:
        return "./run cell %s %s" % (shlex.quote(env), cell)
    return "python -m conformance run %s --no-out --show" % cell


@dataclass(frozen=True)
class Pair:
    """A cell of a producer/consumer case: its step, its artifact directory and, for a
    consume cell, the producer (env name, TF release) and what it published."""

    step: str                      # "produce" or "consume"
    artifacts: str
    producer: Optional[str] = None
    producer_tf: Optional[str] = None
    produced: Optional[Dict[str, Any]] = None

    @property
    def producer_minor(self) -> Optional[str]:
        return environment.minor(self.producer_tf)


def profile_key(case: Case, mode: str, device: str, step: str = "main") -> ProfileKey:
    """The executor process a cell runs in: (behaviour, device, the env settings of the
    case and of its step)."""
    env = dict(case.env, **dict(case.step(step).env))  # a plain case's main step: none
    return (behaviour_of(mode), device, tuple(sorted(env.items())))


@functools.lru_cache(maxsize=4096)
def own_process_reason(code: str) -> Optional[str]:
    return isolation.own_process_reason(code)


class Pending:
    """A cell whose request is with its executor process; ``finish`` collects it."""

    def __init__(self, record: CellRecord, choice: Choice, server: Server, ident: int,
                 again: Callable[[], CellRecord]) -> None:
        self.record, self.choice, self.server, self.ident = record, choice, server, ident
        self.sent = time.perf_counter()
        self.again = again  # runs the cell from scratch (if its request was lost)


Started = Union[Pending, CellRecord]


def run(case: Case, mode: str, device: str, pool: Pool, env: Optional[str] = None,
        local_versions: Optional[Versions] = None) -> CellRecord:
    return finish(start(case, mode, device, pool, env, local_versions))


def start(case: Case, mode: str, device: str, pool: Pool, env: Optional[str] = None,
          local_versions: Optional[Versions] = None, ahead: bool = False,
          fresh: bool = False, paths: Sequence[str] = (),
          pair: Optional[Pair] = None) -> Optional[Started]:
    """Send the cell to its executor process without waiting for the reply. ahead=True
    (sending a later cell while an earlier one runs): only if the process is up and has at
    most one request in hand, else returns None, having done nothing; it never starts a
    process or waits for one. fresh=True: in a worker forked for this one cell (--verify).
    ``paths``: directories the code may import modules from (its case root first).
    ``pair``: a step of a producer/consumer case (None: a plain case's one cell)."""
    step = case.step(pair.step if pair else "main")
    key = profile_key(case, mode, device, step.name)
    absent = gpu_absent_reason() if device == "gpu" else None  # then the cell is a skip
    server = None
    if ahead:
        server = pool.ready(key)
        if server is None and not absent:
            return None
    record = CellRecord(case=case.id, file=case.file, line=case.line, title=case.title,
                        tags=list(case.tags), mode=mode, device=device,
                        repro=repro_command(case, mode, device, env))
    if pair is not None:
        record.step = pair.step
        if pair.step == "consume":
            record.producer, record.producer_tf = pair.producer, pair.producer_tf
            record.producer_tf_minor = pair.producer_minor
    if absent:
        return record.finish("skip", absent)
    first = key not in pool.announced
    if server is None:
        try:
            server = pool.get(key)
        except ExecutorError as exc:
            return record.finish("error", str(exc))
    if first:
        pool.announced.add(key)
        record.profile = dict({"key": "%s-%s" % key[:2], "env": dict(key[2]),
                               "startup_seconds": round(server.startup_seconds, 3)},
                              **server.facts)
    if device == "gpu" and not server.facts.get("gpus"):
        why = "no GPU visible to TensorFlow"
        if not server.facts.get("cuda_build"):
            why += " (this TensorFlow build has no CUDA support)"
        return record.finish("skip", why)

    versions = dict(local_versions or environment.versions())
    versions["tf"] = server.facts.get("tf") or versions.get("tf")
    versions["python"] = server.facts.get("python") or versions.get("python")
    if pair is not None and pair.producer_tf:
        versions["producer_tf"] = pair.producer_tf
    choice = choose(case, versions, mode, device, pair.step if pair else None)
    record.variant = choice.index
    record.note = choice.note
    record.expect = choice.expect.to_dict()
    request = wire.Request(id=0, code=step.code, code_line=step.line, file=case.file,
                           mode=mode, device=device,
                           probe=case.probe(pair.step if pair else None),
                           timeout=case.timeout,
                           isolate=fresh or own_process_reason(step.code) is not None,
                           paths=list(paths), step=step.name,
                           artifacts=pair.artifacts if pair else None,
                           produced=pair.produced if pair else None)
    return Pending(record, choice, server, server.submit(request),
                   lambda: finish(start(case, mode, device, pool, env, local_versions,
                                        fresh=fresh, paths=paths, pair=pair)))


def finish(started: Started) -> CellRecord:
    """Wait for a started cell's reply (see ``start``) and make its record."""
    if not isinstance(started, Pending):
        return started  # finished without a process
    reply = started.server.receive(started.ident)
    if reply.outcome == "lost":  # queued behind a request whose process died: run it afresh
        return started.again()
    record, choice = started.record, started.choice
    # The executor process times the cell itself: the client's clock would also count the
    # time the request waited behind the one sent before it.
    seconds = reply.seconds if reply.seconds is not None else time.perf_counter() - started.sent
    record.duration = round(seconds, 6)
    record.worker_retired = reply.retire
    if reply.outcome != "ok":
        return record.finish(reply.outcome, reply.reason)
    record.observed = Observed.from_json(reply.observed)
    mismatches = compare(choice.expect, record.observed)
    record.mismatches = [m.to_dict() for m in mismatches]
    if choice.xfail is not None:
        if mismatches:
            return record.finish("xfail", choice.xfail)
        return record.finish("xpass", "expected to fail (%s) but the expectation held"
                             % choice.xfail)
    return record.finish("fail" if mismatches else "pass")


def verify(first: CellRecord, again: Callable[[], CellRecord], n: int) -> CellRecord:
    """--verify N: ``first`` and N-1 more runs of the cell, each in a fresh worker
    (``again``). When their outcomes or observed records (normalised, timings left out)
    differ, the cell is an ``error`` saying so; ``runs`` lists the outcomes."""
    if n <= 1 or first.outcome == "skip":
        return first
    runs = [first] + [again() for _ in range(n - 1)]
    first.runs = [r.outcome or "" for r in runs]
    seen = [normalise.comparable(r.observed and r.observed.to_json()) for r in runs]
    if len(set(first.runs)) > 1:
        return first.finish("error", "flaky under --verify %d: outcomes %s"
                            % (n, ", ".join(first.runs)))
    if any(s != seen[0] for s in seen[1:]):
        which = [i + 1 for i, s in enumerate(seen) if s != seen[0]]
        return first.finish("error", "flaky under --verify %d: the observed record of run%s "
                            "%s differs from run 1's" % (n, "s" if len(which) > 1 else "",
                                                         ", ".join(map(str, which))))
    return first
