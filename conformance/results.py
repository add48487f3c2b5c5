"""The per-environment results file: collected on the pytest controller, written atomically."""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import tempfile
import time
from typing import List, Optional

from . import facts

FORMAT = "conformance-raw"
# Format log (docs/results-format.md):
#   1: first version.
FORMAT_VERSION = 1


def write_json(path: str, data: dict) -> None:
    """Write ``data`` as JSON to ``path`` atomically, laid out by ``dumps_lines``."""
    write_text(path, dumps_lines(data) + "\n")


def dumps_lines(data: dict) -> str:
    """JSON with each top-level key on its own line, and below it each item of a list or
    dict (a cell record, say) on its own line: as easy to read and diff as indented JSON,
    but encoded by json's C encoder, which ``indent`` turns off before Python 3.13 (a
    962-cell file took 0.052 CPU-s on Python 3.7 with indent=1, 0.013 s like this)."""
    def block(opening: str, closing: str, items) -> str:
        return opening + "\n" + ",\n".join("  " + item for item in items) + "\n " + closing

    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            text = block("[", "]", (json.dumps(v) for v in value))
        elif isinstance(value, dict) and value:
            text = block("{", "}", ("%s: %s" % (json.dumps(str(k)), json.dumps(v))
                                           for k, v in value.items()))
        else:
            text = json.dumps(value)
        lines.append(" %s: %s" % (json.dumps(str(key)), text))
    return "{\n" + ",\n".join(lines) + "\n}"


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a complete file or the old one, never half
    (temp file in the same directory, fsync, ``os.replace``)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path),
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are for reading
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_env_name(device: str = "cpu") -> str:
    env = facts.environment()
    tf_part = "tf%s" % env["tf_minor"] if env["tf_minor"] else "notf"
    py = ".".join(env["python"].split(".")[:2])
    return "%s-py%s-%s" % (tf_part, py, device)


class Collector:
    """Accumulates cell records and collection errors; renders the results document."""

    def __init__(self, argv: List[str]) -> None:
        self.cells: List[dict] = []
        self.errors: List[dict] = []
        self.profiles: dict = {}
        self.argv = argv
        self.started = time.time()

    def add_cell(self, record: dict) -> None:
        profile = record.pop("profile", None)
        if profile is not None:
            self.profiles.setdefault(profile["key"] + _env_suffix(profile["env"]), profile)
        self.cells.append(record)

    def add_error(self, file: str, line: Optional[int], message: str) -> None:
        self.errors.append({"file": file, "line": line, "message": message})

    def device(self) -> str:
        return "gpu" if any(p.get("gpus") for p in self.profiles.values()) else "cpu"

    def document(self, env_name: str) -> dict:
        env = facts.environment()
        finished = time.time()
        env.update({
            "name": env_name,
            "device": "gpu" if env_name.endswith("-gpu") else self.device(),
            "profiles": self.profiles,
            "started": _iso(self.started), "finished": _iso(finished),
            "duration": round(finished - self.started, 3),
            "argv": self.argv, "executable": sys.executable,
            "cpu_seconds": _cpu_seconds(),
        })
        cells = sorted(self.cells, key=lambda c: (c["case"], c["mode"], c["device"]))
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "status": "complete",
                "reason": None, "env": env, "cells": cells,
                "errors": sorted(self.errors, key=lambda e: (e["file"], e["line"] or 0))}


def _cpu_seconds() -> Optional[dict]:
    """CPU time of this pytest process and of the processes it started and has reaped (the
    executor processes, once the pool is closed)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return None
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                           resource.RUSAGE_CHILDREN))
    return {"pytest": round(own.ru_utime + own.ru_stime, 3),
            "executors": round(children.ru_utime + children.ru_stime, 3)}


def _env_suffix(env: dict) -> str:
    return "".join("+%s=%s" % kv for kv in sorted(env.items()))


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def summary(cells: List[dict]) -> dict:
    counts: dict = {}
    for cell in cells:
        counts[cell["outcome"]] = counts.get(cell["outcome"], 0) + 1
    return counts
