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
from .pool import Pool, behaviour_of, gpu_absent_reason
from .variants import choose

FAILING = ("fail", "xpass", "error", "crash", "timeout")


def repro_command(case: Case, mode: str, device: str) -> str:
    return "python -m conformance run %s --modes %s --devices %s --no-out" % (
        shlex.quote(case.file), mode, device)


def profile_key(case: Case, mode: str, device: str):
    """The executor process a cell runs in: (behaviour, device, the case's env settings)."""
    return (behaviour_of(mode), device, tuple(sorted(case.env.items())))


def run_cell(case: Case, mode: str, device: str, pool: Pool,
             local_versions: Optional[Dict[str, Optional[str]]] = None) -> dict:
    record = {
        "case": case.id, "file": case.file, "line": case.line, "title": case.title,
        "tags": list(case.tags), "mode": mode, "device": device,
        "outcome": None, "reason": None, "variant": None, "note": None, "duration": 0.0,
        "expect": None, "mismatches": [], "observed": None,
        "repro": repro_command(case, mode, device),
    }
    if device == "gpu":
        absent = gpu_absent_reason()
        if absent:
            return _done(record, "skip", absent)
    key = profile_key(case, mode, device)
    first = key not in pool.announced
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
    started = time.perf_counter()
    reply = server.run(request)
    record["duration"] = round(time.perf_counter() - started, 6)
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
