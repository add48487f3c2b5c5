"""``python -m conformance ci-matrix``: the GitHub Actions job matrix, from the version
table (``data/tf_versions.toml``), so that no TF version is typed into a workflow.

    python -m conformance ci-matrix [--only all|2.15,2.16] [--nightly] [--devices cpu,gpu]
        [--gpu-runner LABEL] [--changed-since REF | --changed PATH ...] [--cases PATH ...]

One job per environment (``tf2.16-cpu``), each running ``./run matrix --only <minor>``.
The GPU environments go to a separate job that runs on ``--gpu-runner``; without one they
are not jobs but idle environments, whose columns the fan-in fills with "not run: no GPU
visible". With ``--changed-since REF`` (a pull request) only what the change touches runs:
changed case files in every environment, a changed row of the table in its own
environment only (every case), nothing for documentation or tests, and everything for
any other change.

Writes ``cpu``, ``gpu`` (``{"include": [...]}`` for ``strategy.matrix``), ``cpu-jobs``,
``gpu-jobs``, ``full``, ``fan-in`` and ``plan`` (what the fan-in needs) to ``$GITHUB_OUTPUT`` when
it is set, and prints the jobs.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

from ..envs import versions
from ..errors import UsageError

PLAN_VERSION = 1  # the ``plan`` output's format (read by ci-fan-in)
CPU_RUNNER = "ubuntu-latest"
TABLE = "conformance/data/tf_versions.toml"
# Paths a change to which cannot change a cell's result.
NO_EFFECT = ("docs/", "tests/", "bench/", "reports/", ".ci/")
NO_GPU_RUNNER = ("no GPU visible (no GPU runner configured: set the repository variable "
                 "CONFORMANCE_GPU_RUNNER or the gpu-runner input)")


@dataclass(frozen=True)
class Job:
    env: str      # tf2.16-cpu
    tf: str       # 2.16: ``./run matrix --only`` takes it
    device: str
    python: str   # the first interpreter of the row ("3.12")
    runner: str
    paths: str = ""  # space-separated case paths; "" = the whole corpus


@dataclass
class Selection:
    """What a change asks to run: ``everything``, or these case files in every
    environment plus every case in the environments of these rows."""
    everything: bool = True
    cases: List[str] = field(default_factory=list)
    rows: List[str] = field(default_factory=list)
    why: str = "not a pull request: everything runs"


@dataclass
class Plan:
    jobs: List[Job]
    idle: List[Dict[str, str]]  # env, tf, device, status, reason
    full: bool                  # every row of the table, every case: a run to publish
    why: str = ""

    def include(self, device: str) -> Dict[str, List[dict]]:
        return {"include": [asdict(j) for j in self.jobs if j.device == device]}

    def outputs(self) -> Dict[str, str]:
        cpu, gpu = self.include("cpu"), self.include("gpu")
        plan = {"version": PLAN_VERSION, "jobs": [j.env for j in self.jobs],
                "idle": self.idle, "full": self.full}
        return {"cpu": _compact(cpu), "gpu": _compact(gpu),
                "cpu-jobs": str(len(cpu["include"])), "gpu-jobs": str(len(gpu["include"])),
                "full": "true" if self.full else "false", "plan": _compact(plan),
                # false when the change touched no cell: nothing to combine
                "fan-in": "true" if self.jobs or self.idle else "false"}


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def rows_for(only: Optional[str], nightly: bool) -> List[versions.TFVersion]:
    """The rows named by ``--only`` ("all" or none: the table's default rows), plus the
    optional nightly row when asked for."""
    by_minor = versions.by_minor()
    if not only or only.strip() == "all":
        rows = versions.load()
    else:
        names = [n.strip() for n in only.split(",") if n.strip()]
        unknown = [n for n in names if n not in by_minor]
        if unknown:
            raise UsageError("--only %s: no row %s in %s (rows: %s)" % (
                only, ", ".join(unknown), TABLE, ", ".join(by_minor)))
        rows = [by_minor[n] for n in names]
    if nightly and "nightly" in by_minor and by_minor["nightly"] not in rows:
        rows.append(by_minor["nightly"])
    return rows


def plan(rows: Sequence[versions.TFVersion], devices: Sequence[str], gpu_runner: str,
         selection: Selection, cases: Sequence[str] = ()) -> Plan:
    jobs: List[Job] = []
    idle: List[Dict[str, str]] = []
    for row in rows:
        if selection.everything or row.minor in selection.rows:
            paths = " ".join(cases)
        elif selection.cases:
            paths = " ".join(selection.cases)
        else:
            continue  # nothing this change touches runs here
        for device in devices:
            name = row.env_name(device)
            if device == "gpu" and not gpu_runner:
                idle.append({"env": name, "tf": row.minor, "device": device,
                             "status": "not_run", "reason": NO_GPU_RUNNER})
                continue
            jobs.append(Job(name, row.minor, device, row.pythons[0],
                            gpu_runner if device == "gpu" else CPU_RUNNER, paths))
    full = selection.everything and not cases and [r.minor for r in rows if not r.optional] \
        == [r.minor for r in versions.load()]
    return Plan(jobs, idle, bool(full), selection.why)


def classify(changed: Sequence[str], rows_changed, exists=os.path.exists) -> Selection:
    """A pull request's changed paths -> what must run again. ``rows_changed()`` gives the
    table's changed rows (None: the change is not only in rows)."""
    cases: List[str] = []
    rows: List[str] = []
    for path in changed:
        if path.startswith("cases/") and path.endswith((".yaml", ".yml")):
            if exists(path):  # a deleted case runs nowhere
                cases.append(path)
        elif path == TABLE:
            changed_rows = rows_changed()
            if changed_rows is None:
                return Selection(True, why="%s changed outside its rows: everything runs"
                                 % TABLE)
            rows.extend(changed_rows)
        elif path.startswith(NO_EFFECT) or (path.endswith(".md") and "/" not in path):
            continue
        else:
            return Selection(True, why="%s changed: everything runs" % path)
    why = "changed: %d case files (every environment), rows %s (every case)" % (
        len(cases), ", ".join(rows) or "none")
    return Selection(False, sorted(set(cases)), rows, why)


def table_rows_changed(old_text: str, new_path: str = versions.TABLE) -> Optional[List[str]]:
    """The minors whose row differs between two versions of the table (added rows too);
    None when something other than the ``tf`` rows changed."""
    old = versions.tomllib.loads(old_text) if old_text else {}
    with open(new_path, "rb") as f:
        new = versions.tomllib.load(f)
    if {k: v for k, v in old.items() if k != "tf"} != {k: v for k, v in new.items()
                                                     if k != "tf"}:
        return None
    old_rows, new_rows = old.get("tf", {}), new.get("tf", {})
    return [minor for minor, row in new_rows.items() if old_rows.get(minor) != row]


def git_changes(ref: str) -> Selection:
    """What changed between ``ref`` and HEAD (since their merge base)."""
    def git(*args: str) -> str:
        out = subprocess.run(("git",) + args, capture_output=True, text=True)
        if out.returncode != 0:
            raise UsageError("git %s: %s" % (" ".join(args), out.stderr.strip()))
        return out.stdout

    changed = git("diff", "--name-only", "%s...HEAD" % ref).split()
    base = git("merge-base", ref, "HEAD").strip()
    return classify(changed, lambda: table_rows_changed(
        subprocess.run(["git", "show", "%s:%s" % (base, TABLE)], capture_output=True,
                       text=True).stdout))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance ci-matrix",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--only", default="all", help="comma-separated TF minors, or all")
    p.add_argument("--nightly", action="store_true", help="add the tf-nightly row")
    p.add_argument("--devices", default="cpu,gpu", help="cpu, gpu or cpu,gpu")
    p.add_argument("--gpu-runner", default="",
                   help="runner label of the GPU jobs (none: the GPU columns are not run)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--changed-since", metavar="REF",
                       help="run only what changed since REF (a pull request's base)")
    group.add_argument("--changed", nargs="*", metavar="PATH",
                       help="run only what these changed paths touch")
    p.add_argument("--cases", nargs="*", default=[], metavar="PATH",
                   help="case paths every job runs (another repository's cases)")
    p.add_argument("--github-output", default=os.environ.get("GITHUB_OUTPUT"),
                   help="file to append the outputs to (default: $GITHUB_OUTPUT)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    bad = [d for d in devices if d not in versions.DEVICES]
    if bad or not devices:
        raise UsageError("--devices %s: expected cpu, gpu or cpu,gpu" % args.devices)
    if args.changed_since:
        selection = git_changes(args.changed_since)
    elif args.changed is not None:
        selection = classify(args.changed, lambda: None)
    else:
        selection = Selection()
    result = plan(rows_for(args.only, args.nightly), devices, args.gpu_runner.strip(),
                  selection, args.cases)
    print(result.why or selection.why)
    for job in result.jobs:
        print("job %-22s on %s%s" % (job.env, job.runner,
                                     ": " + job.paths if job.paths else ""))
    for env in result.idle:
        print("idle %-21s %s: %s" % (env["env"], env["status"], env["reason"]))
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as f:
            for key, value in result.outputs().items():
                f.write("%s=%s\n" % (key, value))
    return 0
