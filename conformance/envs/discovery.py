"""Finding a Python interpreter of a given X.Y version: PATH, pyenv, uv-managed Pythons.

Set ``CONFORMANCE_HIDE_PYTHONS=3.7,3.8`` to make discovery act as if those were missing
(simulates a machine without them).

Checking a candidate runs it (~20-60 ms; pyenv's shims, ~130 ms each, are skipped: see
_is_pyenv_shim); tox's plugin would repeat that for every env in every tox process. The
orchestrator hands what it found to its tox processes in ``CONFORMANCE_PYTHONS`` (see
``exported``), which ``find`` trusts while the file exists.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from typing import Dict, List, Optional, Tuple

SEARCHED = "PATH, pyenv, uv-managed Pythons"


def _hidden() -> set:
    hidden = os.environ.get("CONFORMANCE_HIDE_PYTHONS", "")
    return {v.strip() for v in hidden.split(",") if v.strip()}


def _pyenv_root() -> Optional[str]:
    root = os.environ.get("PYENV_ROOT")
    if root and os.path.isdir(root):
        return root
    exe = shutil.which("pyenv")
    if exe:
        try:
            out = subprocess.run([exe, "root"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and os.path.isdir(out.stdout.strip()):
                return out.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    default = os.path.expanduser("~/.pyenv")
    return default if os.path.isdir(default) else None


def _uv_dirs() -> List[str]:
    dirs = []
    if os.environ.get("UV_PYTHON_INSTALL_DIR"):
        dirs.append(os.environ["UV_PYTHON_INSTALL_DIR"])
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    dirs.append(os.path.join(data, "uv", "python"))
    return [d for d in dirs if os.path.isdir(d)]


def _is_pyenv_shim(path: str) -> bool:
    """A pyenv shim: a small script that runs ``pyenv exec`` (~130 ms a start, and it fails
    for a version pyenv does not select). The interpreter it would run is found directly in
    pyenv's versions/ instead."""
    if os.path.basename(os.path.dirname(path)) != "shims":
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and b"pyenv" in head


def candidates(version: str) -> List[Tuple[str, str]]:
    """(path, where) pairs that may be CPython ``version``, best first."""
    found = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        exe = shutil.which("python%s" % version, path=directory) if directory else None
        if exe and not _is_pyenv_shim(exe):
            found.append((exe, "PATH"))  # the first on PATH that is not a shim
            break
    root = _pyenv_root()
    if root:
        for path in sorted(glob.glob(os.path.join(root, "versions", "%s.*" % version,
                                                  "bin", "python%s" % version)), reverse=True):
            found.append((path, "pyenv"))
    for d in _uv_dirs():
        for path in sorted(glob.glob(os.path.join(d, "cpython-%s.*" % version, "bin",
                                                  "python%s" % version)), reverse=True):
            found.append((path, "uv"))
    return found


def _reports(path: str, version: str) -> bool:
    try:
        out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


_cache: Dict[str, Optional[Tuple[str, str]]] = {}
EXPORT_VAR = "CONFORMANCE_PYTHONS"


def _handed_down(version: str) -> Optional[Tuple[str, str]]:
    try:
        path, where = json.loads(os.environ.get(EXPORT_VAR) or "{}")[version]
    except (ValueError, KeyError, TypeError):
        return None
    return (path, where) if os.path.isfile(path) else None


def find(version: str) -> Optional[Tuple[str, str]]:
    """(interpreter path, where found) for CPython ``version`` ("3.7"), or None."""
    if version in _hidden():
        return None
    if version not in _cache:
        _cache[version] = _handed_down(version) or next(
            ((p, w) for p, w in candidates(version) if _reports(p, version)), None)
    return _cache[version]


def exported() -> Dict[str, str]:
    """Environment entry that hands the interpreters found so far to child processes."""
    return {EXPORT_VAR: json.dumps({v: list(hit) for v, hit in sorted(_cache.items()) if hit})}


def find_any(versions: List[str]) -> Optional[Tuple[str, str]]:
    for version in versions:
        hit = find(version)
        if hit:
            return hit
    return None


def missing_reason(versions: List[str]) -> str:
    return "needs Python %s: not found (searched %s)" % (" or ".join(versions), SEARCHED)
