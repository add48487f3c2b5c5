"""ci-matrix (the GitHub job matrix from the version table; what a pull request runs) and
ci-fan-in (the one job that combines the artifacts): the same reports as ./run report."""
from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys

import pytest
from rawfactory import RawDir, cell, raw

from conformance.cli import ci_fan_in, ci_matrix, main
from conformance.envs import versions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE = os.path.join(ROOT, ci_matrix.TABLE)


def _outputs(tmp_path, capsys, *args):
    out = tmp_path / "github_output"
    out.write_text("")
    status = main(["ci-matrix", "--github-output", str(out)] + list(args))
    capsys.readouterr()
    lines = [ln.split("=", 1) for ln in out.read_text().splitlines()]
    return status, {k: v for k, v in lines}


def test_outputs_are_the_strategy_matrices_and_the_plan(tmp_path, capsys):
    status, out = _outputs(tmp_path, capsys, "--only", "1.15,2.21", "--gpu-runner", "gpu")
    assert status == 0
    cpu, gpu, plan = (json.loads(out[k]) for k in ("cpu", "gpu", "plan"))
    assert [j["env"] for j in cpu["include"]] == ["tf1.15-cpu", "tf2.21-cpu"]
    assert [j["env"] for j in gpu["include"]] == ["tf1.15-gpu", "tf2.21-gpu"]
    first = cpu["include"][0]
    assert first == {"env": "tf1.15-cpu", "tf": "1.15", "device": "cpu", "python": "3.7",
                     "runner": "ubuntu-latest", "paths": ""}
    assert gpu["include"][0]["runner"] == "gpu"
    assert (out["cpu-jobs"], out["gpu-jobs"], out["full"], out["fan-in"]) == (
        "2", "2", "false", "true")
    assert plan == {"version": 1, "jobs": ["tf1.15-cpu", "tf1.15-gpu", "tf2.21-cpu",
                                           "tf2.21-gpu"], "idle": [], "full": False}


def test_every_row_is_full_and_the_weekly_nightly_adds_its_row(tmp_path, capsys):
    _, out = _outputs(tmp_path, capsys)
    assert out["full"] == "true" and out["gpu-jobs"] == "0"
    assert int(out["cpu-jobs"]) == len(versions.load())
    _, out = _outputs(tmp_path, capsys, "--nightly")
    envs = [j["env"] for j in json.loads(out["cpu"])["include"]]
    assert envs[-1] == "tfnightly-cpu" and out["full"] == "true"


def test_an_unknown_version_or_device_is_a_usage_error(tmp_path, capsys):
    assert main(["ci-matrix", "--only", "2.99", "--github-output", ""]) == 2
    assert "no row 2.99" in capsys.readouterr().err
    assert main(["ci-matrix", "--devices", "tpu", "--github-output", ""]) == 2


def _selected(selection, only="2.15,2.16,2.17"):
    result = ci_matrix.plan(ci_matrix.rows_for(only, False), ["cpu"], "", selection)
    return {j.env: j.paths for j in result.jobs}, result.full


def test_changed_cases_run_in_every_environment_and_nothing_else():
    selection = ci_matrix.classify(
        ["cases/seed/a.yaml", "README.md", "docs/x.md", "tests/host/t.py",
         "cases/gone.yaml"], lambda: pytest.fail("the table did not change"),
        exists=lambda p: p != "cases/gone.yaml")
    jobs, full = _selected(selection)
    assert jobs == {"tf2.15-cpu": "cases/seed/a.yaml", "tf2.16-cpu": "cases/seed/a.yaml",
                    "tf2.17-cpu": "cases/seed/a.yaml"} and not full


def test_a_changed_row_runs_only_its_environment_with_every_case():
    selection = ci_matrix.classify([ci_matrix.TABLE], lambda: ["2.16"])
    assert _selected(selection) == ({"tf2.16-cpu": ""}, False)
    both = ci_matrix.classify([ci_matrix.TABLE, "cases/a.yaml"], lambda: ["2.16"],
                              exists=lambda p: True)
    assert _selected(both)[0] == {"tf2.15-cpu": "cases/a.yaml", "tf2.16-cpu": "",
                                  "tf2.17-cpu": "cases/a.yaml"}


def test_documentation_alone_runs_nothing_and_code_runs_everything():
    docs = ci_matrix.classify(["docs/a.md", "README.md"], lambda: None)
    assert _selected(docs) == ({}, False)
    nothing = ci_matrix.plan(ci_matrix.rows_for("all", False), versions.DEVICES, "", docs)
    assert nothing.outputs()["fan-in"] == "false" and not nothing.idle
    code = ci_matrix.classify(["docs/a.md", "conformance/execution/cell.py"], lambda: None)
    assert code.everything and "cell.py" in code.why
    jobs, full = _selected(code, "all")
    assert full and set(jobs.values()) == {""}
    outside = ci_matrix.classify([ci_matrix.TABLE], lambda: None)
    assert outside.everything


def test_table_rows_changed_names_the_changed_and_added_rows(tmp_path):
    with open(TABLE, encoding="utf-8") as f:
        text = f.read()
    assert ci_matrix.table_rows_changed(text, TABLE) == []
    old = text.replace('release = "2.16.2"', 'release = "2.16.1"')
    assert old != text and ci_matrix.table_rows_changed(old, TABLE) == ["2.16"]
    without = text.split('[tf."2.21"]')[0] + '[tf."nightly"]' + text.split('[tf."nightly"]')[1]
    assert ci_matrix.table_rows_changed(without, TABLE) == ["2.21"]
    other = text.replace("GPU builds need", "GPU builds want")
    assert ci_matrix.table_rows_changed(other, TABLE) is None


def test_changed_since_reads_git(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    (repo / "cases").mkdir(parents=True)
    (repo / "cases" / "a.yaml").write_text("a: 1\n")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    (repo / "cases" / "b.yaml").write_text("b: 1\n")
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "change"], check=True)
    monkeypatch.chdir(repo)
    selection = ci_matrix.git_changes("HEAD~1")
    assert (selection.everything, selection.cases) == (False, ["cases/b.yaml"])
    assert main(["ci-matrix", "--changed-since", "nope", "--github-output", ""]) == 2
    assert "git diff" in capsys.readouterr().err


# ---- fan-in ----------------------------------------------------------------------------

PLAN = {"version": 1, "jobs": ["tf2.15-cpu", "tf2.16-cpu"], "full": False,
        "idle": [{"env": e, "tf": e[2:6], "device": "gpu", "status": "not_run",
                  "reason": ci_matrix.NO_GPU_RUNNER} for e in ("tf2.15-gpu", "tf2.16-gpu")]}


def _artifacts(tmp_path, outcome_16="pass"):
    d = RawDir(tmp_path, "artifacts")
    d.add(raw("tf2.15-cpu", "2.15", cells=[cell("a/x", names={"v": "v:0"}),
                                            cell("b/y", names={"w": "w:0"})]))
    d.add(raw("tf2.16-cpu", "2.16", cells=[cell("a/x", names={"v": "v"}, outcome=outcome_16),
                                            cell("b/y", names={"w": "w"})]))
    return d.dir


def _fan_in(tmp_path, raw_dir, *extra, plan=PLAN):
    summary = tmp_path / "summary.md"
    status = main(["ci-fan-in", "--raw", raw_dir, "--out", str(tmp_path / "site"),
                   "--plan", json.dumps(plan), "--summary", str(summary)] + list(extra))
    return status, summary.read_text() if summary.exists() else ""


def _same_reports(a, b):
    """Every file ./run report writes, byte for byte (history aside)."""
    cmp = filecmp.dircmp(a, b, ignore=["history.jsonl", "raw"])
    assert not cmp.left_only and not cmp.right_only and not cmp.diff_files, cmp.report()
    badges = filecmp.dircmp(os.path.join(a, "badges"), os.path.join(b, "badges"))
    assert not badges.diff_files and not badges.left_only and not badges.right_only
    assert os.listdir(os.path.join(a, "badges"))


def test_fan_in_writes_what_run_report_writes_and_the_summary(tmp_path, capsys):
    raw_dir = _artifacts(tmp_path)
    status, summary = _fan_in(tmp_path, raw_dir)
    assert status == 0
    # the gpu environments had no runner: placeholders, "not run: no GPU visible"
    assert sorted(os.listdir(raw_dir)) == ["tf2.15-cpu.json", "tf2.15-gpu.json",
                                          "tf2.16-cpu.json", "tf2.16-gpu.json"]
    assert main(["matrix", "--raw", raw_dir, "--out", str(tmp_path / "report")]) == 0
    _same_reports(str(tmp_path / "site"), str(tmp_path / "report"))
    md = (tmp_path / "site" / "matrix.md").read_text()
    assert summary == md and "| 2.16 | 2.16.1 | 2 ✅ | not run |" in md
    gpu = json.loads((tmp_path / "site" / "badges" / "gpu.json").read_text())
    assert gpu["message"] == "not run"


def test_fan_in_fails_on_a_failed_cell_unless_told_not_to(tmp_path, capsys):
    raw_dir = _artifacts(tmp_path, outcome_16="fail")
    assert _fan_in(tmp_path, raw_dir)[0] == 1
    assert "FAIL a/x 2.16/v1/cpu" in capsys.readouterr().out
    assert _fan_in(tmp_path, raw_dir, "--fail-on", "none")[0] == 0


def test_a_job_that_uploaded_nothing_is_unavailable_and_fails(tmp_path, capsys):
    raw_dir = _artifacts(tmp_path)
    os.remove(os.path.join(raw_dir, "tf2.16-cpu.json"))
    status, summary = _fan_in(tmp_path, raw_dir)
    assert status == 1
    assert "tf2.16-cpu: " + ci_fan_in.NO_RESULTS in capsys.readouterr().err
    assert "unavailable" in summary


def test_a_plan_of_another_version_is_a_usage_error(tmp_path, capsys):
    assert _fan_in(tmp_path, _artifacts(tmp_path), plan={"version": 9})[0] == 2
    assert "format version 9" in capsys.readouterr().err


def test_the_pull_request_diff_covers_only_what_ran(tmp_path, capsys):
    base = RawDir(tmp_path, "base")
    base.add(raw("tf2.15-cpu", "2.15", cells=[cell("a/x", names={"v": "v:0"}),
                                               cell("b/y", names={"w": "w:0"}),
                                               cell("c/z", names={"u": "u:0"})]))
    base.add(raw("tf2.17-cpu", "2.17", cells=[cell("a/x", names={"v": "v"})]))
    new = RawDir(tmp_path, "new")  # the pull request changed a/x and ran it on 2.15 only
    new.add(raw("tf2.15-cpu", "2.15", cells=[cell("a/x", names={"v": "other:0"})]))
    plan = {"version": 1, "jobs": ["tf2.15-cpu"], "idle": [], "full": False}
    status, summary = _fan_in(tmp_path, new.dir, "--baseline", base.dir, "--diff-out",
                              str(tmp_path / "diff.md"), plan=plan)
    assert status == 0  # fail-on failed: the cell passes
    comment = (tmp_path / "diff.md").read_text()
    assert comment.startswith(ci_fan_in.COMMENT_MARKER + "\n")
    assert "Only in OLD" not in comment and "a/x" in comment and "c/z" not in comment
    assert comment in summary
    assert "1 cells compared: 0 worse, 0 better, 1 semantic" in capsys.readouterr().out
    assert _fan_in(tmp_path, new.dir, "--baseline", base.dir, "--fail-on", "semantic",
                   plan=plan)[0] == 1


def test_a_baseline_that_cannot_be_had_is_said_not_fatal(tmp_path, capsys):
    status, summary = _fan_in(tmp_path, _artifacts(tmp_path), "--baseline",
                              str(tmp_path / "nowhere" / "matrix.json"), "--diff-out",
                              str(tmp_path / "diff.md"))
    assert status == 0
    assert "no baseline to compare with" in summary
    assert (tmp_path / "diff.md").read_text().startswith(ci_fan_in.COMMENT_MARKER)


def test_history_is_the_published_one_plus_this_run(tmp_path, capsys):
    old = tmp_path / "old-history.jsonl"
    old.write_text('{"format_version": 1, "time": "2026-11-01T00:00:00Z"}\n')
    assert _fan_in(tmp_path, _artifacts(tmp_path), "--history", str(old))[0] == 0
    lines = (tmp_path / "site" / "history.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["tf"] == {"2.15": "2.15.1",
                                                              "2.16": "2.16.1"}
    assert _fan_in(tmp_path, _artifacts(tmp_path), "--history",
                   str(tmp_path / "none.jsonl"))[0] == 0  # a first run starts one
    assert "history: starting a new one" in capsys.readouterr().out


@pytest.mark.tf
def test_fan_in_of_a_real_runs_artifacts_equals_run_report(tmp_path):
    """The raw file of a real run (cases/seed on this machine's TF, as a job uploads it),
    downloaded per artifact and merged: the fan-in writes what ./run report writes."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    release = next(d.version for d in metadata.distributions()  # "tensorflow_cpu" too
                   if canonicalize_name(d.metadata["Name"] or "") in ("tensorflow",
                                                                        "tensorflow-cpu"))
    minor = ".".join(release.split(".")[:2])
    env = "tf%s-cpu" % minor
    artifact = tmp_path / "download" / ("raw-" + env)
    artifact.mkdir(parents=True)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", os.path.join(ROOT, "cases", "seed"), "-q",
         "-p", "no:cacheprovider", "--devices", "cpu", "-n", "0", "--conformance-env", env,
         "--conformance-out", str(artifact / (env + ".json"))],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert (artifact / (env + ".json")).exists(), run.stdout[-2000:] + run.stderr[-2000:]
    merged = tmp_path / "raw"  # download-artifact with merge-multiple
    merged.mkdir()
    for path in artifact.iterdir():
        (merged / path.name).write_bytes(path.read_bytes())
    plan = {"version": 1, "jobs": [env], "full": False, "idle": [
        {"env": "tf%s-gpu" % minor, "tf": minor, "device": "gpu", "status": "not_run",
         "reason": ci_matrix.NO_GPU_RUNNER}]}
    status, summary = _fan_in(tmp_path, str(merged), plan=plan)
    assert status == 0, summary
    report = subprocess.run([sys.executable, "-m", "conformance", "matrix", "--raw",
                             str(merged), "--out", str(tmp_path / "report")], cwd=ROOT,
                            capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    _same_reports(str(tmp_path / "site"), str(tmp_path / "report"))
    md = (tmp_path / "site" / "matrix.md").read_text()
    assert summary == md and "| %s |" % minor in md
    assert "no GPU runner configured" in md  # the idle gpu environment's placeholder
    assert json.loads((tmp_path / "site" / "badges" / "cpu.json").read_text())[
        "color"] == "brightgreen"


def test_the_weekly_nightly_column_fans_in_without_problems(tmp_path, capsys):
    """The schedule's plan adds tfnightly-cpu/-gpu; their files (a job's, a placeholder)
    must pass the raw schema, or the weekly run fails and publishes a matrix with a
    problem in it."""
    raw_dir = _artifacts(tmp_path)
    RawDir(tmp_path, "artifacts").add(raw("tfnightly-cpu", "nightly", cells=[
        cell("a/x", names={"v": "v"}), cell("b/y", names={"w": "w"})]))
    plan = dict(PLAN, jobs=PLAN["jobs"] + ["tfnightly-cpu"], idle=PLAN["idle"] + [
        {"env": "tfnightly-gpu", "tf": "nightly", "device": "gpu", "status": "not_run",
         "reason": ci_matrix.NO_GPU_RUNNER}])
    status, summary = _fan_in(tmp_path, raw_dir, plan=plan)
    out = capsys.readouterr()
    assert "problem" not in out.out + out.err, out
    assert status == 0 and "nightly" in summary
