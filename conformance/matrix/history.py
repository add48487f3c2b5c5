"""reports/history.jsonl: one line per full matrix run, appended, for the trend.

Each line (``entry``)::

    {"format_version": 1, "time": "2026-11-27T10:20:46Z", "commit": "b16ed37…" | null,
     "tf": {"2.16": "2.16.2", ...}, "counts": {outcome: n, ...},
     "changes": {"semantic": n, "wording": n}}

``counts`` sums every cell of the matrix by outcome; ``tf`` maps each TF minor that ran
to its exact release. ``read`` skips lines it cannot use (a torn last line, say).
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import time
from typing import Any, Dict, List, Optional

from ..results.files import NotRegularFile, not_regular
from .groups import version_key
from .model import Matrix

FORMAT_VERSION = 1


def entry(m: Matrix, commit: Optional[str], now: Optional[float] = None) -> Dict[str, Any]:
    counts: Dict[str, int] = {}
    for cell in m.cells.values():
        counts[cell.outcome] = counts.get(cell.outcome, 0) + 1
    tf = {c.tf_minor: c.tf for c in sorted(m.columns, key=lambda c: version_key(c.tf_minor))
          if c.tf}
    return {
        "format_version": FORMAT_VERSION,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "commit": commit,
        "tf": tf,
        "counts": dict(sorted(counts.items())),
        "changes": {kind: sum(1 for c in m.changes if c.kind == kind)
                    for kind in ("semantic", "wording")},
    }


def git_commit(root: str) -> Optional[str]:
    """``git rev-parse HEAD`` in ``root``, or None (no git, not a checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def append(path: str, line: Dict[str, Any]) -> None:
    """One line, written with one write() to a file opened for appending; never glued
    onto a last line that does not end in a newline (a torn write, an editor's save): a
    newline goes first, so that the torn line stays alone (``read`` skips it)."""
    kind = not_regular(path)
    if kind:  # opening a FIFO would block; a device is not a history
        raise NotRegularFile(errno.EINVAL, "not a regular file: %s" % kind, path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "ab") as f:
        f.seek(0, os.SEEK_END)
        torn = False
        if f.tell():
            with open(path, "rb") as r:
                r.seek(-1, os.SEEK_END)
                torn = r.read(1) != b"\n"
        f.write((("\n" if torn else "") + json.dumps(line, sort_keys=True) + "\n")
                .encode("utf-8"))


def read(path: str) -> List[Dict[str, Any]]:
    """Every usable line, oldest first; [] when there is no file."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("counts"), dict):
            out.append(value)
    return out
