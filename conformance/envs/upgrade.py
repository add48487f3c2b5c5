"""What changes for a team's own cases between two TF versions: build (or reuse) the two
environments, run the cases in both side by side, and hand the two results to the diff.

Host side. An environment is reused as it is when it is built and has this checkout's
package; otherwise one `tox run-parallel --notest` builds what is missing. The cases run
with each environment's own Python (`python -m conformance run`), both at once, each
writing its raw file to a temporary directory: the environments' own results files under
reports/raw are never touched.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from packaging.version import InvalidVersion, Version

from ..errors import UsageError
from . import discovery, extras, versions
from .orchestrate import tox_command
from .package import package_installed, stamp_package
from .progress import pair_cases


@dataclass(frozen=True)
class Side:
    """One side of an upgrade: a row of the version table, with the row's own Keras 3 or
    another (``keras3``)."""
    row: versions.TFVersion
    keras3: Optional[str] = None
    packages: Tuple[str, ...] = ()  # a team's own (envs.extras)

    def env_name(self, device: str) -> str:
        return extras.env_name(self.row, device, self.keras3, self.packages)

    def requirements(self, device: str) -> List[str]:
        return extras.requirements(self.row, device, self.keras3, self.packages)

    @property
    def label(self) -> str:
        keras = self.keras3 or self.row.keras3
        return "TF %s%s" % (self.row.minor, " + Keras %s" % keras if keras else "")


def sides_for(old: Optional[str], new: Optional[str], tf: Optional[str] = None,
              keras: Optional[List[str]] = None) -> Tuple[Side, Side]:
    """The two sides: TF ``old`` → ``new``, or, with ``keras`` (two Keras 3 releases), one
    TF (``tf``, default the newest row) with each of them."""
    table = versions.by_minor()
    if keras is None:
        if not old or not new:
            raise UsageError("name both --from and --to (or --keras OLD NEW)")
        if tf:
            raise UsageError("--tf goes with --keras; TF versions are --from and --to")
        missing = [v for v in (old, new) if v not in table]
        if missing:
            raise UsageError("unknown TF version %s (known: %s)"
                             % (", ".join(missing), ", ".join(table)))
        if old == new:
            raise UsageError("--from and --to name the same TF version %s" % old)
        return Side(table[old]), Side(table[new])
    if old or new:
        raise UsageError("--keras compares two Keras releases on one TF (--tf): "
                         "leave out --from and --to")
    minor = tf or versions.load()[-1].minor
    row = table.get(minor)
    if row is None:
        raise UsageError("unknown TF version %s (known: %s)" % (minor, ", ".join(table)))
    if row.optional:
        raise UsageError("TF %s installs its own Keras (%s): --keras takes a row with a "
                         "pinned Keras 3 (%s)" % (minor, row.cpu, ", ".join(
                             r.minor for r in versions.load() if r.keras3)))
    if not row.keras3:
        raise UsageError("TF %s has no Keras 3 to replace: the table pins one from TF 2.16 "
                         "on (before, Keras 2 shipped inside TF)" % minor)
    releases = [keras3_release(k) for k in keras]
    if Version(releases[0]) == Version(releases[1]):  # 3.13.2 is 3.13.2.0
        raise UsageError("--keras names the same Keras release %s twice" % releases[0])
    # The row's own Keras is the matrix's environment: reused, not built again.
    old_side, new_side = (Side(row, None if Version(k) == Version(row.keras3) else k)
                          for k in releases)
    return old_side, new_side


def keras3_release(text: str) -> str:
    """A Keras 3 release as the env name and pin spell it ("v3.13.2" -> "3.13.2");
    UsageError for anything else."""
    try:
        version = Version(text)
    except InvalidVersion:
        raise UsageError("--keras takes Keras 3 releases such as 3.13.2, not %s" % text) from None
    if version.major != 3:
        raise UsageError("--keras takes Keras 3 releases (TF >= 2.16 needs Keras 3), not %s"
                         % text)
    return str(version)


def prepare(root: str, sides, device: str = "cpu") -> List[str]:
    """Build the environments that are missing, lack this checkout's package or were built
    from other requirements than the table's; returns their names. Raises UsageError when
    an environment cannot be had here."""
    names = []
    for side in sides:
        if discovery.find_any(side.row.pythons) is None:
            raise UsageError("TF %s: %s" % (side.row.minor,
                                            discovery.missing_reason(side.row.pythons)))
        names.append(side.env_name(device))
    current = all(os.path.exists(_python(root, n)) and
                  built_from(root, n) == sorted(side.requirements(device))
                  for n, side in zip(names, sides))
    if current and package_installed(root, names):
        return names
    extra = [n for n in names if versions.parse_env_name(n) is None]
    env = dict(os.environ, **discovery.exported(), **extras.exported(sides[0].packages),
               CONFORMANCE_EXTRA_ENVS=",".join(extra))
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


def built_from(root: str, name: str) -> Optional[List[str]]:
    """The requirements tox last installed into this env (its .tox-info.json), sorted (as
    tox keeps them), or None."""
    try:
        with open(os.path.join(root, ".tox", name, ".tox-info.json"), encoding="utf-8") as f:
            return sorted(json.load(f)["PythonRun"]["deps"]["requirements"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _python(root: str, env: str) -> str:
    return os.path.join(root, ".tox", env, "bin", "python")


def run_both(root: str, names: List[str], paths: List[str], device: str = "cpu",
             workdir: Optional[str] = None, pythonpath: Sequence[str] = ()) -> List[str]:
    """Run the cases in both environments at once; the two raw files, old first. With
    producer/consumer cases, both first produce (``<workdir>/artifacts/<env>/``), then each
    reads both producers' artifacts: the pairs old → new (an old checkpoint read after the
    upgrade) and new → old are in the results."""
    workdir = workdir or tempfile.mkdtemp(prefix="conformance-upgrade-")
    os.makedirs(workdir, exist_ok=True)  # --keep DIR: made if missing
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")  # keep TF's bytecode cache
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    base = {name: [_python(root, name), "-m", "conformance", "run", *paths, "--devices",
                   device, "--env-name", name, "-q", "--no-progress"]
            + [arg for p in pythonpath for arg in ("--pythonpath", p)] for name in names}
    reads: List[str] = []
    if pair_cases(paths):
        art = os.path.join(workdir, "artifacts")
        _run_all(root, env, workdir, {name: base[name] + [
            "--steps", "produce", "--artifacts-out", os.path.join(art, name),
            "--out", os.path.join(workdir, name + ".produce.json")] for name in names},
            ".produce")
        reads = ["--artifacts-from", art]
    outs = [os.path.join(workdir, name + ".json") for name in names]
    _run_all(root, env, workdir, {name: base[name] + ["--out", out] + reads
                                  for name, out in zip(names, outs)}, "")
    return outs


def _run_all(root: str, env: dict, workdir: str, commands: dict, suffix: str) -> None:
    """Run ``commands`` ({env name: argv}) at once; UsageError if one did not run."""
    procs = []
    for name, argv in commands.items():
        log = open(os.path.join(workdir, name + suffix + ".log"), "w")  # noqa: SIM115
        procs.append((subprocess.Popen(argv, cwd=root, env=env, stdout=log,
                                       stderr=subprocess.STDOUT), log, name))
    for proc, log, name in procs:
        status = proc.wait()
        log.close()
        # 0 all passed, 1 some cell failed: both are results. Anything else is not.
        if status not in (0, 1) or not os.path.exists(os.path.join(workdir, name + suffix +
                                                                   ".json")):
            with open(log.name, encoding="utf-8", errors="replace") as f:
                tail = " | ".join(f.read().strip().splitlines()[-3:])
            raise UsageError("%s: the cases did not run (exit %d): %s" % (name, status, tail))


def main_paths(paths: List[str]) -> List[str]:
    """The case paths the user named, absolute (relative ones are the caller's: see
    cli.user_path); the corpus when none."""
    if not paths:
        return ["cases"]
    from ..cli import user_path

    resolved = [os.path.abspath(user_path(p)) for p in paths]
    missing = [p for p, r in zip(paths, resolved) if not os.path.exists(r)]
    if missing:
        raise UsageError("no such case file or directory: %s (relative to %s)" % (
            ", ".join(missing), user_path(".")))
    return resolved


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
