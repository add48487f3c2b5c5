"""The per-environment results file: cell records gathered on the pytest controller and
written once, atomically, in the raw format (``raw``)."""
from __future__ import annotations

import datetime
import json
import sys
import time
from typing import Any, Dict, List, Optional

from ..execution import environment
from ..jsonvalues import finite
from . import raw
from .files import write_text
from .record import CellRecord


def write_json(path: str, data: Dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically. Always valid JSON: a NaN or an
    infinity that reached this far is written as a string ("NaN", "Infinity")."""
    try:
        text = json.dumps(data, indent=1, allow_nan=False)
    except ValueError:
        text = json.dumps(finite(data), indent=1, allow_nan=False)
    write_text(path, text + "\n")


def default_env_name(device: str = "cpu") -> str:
    env = environment.environment()
    tf_part = "tf%s" % env["tf_minor"] if env["tf_minor"] else "notf"
    py = ".".join(env["python"].split(".")[:2])
    return "%s-py%s-%s" % (tf_part, py, device)


class Collector:
    """Accumulates cell records and collection errors; renders the results document."""

    def __init__(self, argv: List[str]) -> None:
        self.cells: List[CellRecord] = []
        self.errors: List[dict] = []
        self.profiles: dict = {}
        self.argv = argv
        self.started = time.time()

    def add_cell(self, record: CellRecord) -> None:
        profile, record.profile = record.profile, None
        if profile is not None:
            self.profiles.setdefault(profile["key"] + _env_suffix(profile["env"]), profile)
        self.cells.append(record)

    def add_error(self, file: str, line: Optional[int], key: str, message: str) -> None:
        self.errors.append({"file": file, "line": line, "key": key, "message": message})

    def device(self) -> str:
        return "gpu" if any(p.get("gpus") for p in self.profiles.values()) else "cpu"

    def document(self, env_name: str, status: str = "complete",
                 reason: Optional[str] = None) -> Dict[str, Any]:
        env: Dict[str, Any] = dict(environment.environment())
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
        cells = [c.to_json() for c in sorted(self.cells, key=lambda c: c.key)]
        errors = sorted(self.errors, key=lambda e: (e["file"], e["line"] or 0))
        return raw.document(env, cells, errors, status, reason)


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


def count_outcomes(cells) -> Dict[str, int]:
    """{outcome: number of cells} over records or dicts."""
    counts: Dict[str, int] = {}
    for cell in cells:
        outcome = cell["outcome"] if isinstance(cell, dict) else cell.outcome
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
