"""What changes for a team's own cases between two TF versions: build (or reuse) the two
environments, run the cases in both side by side, and hand the two results to the diff.

Host side. An environment is reused as it is when it is built and has this checkout's
package; otherwise one `tox run-parallel --notest` builds what is missing. The cases run
with each environment's own Python (`python -m conformance run`), both at once, each
writing its raw file to a temporary directory: the environments' own results files under
reports/raw are never touched.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import List, Optional, Tuple

from ..errors import UsageError
from . import discovery, versions
from .orchestrate import tox_command
from .package import package_installed, stamp_package


def rows_for(old: str, new: str) -> Tuple[versions.TFVersion, versions.TFVersion]:
    table = versions.by_minor()
    missing = [v for v in (old, new) if v not in table]
    if missing:
        raise UsageError("unknown TF version %s (known: %s)"
                         % (", ".join(missing), ", ".join(table)))
    if old == new:
        raise UsageError("--from and --to name the same TF version %s" % old)
    return table[old], table[new]


def prepare(root: str, rows, device: str = "cpu") -> List[str]:
    """Build the environments that are missing or lack this checkout's package; returns
    their names. Raises UsageError when an environment cannot be had here."""
    names = []
    for row in rows:
        if discovery.find_any(row.pythons) is None:
            raise UsageError("TF %s: %s" % (row.minor, discovery.missing_reason(row.pythons)))
        names.append(row.env_name(device))
    built = all(os.path.exists(_python(root, n)) for n in names)
    if built and package_installed(root, names):
        return names
    env = dict(os.environ, **discovery.exported())
    installed = package_installed(root, names)
    proc = subprocess.run(
        tox_command() + ["run-parallel", "--notest", "-p", "2", "--parallel-no-spinner",
                         "-e", ",".join(names)] + (["--skip-pkg-install"] if installed else []),
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = " | ".join(proc.stdout.strip().splitlines()[-3:])
        raise UsageError("could not build %s: %s" % (" and ".join(names), tail))
    if not installed:
        stamp_package(root)
    return names


def _python(root: str, env: str) -> str:
    return os.path.join(root, ".tox", env, "bin", "python")


def run_both(root: str, names: List[str], paths: List[str], device: str = "cpu",
             workdir: Optional[str] = None) -> List[str]:
    """Run the cases in both environments at once; the two raw files, old first."""
    workdir = workdir or tempfile.mkdtemp(prefix="conformance-upgrade-")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")  # keep TF's bytecode cache
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    procs, outs = [], []
    for name in names:
        out = os.path.join(workdir, name + ".json")
        outs.append(out)
        log = open(os.path.join(workdir, name + ".log"), "w")  # noqa: SIM115 - closed below
        procs.append((subprocess.Popen(
            [_python(root, name), "-m", "conformance", "run", *paths, "--devices", device,
             "--env-name", name, "--out", out, "-q", "--no-progress"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT), log, name))
    for proc, log, name in procs:
        status = proc.wait()
        log.close()
        # 0 all passed, 1 some cell failed: both are results. Anything else is not.
        if status not in (0, 1) or not os.path.exists(os.path.join(workdir, name + ".json")):
            with open(log.name, encoding="utf-8", errors="replace") as f:
                tail = " | ".join(f.read().strip().splitlines()[-3:])
            raise UsageError("%s: the cases did not run (exit %d): %s" % (name, status, tail))
    return outs


def main_paths(paths: List[str]) -> List[str]:
    if not paths:
        return ["cases"]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError("no such case file or directory: %s" % ", ".join(missing))
    return [os.path.abspath(p) for p in paths]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
