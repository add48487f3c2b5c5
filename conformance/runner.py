"""One cell, end to end: choose the expectation, run the code, compare, make the record.

TF-free: the code runs in an executor process (``pool``); this module only decides.
"""
from __future__ import annotations

import shlex
import time
from typing import Dict, Optional

from . import facts
from .case import Case
from .matcher import compare
from .pool import LOST, Pool, behaviour_of, gpu_absent_reason
from .variants import choose

FAILING = ("fail", "xpass", "error", "crash", "timeout")


def repro_command(case: Case, mode: str, device: str) -> str:
    return "python -m conformance run %s --modes %s --devices %s --no-out" % (
        shlex.quote(case.file), mode, device)


def profile_key(case: Case, mode: str, device: str):
    """The executor process a cell runs in: (behaviour, device, the case's env settings)."""
    return (behaviour_of(mode), device, tuple(sorted(case.env.items())))


class Pending:
    """A cell whose request is with its executor process; finish_cell() collects it."""

    def __init__(self, record: dict, choice, server, ticket: int, again) -> None:
        self.record, self.choice, self.server, self.ticket = record, choice, server, ticket
        self.sent = time.perf_counter()
        self.again = again  # runs the cell from scratch (if its request was lost)


def run_cell(case: Case, mode: str, device: str, pool: Pool,
             local_versions: Optional[Dict[str, Optional[str]]] = None) -> dict:
    return finish_cell(start_cell(case, mode, device, pool, local_versions))


def start_cell(case: Case, mode: str, device: str, pool: Pool,
               local_versions: Optional[Dict[str, Optional[str]]] = None,
               ahead: bool = False):
    """Send the cell to its executor process without waiting for the reply: returns a
    Pending, or the finished record when no process is needed (skip) or none could start
    (error). ahead=True (sending a later cell while an earlier one runs): only if the
    process is up and has at most one request in hand, else returns None, having done
    nothing; it never starts a process or waits for one."""
    key = profile_key(case, mode, device)
    absent = gpu_absent_reason() if device == "gpu" else None  # then the cell is a skip
    server = None
    if ahead:
        server = pool.ready(key)
        if server is None and not absent:
            return None
    record = {
        "case": case.id, "file": case.file, "line": case.line, "title": case.title,
        "tags": list(case.tags), "mode": mode, "device": device,
        "outcome": None, "reason": None, "variant": None, "note": None, "duration": 0.0,
        "expect": None, "mismatches": [], "observed": None,
        "repro": repro_command(case, mode, device),
    }
    if absent:
        return _done(record, "skip", absent)
    first = key not in pool.announced
    if server is None:
        try:
            server = pool.get(key)
        except RuntimeError as exc:
            return _done(record, "error", str(exc))
    if first:
        pool.announced.add(key)
        record["profile"] = {"key": "%s-%s" % key[:2], "env": dict(key[2]),
                             "startup_seconds": round(server.startup_seconds, 3),
                             **server.facts}
    if device == "gpu" and not server.facts.get("gpus"):
        why = "no GPU visible to TensorFlow"
        if not server.facts.get("cuda_build"):
            why += " (this TensorFlow build has no CUDA support)"
        return _done(record, "skip", why)

    versions = dict(local_versions or facts.versions())
    versions["tf"] = server.facts.get("tf") or versions.get("tf")
    versions["python"] = server.facts.get("python") or versions.get("python")
    choice = choose(case, versions, mode, device)
    record["variant"] = choice.index
    record["note"] = choice.note
    record["expect"] = choice.expect.to_dict()

    request = {"code": case.code, "code_line": case.code_line, "file": case.file, "mode": mode,
               "device": device, "probe": case.probe(), "timeout": case.timeout}
    return Pending(record, choice, server, server.submit(request),
                   lambda: run_cell(case, mode, device, pool, local_versions))


def finish_cell(pending) -> dict:
    """Wait for a started cell's reply (see start_cell) and make its record."""
    if not isinstance(pending, Pending):
        return pending  # finished without a process
    reply = pending.server.receive(pending.ticket)
    if reply is LOST:  # queued behind a request whose process died: run it afresh
        return pending.again()
    record, choice = pending.record, pending.choice
    # The executor process times the cell itself: the client's clock would also count the
    # time the request waited behind the one sent before it.
    record["duration"] = round(reply.pop("seconds", time.perf_counter() - pending.sent), 6)
    if reply.get("retire"):  # the worker was replaced after this cell: say why
        record["worker_retired"] = reply["retire"]
    if reply["outcome"] != "ok":
        return _done(record, reply["outcome"], reply.get("reason"))
    observed = reply["observed"]
    record["observed"] = observed
    mismatches = compare(choice.expect, observed)
    record["mismatches"] = [m.to_dict() for m in mismatches]
    if choice.xfail is not None:
        if mismatches:
            return _done(record, "xfail", choice.xfail)
        return _done(record, "xpass", "expected to fail (%s) but the expectation held"
                     % choice.xfail)
    return _done(record, "fail" if mismatches else "pass", None)


def _done(record: dict, outcome: str, reason: Optional[str]) -> dict:
    record["outcome"] = outcome
    record["reason"] = reason
    return record
