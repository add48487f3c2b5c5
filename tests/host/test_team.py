"""A team's own cases: paths are the caller's, its packages reach every TF env (resolved
against that TF), and ``./run matrix PATH...`` writes the team's reports where it says."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conformance.cli import full, upgrade_check, user_path
from conformance.envs import extras, orchestrate, upgrade, versions
from conformance.errors import UsageError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROWS = versions.by_minor()


# -- paths are the caller's -------------------------------------------------------------

def test_run_upgrade_check_from_another_directory_takes_paths_from_there(tmp_path):
    """`cases` typed in another project is that project's, never the suite's corpus."""
    proc = subprocess.run([os.path.join(ROOT, "run"), "upgrade-check", "--from", "2.15",
                           "--to", "2.16", "cases"], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: no such case file or directory: cases (relative to %s)" % tmp_path)


def test_run_diff_from_another_directory_reads_relative_paths_there(tmp_path):
    from rawfactory import RawDir, cell, raw

    RawDir(tmp_path, "old").add(raw("tf2.15-cpu", "2.15", cells=[cell("a/one")]))
    RawDir(tmp_path, "new").add(raw("tf2.16-cpu", "2.16", cells=[cell("a/one")]))
    proc = subprocess.run([os.path.join(ROOT, "run"), "diff", "old", "new"],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1 cells compared" in proc.stdout and "no differences" in proc.stdout


def test_upgrade_check_runs_the_callers_cases_with_the_teams_settings(tmp_path, monkeypatch):
    project = tmp_path / "team"
    (project / "cases").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.tf-scope-conformance]\nwith = ["tf-keras"]\npythonpath = ["src"]\n')
    monkeypatch.setenv("CONFORMANCE_CALLER_DIR", str(project))
    monkeypatch.chdir(ROOT)
    seen = {}
    monkeypatch.setattr(upgrade, "prepare", lambda root, sides: seen.update(sides=sides) or [
        s.env_name("cpu") for s in sides])

    def run_both(root, names, paths, workdir=None, pythonpath=()):
        seen.update(names=names, paths=paths, workdir=workdir, pythonpath=pythonpath)
        raise UsageError("stop here")

    monkeypatch.setattr(upgrade, "run_both", run_both)
    with pytest.raises(UsageError, match="stop here"):
        upgrade_check.main(["--from", "2.14", "--to", "2.16", "cases", "--keep", "out"])
    assert seen["paths"] == [str(project / "cases")]
    assert seen["workdir"] == str(project / "out")
    assert seen["pythonpath"] == (str(project), str(project / "src"))
    # tf-keras for TF 2.14 is a package its env lacks: an env of its own; 2.16 has it
    assert seen["names"][0] == "tf2.14-cpu-with-" + extras.tag(["tf-keras~=2.14.0"])
    assert seen["names"][1] == "tf2.16-cpu"


def test_user_path_keeps_what_was_typed_when_the_caller_is_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONFORMANCE_CALLER_DIR", raising=False)
    assert user_path("reports") == "reports"
    monkeypatch.setenv("CONFORMANCE_CALLER_DIR", str(tmp_path / "elsewhere"))
    assert user_path("reports") == str(tmp_path / "elsewhere" / "reports")
    assert user_path("/abs/x") == "/abs/x"


# -- ./run matrix PATH... ---------------------------------------------------------------

@pytest.fixture
def captured(monkeypatch):
    seen = {}

    class Fake:
        def __init__(self, root, rows, jobs, build_jobs, team=None, devices=("cpu", "gpu"),
                     keep_artifacts=None):
            seen.update(rows=[r.minor for r in rows], team=team, devices=devices)
            self.raw, self.failed = os.path.join(team.out if team else "reports", "raw"), []

        def run(self):
            return []

    monkeypatch.setattr(full, "Orchestrator", Fake)
    monkeypatch.setattr(full.matrix, "main", lambda argv: seen.update(report=argv) or 0)
    monkeypatch.chdir(ROOT)
    return seen


def test_matrix_with_paths_writes_the_teams_reports_where_it_says(tmp_path, monkeypatch,
                                                                  captured):
    (tmp_path / "cases").mkdir()
    monkeypatch.setenv("CONFORMANCE_CALLER_DIR", str(tmp_path))
    assert full.main(["--only", "2.15,2.21", "cases", "--with", "six"]) == 0
    team = captured["team"]
    assert team.paths == (str(tmp_path / "cases"),)
    assert team.out == str(tmp_path / "conformance-reports")  # the default, the caller's
    assert team.extras.packages == ("six",)
    assert captured["report"][:4] == ["--raw", os.path.join(team.out, "raw"), "--out", team.out]
    assert "--findings" not in captured["report"]  # never the corpus' findings or history
    full.main(["--only", "2.15", "cases", "--out", "mine"])
    assert captured["team"].out == str(tmp_path / "mine")


@pytest.mark.parametrize("argv, message", [
    (["--with", "tf-keras"], "--out and --with go with your own case PATHs"),
    (["--out", "x"], "--out and --with go with your own case PATHs"),
    (["cases", "--out", os.path.join(ROOT, "reports")], "is the suite's own reports/"),
    (["cases", "--with", "not a requirement!"], "is not a requirement"),
])
def test_matrix_usage_errors(tmp_path, monkeypatch, captured, argv, message):
    (tmp_path / "cases").mkdir()
    monkeypatch.setenv("CONFORMANCE_CALLER_DIR", str(tmp_path))
    with pytest.raises(UsageError, match=message):
        full.main(argv)
    assert "team" not in captured  # nothing was built


def test_the_team_run_is_the_envs_python_with_the_teams_import_paths(tmp_path):
    team = orchestrate.Team(("/p/cases",), str(tmp_path), extras.Extras(
        ("tf-keras",), ("/p", "/p/src")))
    run = orchestrate.Orchestrator.__new__(orchestrate.Orchestrator)
    run.root, run.team, run.env, run.raw = "/suite", team, {}, str(tmp_path / "raw")
    run.artifacts = None  # no producer/consumer cases
    env = orchestrate.Env(ROWS["2.15"], "cpu", "tf2.15-cpu-with-x", str(tmp_path / "a.json"))
    cmd = run.command(env)
    assert cmd[:4] == ["/suite/.tox/tf2.15-cpu-with-x/bin/python", "-m", "conformance", "run"]
    assert cmd[4] == "/p/cases" and cmd[-4:] == ["--pythonpath", "/p", "--pythonpath", "/p/src"]
    assert cmd[cmd.index("--out") + 1] == str(tmp_path / "a.json")


# -- a team's packages, per TF ----------------------------------------------------------

@pytest.mark.parametrize("minor, wanted, note", [
    ("1.15", [], "tf-keras: no release for TF 1.15"),   # Keras 2 is inside TF
    ("2.13", [], "tf-keras: no release for TF 2.13"),
    ("2.14", ["tf-keras~=2.14.0"], None),
    ("2.15", ["tf-keras~=2.15.0"], None),                # the row's own (the table's keras)
    ("2.16", ["tf-keras~=2.16.0"], None),
    ("nightly", ["tf-keras-nightly"], None),
])
def test_tf_keras_gets_the_release_of_each_tf_minor(minor, wanted, note):
    reqs, notes = extras.for_row(ROWS[minor], ["tf-keras", "tf_keras"])
    assert reqs == wanted
    assert notes == ([note] if note else [])


def test_packages_the_table_has_add_nothing_and_reuse_the_matrix_env():
    assert extras.env_name(ROWS["2.16"], "cpu", None, ["tf-keras"]) == "tf2.16-cpu"
    assert extras.env_name(ROWS["2.15"], "cpu", None, ["tf-keras"]) == "tf2.15-cpu"
    assert extras.env_name(ROWS["1.15"], "cpu", None, ["tf-keras"]) == "tf1.15-cpu"
    name = extras.env_name(ROWS["2.14"], "cpu", None, ["tf-keras"])
    other = extras.env_name(ROWS["2.14"], "cpu", None, ["tf-keras", "six"])
    assert name.startswith("tf2.14-cpu-with-") and other != name  # another set, another env
    assert versions.parse_env_name(name) is None                 # not a matrix column
    assert versions.split_env_name(name) == ("2.14", "cpu", None)
    assert extras.requirements(ROWS["2.14"], "cpu", None, ["tf-keras", "six==1.16.0"]) == [
        "tensorflow-cpu==2.14.1", "tf-keras~=2.14.0", "six==1.16.0"]
    assert versions.split_env_name("tf2.15-cpu-with-XYZ") is None


def test_a_second_tf_build_is_excluded_where_the_build_is_another_project():
    assert extras.excludes_tf(ROWS["2.14"], "cpu", ["six"])           # tensorflow-cpu
    assert extras.excludes_tf(ROWS["2.15"], "cpu", [])                # its tf-keras
    assert not extras.excludes_tf(ROWS["2.14"], "cpu", [])            # the matrix's env
    assert not extras.excludes_tf(ROWS["2.16"], "cpu", ["tf-keras"])  # it is tensorflow
    with open(extras.EXCLUDE_TF, encoding="utf-8") as f:
        assert [ln for ln in f.read().splitlines() if not ln.startswith("#")] == ["tensorflow"]


def test_the_tox_env_of_a_teams_packages(tmp_path):
    """What tox builds: the table's requirements plus the packages for that TF, and uv told
    to leave the `tensorflow` project out (tf-keras 2.15 depends on it)."""
    name = extras.env_name(ROWS["2.15"], "cpu", None, ["tf-keras", "tabulate"])
    tox = os.path.join(ROOT, ".tools", "bin", "tox")
    if not os.path.exists(tox):
        pytest.skip("tox is not installed here (./run matrix installs it)")
    env = dict(os.environ, **extras.exported(["tf-keras", "tabulate"]),
               CONFORMANCE_EXTRA_ENVS=name)
    proc = subprocess.run([tox, "config", "-e", name, "-k", "deps", "set_env"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert "tensorflow-cpu==2.15.1" in proc.stdout and "tf-keras~=2.15.0" in proc.stdout
    assert "tabulate" in proc.stdout
    assert "UV_EXCLUDE=%s" % extras.EXCLUDE_TF in proc.stdout


# -- the team's config file --------------------------------------------------------------

def test_config_is_the_nearest_file_above_the_cases(tmp_path):
    (tmp_path / "cases" / "deep").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no section: skipped
    assert extras.load([str(tmp_path / "cases" / "deep")]) == extras.Extras()
    (tmp_path / "cases" / "conformance.toml").write_text('with = ["tf-keras"]\n')
    got = extras.load([str(tmp_path / "cases" / "deep")], ["six"])
    assert got.packages == ("tf-keras", "six")
    assert got.pythonpath == (str(tmp_path / "cases"),)  # the config's own directory


def test_bad_config_says_file_and_key_for_every_problem(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.tf-scope-conformance]\nwith = "tf-keras"\npythonpath = [1]\n'
                    'extra = 1\n')
    with pytest.raises(UsageError) as info:
        extras.load([str(tmp_path)])
    lines = str(info.value).splitlines()
    assert lines == [
        "%s [tool.tf-scope-conformance]: unknown key extra (known: with, pythonpath)" % path,
        "%s: [tool.tf-scope-conformance].with: expected a list of strings, got 'tf-keras'"
        % path,
        "%s: [tool.tf-scope-conformance].pythonpath: expected a list of strings, got [1]"
        % path]


def test_run_finds_the_teams_project_above_its_cases(tmp_path):
    """python -m conformance run (./run cell) puts the team's project on the import path
    too, wherever it is run from: modeling.py beside cases/."""
    from conformance.cli.run import project_dir

    (tmp_path / "team" / "cases" / "deep").mkdir(parents=True)
    case = tmp_path / "team" / "cases" / "deep" / "x.yaml"
    assert project_dir(str(case)) is None
    (tmp_path / "team" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert project_dir(str(case)) is None  # a pyproject.toml without our table
    (tmp_path / "team" / "pyproject.toml").write_text("[tool.tf-scope-conformance]\n")
    assert project_dir(str(case)) == str(tmp_path / "team")
    (tmp_path / "team" / "cases" / "conformance.toml").write_text("")
    assert project_dir(str(case)) == str(tmp_path / "team" / "cases")


PYPROJECTS = [  # (text, whether it has our table)
    ("[tool.tf-scope-conformance]\n", True),
    ("[tool . 'tf-scope-conformance' ]  # ours\nwith = ['six']\n", True),
    ('[tool."tf-scope-conformance".extra]\nx = 1\n', True),
    ("[tool]\ntf-scope-conformance.with = ['six']\n", True),
    ('tool.tf-scope-conformance.pythonpath = ["src"]\n', True),
    ("# [tool.tf-scope-conformance] later\n[project]\nname = 'x'\n", False),
    ("[tool.other]\nnote = '[tool.tf-scope-conformance]'\n", False),
    ("[tool.tf-scope-conformance-old]\n", False),
    ("[project]\nname = 'tf-scope-conformance'\n", False),
]


@pytest.mark.parametrize("without_tomllib", [False, True])
@pytest.mark.parametrize("text,ours", PYPROJECTS)
def test_run_and_the_host_agree_on_which_pyproject_is_the_teams(tmp_path, monkeypatch,
                                                                 text, ours, without_tomllib):
    """./run cell (in an env, maybe Python 3.7 without a TOML parser) and ./run matrix
    (envs/extras.py, TOML) find the same project: not by the table's name in a comment."""
    from conformance.cli.run import project_dir

    if without_tomllib:  # what a TF 1.15 env's Python 3.7 has
        monkeypatch.setitem(sys.modules, "tomllib", None)
    (tmp_path / "cases").mkdir()
    (tmp_path / "pyproject.toml").write_text(text)
    case = str(tmp_path / "cases" / "x.yaml")
    found = extras.find_config([case])
    assert (found is not None) == ours
    assert project_dir(case) == (str(tmp_path) if ours else None)


def test_a_team_env_with_packages_writes_its_results_under_the_tables_name(tmp_path,
                                                                           monkeypatch):
    """The results file names the column (tf2.14-cpu.json), not the tox env that holds the
    team's packages: the workflows upload it by that name, and a file left from a run with
    other packages must be replaced, not read beside it."""
    team = orchestrate.Team(("/p/cases",), str(tmp_path), extras.Extras(("six",), ()))
    monkeypatch.setattr(orchestrate, "gpu_absent_reason", lambda: "no GPU")
    monkeypatch.setattr(orchestrate.discovery, "find_any", lambda pythons: ("python3", "PATH"))
    monkeypatch.setattr(orchestrate, "tox_command", lambda: ["tox"])
    run = orchestrate.Orchestrator(str(tmp_path), [ROWS["2.14"]], 1, 1, team)
    (env,) = run.plan()
    assert env.name.startswith("tf2.14-cpu-with-")
    assert env.out == str(tmp_path / "raw" / "tf2.14-cpu.json")


def test_matrix_devices_runs_and_writes_only_the_devices_named(tmp_path, monkeypatch):
    monkeypatch.setattr(orchestrate.discovery, "find_any", lambda pythons: ("python3", "PATH"))
    monkeypatch.setattr(orchestrate, "tox_command", lambda: ["tox"])
    monkeypatch.setattr(orchestrate, "gpu_absent_reason", lambda: None)  # a GPU runner
    gpu = orchestrate.Orchestrator(str(tmp_path), [ROWS["2.14"]], 1, 1, None,
                                   orchestrate.select_devices("gpu"))
    assert [e.name for e in gpu.plan()] == ["tf2.14-gpu"]
    monkeypatch.setattr(orchestrate, "gpu_absent_reason", lambda: "no GPU visible")
    gpu = orchestrate.Orchestrator(str(tmp_path), [ROWS["2.14"]], 1, 1, None,
                                   orchestrate.select_devices("gpu"))
    assert gpu.plan() == [] and os.listdir(gpu.raw) == ["tf2.14-gpu.json"]  # not run
    both = orchestrate.Orchestrator(str(tmp_path), [ROWS["2.14"]], 1, 1, None,
                                    orchestrate.select_devices(None))
    assert [e.name for e in both.plan()] == ["tf2.14-cpu"]
    assert orchestrate.select_devices(" gpu,cpu") == ("cpu", "gpu")
    with pytest.raises(UsageError, match="--devices: unknown devices tpu"):
        orchestrate.select_devices("cpu,tpu")
