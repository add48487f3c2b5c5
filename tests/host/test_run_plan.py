"""The matrix's run plan with producer/consumer cases: every CPU environment produces
first (phase A), then every environment runs reading all producers' artifacts (phase B),
from one temporary artifact directory that is removed (or kept) at the end. A stand-in
tox records what it was asked to run."""
from __future__ import annotations

import json
import os
import stat
import textwrap

import pytest

from conformance.envs import orchestrate, versions

ROWS = versions.by_minor()

FAKE_TOX = r'''#!{python}
import json, os, sys
args = sys.argv[1:]
log = os.environ["FAKE_TOX_LOG"]
with open(log, "a") as f:
    f.write(json.dumps(args) + "\n")
if args[0] == "run-parallel":
    for name in args[args.index("-e") + 1].split(","):
        print("%s: OK (1.00 seconds)" % name, flush=True)
    sys.exit(0)
name = args[args.index("-e") + 1]
rest = args[args.index("--") + 1:] if "--" in args else []
def last(flag, default=None):
    found = [rest[i + 1] for i, a in enumerate(rest[:-1]) if a == flag]
    return found[-1] if found else default
if "--steps" in rest and name in os.environ.get("FAKE_TOX_FAIL_PRODUCE", "").split(","):
    print("boom: the producer crashed"); sys.exit(3)
out = last("--conformance-out", os.path.join(os.getcwd(), "reports", "raw", name + ".json"))
art = last("--artifacts-out")
if art:
    os.makedirs(os.path.join(art, "ckpt", "pair", "v1"), exist_ok=True)
    with open(os.path.join(art, "ckpt", "pair", "v1", "w.ckpt"), "w") as f:
        f.write("x" * 100)
    with open(os.path.join(art, "ckpt", "pair", "v1.manifest.json"), "w") as f:
        f.write("{}")
minor = name[2:].split("-")[0]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"format": "conformance-raw", "format_version": 3, "status": "complete",
               "env": {"name": name, "tf_minor": minor, "device": "cpu"}, "cells": []}, f)
'''

PAIR = """\
title: t
produce: |
  x = 1
consume: |
  y = 2
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with a cases/ folder and a stand-in tox; returns (root, log path)."""
    import sys

    tox = tmp_path / "bin" / "tox"
    tox.parent.mkdir()
    tox.write_text(FAKE_TOX.replace("{python}", sys.executable))
    tox.chmod(tox.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "tox.log"
    monkeypatch.setenv("FAKE_TOX_LOG", str(log))
    monkeypatch.setattr(orchestrate, "tox_command", lambda: [str(tox)])
    monkeypatch.setattr(orchestrate, "gpu_absent_reason", lambda: "no GPU visible")
    monkeypatch.setattr(orchestrate, "package_installed", lambda root, names: True)
    monkeypatch.setattr(orchestrate.discovery, "find_any",
                        lambda pythons: ("python3", "PATH"))
    root = tmp_path / "project"
    (root / "cases" / "plain").mkdir(parents=True)
    (root / "cases" / "plain" / "x.yaml").write_text("title: t\ncode: |\n  x = 1\n")
    monkeypatch.chdir(root)
    return root, log


def calls(log):
    return [json.loads(line) for line in log.read_text().splitlines()]


def runs(log):
    """(env, produce?, the artifact dir it reads) of each `tox run`, in order."""
    out = []
    for args in calls(log):
        if args[0] != "run":
            continue
        rest = args[args.index("--") + 1:]
        reads = rest[rest.index("--artifacts-from") + 1] if "--artifacts-from" in rest else None
        out.append((args[args.index("-e") + 1], "--steps" in rest, reads))
    return out


def test_without_pair_cases_the_runs_are_as_before(project):
    root, log = project
    run = orchestrate.Orchestrator(str(root), [ROWS["2.14"], ROWS["2.15"]], 1, 1)
    run.run()
    assert sorted(runs(log)) == [("tf2.14-cpu", False, None), ("tf2.15-cpu", False, None)]
    assert run.artifacts is None


def test_every_producer_runs_before_any_consumer_and_the_directory_goes(project, capsys):
    root, log = project
    (root / "cases" / "ckpt").mkdir()
    (root / "cases" / "ckpt" / "pair.yaml").write_text(PAIR)
    run = orchestrate.Orchestrator(str(root), [ROWS["2.14"], ROWS["2.15"]], 2, 1)
    run.run()
    order = runs(log)
    assert [produce for _env, produce, _reads in order] == [True, True, False, False]
    art = run.artifacts.dir
    assert {env for env, _p, _r in order[:2]} == {"tf2.14-cpu", "tf2.15-cpu"}
    assert all(reads == art for _env, _p, reads in order)
    assert not os.path.exists(art)  # removed at the end
    assert not art.startswith(str(root))  # never in the project
    assert run.timing["artifact_files"] == 4 and run.timing["artifact_bytes"] == 2 * 102
    # the plain case's 4 modes, and the pair case's 4 per producer: 4 + 4 x 2
    assert "12 cells each (2 case files)" in capsys.readouterr().out


def test_a_failed_or_unavailable_producer_leaves_a_status_and_the_rest_runs(
        project, monkeypatch, tmp_path):
    root, log = project
    (root / "cases" / "ckpt").mkdir()
    (root / "cases" / "ckpt" / "pair.yaml").write_text(PAIR)
    monkeypatch.setenv("FAKE_TOX_FAIL_PRODUCE", "tf2.14-cpu")
    real = orchestrate.discovery.find_any
    monkeypatch.setattr(orchestrate.discovery, "find_any", lambda pythons: None
                        if pythons == ROWS["1.15"].pythons else real(pythons))
    monkeypatch.setattr(orchestrate.discovery, "missing_reason",
                        lambda pythons: "needs Python 3.7: not found")
    kept = tmp_path / "kept"
    run = orchestrate.Orchestrator(str(root), [ROWS["1.15"], ROWS["2.14"], ROWS["2.15"]],
                                   1, 1, keep_artifacts=str(kept))
    run.run()
    assert [(e, p) for e, p, _r in runs(log)] == [
        ("tf2.15-cpu", True), ("tf2.14-cpu", True), ("tf2.15-cpu", False),
        ("tf2.14-cpu", False)]
    failed = json.loads((kept / "tf2.14-cpu" / "status.json").read_text())
    assert failed["status"] == "failed" and "exit 3" in failed["reason"] and (
        "boom: the producer crashed" in failed["reason"])
    assert json.loads((kept / "tf1.15-cpu" / "status.json").read_text()) == {
        "status": "unavailable", "reason": "needs Python 3.7: not found"}
    assert (kept / "tf2.15-cpu" / "ckpt" / "pair" / "v1" / "w.ckpt").exists()
    assert not os.path.exists(run.artifacts.dir)


def test_a_teams_run_passes_the_same_options_to_its_own_command(project):
    root, _log = project
    team = orchestrate.Team((str(root / "cases"),), str(root / "out"))
    (root / "cases" / "ckpt").mkdir()
    (root / "cases" / "ckpt" / "pair.yaml").write_text(PAIR)
    run = orchestrate.Orchestrator(str(root), [ROWS["2.14"]], 1, 1, team)
    run.artifacts = orchestrate.Artifacts()
    (env,) = run.plan()
    cmd = run.command(env)
    assert cmd[-2:] == ["--artifacts-from", run.artifacts.dir] and "conformance" in cmd
    assert run._junit("x.xml") == ["--junit", "x.xml"]
    run.artifacts.close()


def test_the_pair_scan_finds_only_top_level_produce_keys(tmp_path):
    from conformance.envs.progress import pair_cases

    (tmp_path / "a.yaml").write_text(PAIR)
    (tmp_path / "b.yaml").write_text(textwrap.dedent("""\
        title: t
        code: |
          produce: 1
        """))
    assert [os.path.basename(p) for p in pair_cases([str(tmp_path)])] == ["a.yaml"]


def test_upgrade_check_produces_in_both_then_each_reads_both(tmp_path, monkeypatch):
    from conformance.envs import upgrade

    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "pair.yaml").write_text(PAIR)
    ran = []
    monkeypatch.setattr(upgrade, "_run_all", lambda root, env, workdir, commands, suffix:
                        ran.append((suffix, commands)))
    outs = upgrade.run_both("/suite", ["tf2.15-cpu", "tf2.16-cpu"], [str(cases)],
                            workdir=str(tmp_path / "w"))
    assert [s for s, _ in ran] == [".produce", ""]
    produce, consume = ran[0][1], ran[1][1]
    art = str(tmp_path / "w" / "artifacts")
    assert produce["tf2.16-cpu"][-6:] == ["--steps", "produce", "--artifacts-out",
                                          os.path.join(art, "tf2.16-cpu"), "--out",
                                          str(tmp_path / "w" / "tf2.16-cpu.produce.json")]
    assert consume["tf2.15-cpu"][-4:] == ["--out", outs[0], "--artifacts-from", art]
    (cases / "pair.yaml").write_text("title: t\ncode: |\n  x = 1\n")  # no pair case: one run
    ran.clear()
    upgrade.run_both("/suite", ["tf2.15-cpu", "tf2.16-cpu"], [str(cases)],
                     workdir=str(tmp_path / "w"))
    assert [s for s, _ in ran] == [""] and "--artifacts-from" not in ran[0][1]["tf2.15-cpu"]


def test_upgrade_check_says_which_old_checkpoints_the_new_tf_cannot_read(tmp_path):
    from conformance.cli.upgrade_check import checkpoint_lines

    def consume(case, producer, outcome, error=None):
        observed = {"objects": {}, "groups": [], "values": {}, "equals": {}, "error": error}
        return {"case": case, "mode": "eager", "device": "cpu", "outcome": outcome,
                "step": "consume", "producer": producer, "observed": observed}

    err = {"type": "ValueError", "message": "File format not supported: filepath=/tmp/a/b"}
    old = {"cells": [consume("ckpt/h5", "tf2.15-cpu", "pass"),
                     consume("ckpt/tf", "tf2.15-cpu", "pass")]}
    new = {"cells": [consume("ckpt/h5", "tf2.15-cpu", "pass"),
                     consume("ckpt/tf", "tf2.15-cpu", "fail", err),
                     consume("ckpt/tf", "tf2.16-cpu", "pass")]}
    paths = []
    for name, doc in (("old", old), ("new", new)):
        path = tmp_path / (name + ".json")
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    lines, worse, failing = checkpoint_lines(paths[0], paths[1], ["tf2.15-cpu", "tf2.16-cpu"])
    assert worse == failing == [("ckpt/tf", "eager", "cpu")]
    assert "  1 of 2 pairs read after the upgrade; 1 got worse" in lines
    assert ("  WORSE ckpt/tf eager/cpu: read before: pass; after: fail — ValueError: File "
            "format not supported: filepath=<tmp>/b") in lines  # a temporary folder normalised
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"cells": [{"case": "a", "mode": "v1", "device": "cpu",
                                            "outcome": "pass"}]}))
    assert checkpoint_lines(str(plain), str(plain), ["a", "b"]) == ([], [], [])
