"""The matrix orchestrator: discovery, unavailable columns, GPU columns not run."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conformance.envs import discovery, orchestrate, package, scheduler, versions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_table_row_has_both_envs_and_known_fields():
    rows = versions.load()
    assert [r.minor for r in rows][:2] == ["1.15", "2.0"]
    assert len(rows) == 23 and rows[-1].minor == "2.21"
    names = versions.env_names(rows)
    assert len(names) == 46 and names[:2] == ["tf1.15-cpu", "tf1.15-gpu"]
    for row in rows:
        assert row.release.startswith(row.minor + "."), row
        assert row.cpu.endswith("==" + row.release) and row.gpu.endswith("==" + row.release)
        assert versions.parse_env_name(row.env_name("gpu")) == (row.minor, "gpu")


def test_every_keras3_row_pins_the_keras_current_when_its_tf_release_came_out():
    rows = [r for r in versions.load() if versions._version(r.minor) >= versions._version("2.16")]
    # a new row fails here until it has its keras3 fields (with their PyPI dates)
    assert [r.minor for r in rows] == ["2.16", "2.17", "2.18", "2.19", "2.20", "2.21"]
    for row in rows:
        assert row.keras3 and row.released and row.keras3_released, row
        # ISO dates compare as text: the Keras came out before the TF release it pairs with
        assert row.keras3_released <= row.released, row
        assert "keras==" + row.keras3 in row.requirements("cpu")
    older = [r for r in versions.load() if r not in rows]
    assert not any(r.keras3 for r in older)  # Keras 2 shipped inside TF before 2.16
    # Keras 3 releases never go backwards as TF moves on
    assert [versions._version(r.keras3) for r in rows] == sorted(
        versions._version(r.keras3) for r in rows)


def test_a_keras_env_name_is_the_row_plus_another_keras(monkeypatch):
    row = versions.by_minor()["2.21"]
    name = row.env_name("cpu", "3.15.1")
    assert name == "tf2.21-cpu-keras3.15.1"
    assert versions.split_env_name(name) == ("2.21", "cpu", "3.15.1")
    assert versions.parse_env_name(name) is None  # not one of the matrix's columns
    assert versions.split_env_name("tf2.21-cpu") == ("2.21", "cpu", None)
    for bad in ("tf2.21-cpu-keras", "tf2.21-cpu-kerasX", "tf2.21-tpu-keras3.1", "tf2.21-cpux"):
        assert versions.split_env_name(bad) is None, bad
    assert row.requirements("cpu", "3.15.1")[-1] == "keras==3.15.1"
    assert "keras==" + row.keras3 not in row.requirements("cpu", "3.15.1")
    monkeypatch.setenv("CONFORMANCE_EXTRA_ENVS", "tf2.21-cpu-keras3.15.1, junk,")
    assert versions.extra_env_names() == ["tf2.21-cpu-keras3.15.1"]


def test_hidden_python_is_not_found(monkeypatch):
    monkeypatch.setenv("CONFORMANCE_HIDE_PYTHONS", "3.7")
    assert discovery.find("3.7") is None
    assert discovery.missing_reason(["3.7"]) == (
        "needs Python 3.7: not found (searched PATH, pyenv, uv-managed Pythons)")


def test_interpreters_handed_down_are_trusted_while_they_exist(monkeypatch, tmp_path):
    monkeypatch.setattr(discovery, "_cache", {})
    monkeypatch.setenv(discovery.EXPORT_VAR, json.dumps({
        "3.98": [sys.executable, "pyenv"], "3.99": [str(tmp_path / "gone"), "pyenv"]}))
    assert discovery.find("3.98") == (sys.executable, "pyenv")  # no such Python really
    assert discovery.find("3.99") is None                       # the file is gone: search
    assert json.loads(discovery.exported()[discovery.EXPORT_VAR]) == {
        "3.98": [sys.executable, "pyenv"]}
    monkeypatch.setattr(discovery, "_cache", {})
    monkeypatch.setenv("CONFORMANCE_HIDE_PYTHONS", "3.98")
    assert discovery.find("3.98") is None                       # hiding still wins


def test_pyenv_shims_on_path_are_skipped_for_the_interpreters_behind_them(monkeypatch, tmp_path):
    shims, real = tmp_path / "shims", tmp_path / "bin"
    shims.mkdir()
    real.mkdir()
    shim = shims / "python3.98"
    shim.write_text('#!/usr/bin/env bash\nexec "/root/.pyenv/libexec/pyenv" exec "$0" "$@"\n')
    other = real / "python3.98"  # a real interpreter on PATH (here: any executable file)
    other.write_text("#!/bin/sh\n")
    for f in (shim, other):
        f.chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(shims))
    assert discovery.candidates("3.98") == []
    monkeypatch.setenv("PATH", os.pathsep.join([str(shims), str(real)]))
    assert discovery.candidates("3.98") == [(str(other), "PATH")]
    shim.write_text("#!/bin/sh\n")  # not a pyenv shim, whatever its directory's name
    assert discovery.candidates("3.98") == [(str(shim), "PATH")]


def test_tox_lists_the_tf_envs_the_nightly_and_report():
    tox = shutil.which("tox")
    if tox is None:
        pytest.skip("tox not on PATH (./run tests puts .tools/bin on PATH)")
    out = subprocess.run([tox, "-l"], cwd=ROOT, capture_output=True, text=True, check=True)
    envs = out.stdout.split()
    assert len(versions.env_names()) == 46
    assert envs == versions.env_names() + ["report"]
    # The nightly is not run by default but is defined, from the same table.
    deps = subprocess.run([tox, "config", "-e", "tfnightly-cpu", "-k", "deps"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    assert "tf-nightly" in deps and "tf-keras-nightly" in deps


def test_the_nightly_is_optional_and_named_like_the_others():
    assert "nightly" not in [r.minor for r in versions.load()]
    nightly = versions.by_minor()["nightly"]
    assert nightly.optional and nightly.cpu == "tf-nightly"
    assert versions.parse_env_name(nightly.env_name("cpu")) == ("nightly", "cpu")
    assert [r.minor for r in orchestrate.select_rows("2.21,nightly")] == ["2.21", "nightly"]


@pytest.mark.tf
@pytest.mark.slow
def test_missing_python_makes_an_unavailable_column_and_the_rest_complete(tmp_path):
    if shutil.which("tox") is None:
        pytest.skip("tox not on PATH (./run tests puts .tools/bin on PATH)")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("tox.ini", "toxfile.py", "pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, name), str(project / name))
    shutil.copytree(os.path.join(ROOT, "conformance"), str(project / "conformance"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    (project / "cases" / "t").mkdir(parents=True)
    (project / "cases" / "t" / "name.yaml").write_text(
        "title: t\nsource: s\nmodes: [v1]\ncode: v = tf.get_variable('v', [1])\n"
        "expect: {names: {v: 'v:0'}}\n")
    env = dict(os.environ, CONFORMANCE_HIDE_PYTHONS="3.7")
    proc = subprocess.run([sys.executable, "-m", "conformance", "full", "--only", "1.15,2.21",
                           "--strict"], cwd=str(project), env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "plan: 1 environment to run (tf2.21-cpu), 1 cells each (1 case files): " \
                       "1 cells"
    assert ("cpu: unavailable: needs Python 3.7: not found (searched PATH, pyenv, uv-managed "
            "Pythons) (tf1.15-cpu)") in lines
    assert re.search(r"^\[ +\d+s  1/1\] tf2.21-cpu +done in ", proc.stdout, re.M)
    assert len(lines) == len(set(lines))  # no line said twice
    raw = project / "reports" / "raw"
    old = json.loads((raw / "tf1.15-cpu.json").read_text())
    assert old["status"] == "unavailable" and old["reason"].startswith("needs Python 3.7")
    new = json.loads((raw / "tf2.21-cpu.json").read_text())
    assert new["status"] == "complete"
    assert [c["outcome"] for c in new["cells"]] == ["pass"]
    gpu = json.loads((raw / "tf2.21-gpu.json").read_text())
    if not os.path.exists("/dev/nvidia0"):
        assert gpu["status"] == "not_run" and gpu["reason"].startswith("no GPU visible")
    matrix = json.loads((project / "reports" / "matrix.json").read_text())
    statuses = {c["key"]: c["status"] for c in matrix["columns"]}
    assert statuses["1.15/cpu"] == "unavailable" and statuses["2.21/cpu"] == "complete"


def _gated_tasks():
    """Tasks that record their start and wait for their gate: a test decides when each
    ends."""
    started, gates, cond = [], {}, threading.Condition()

    def task(name):
        with cond:
            started.append(name)
            cond.notify_all()
        assert gates.setdefault(name, threading.Event()).wait(10), "gate never opened"

    def release(name):
        with cond:
            gates.setdefault(name, threading.Event()).set()

    def wait_started(n):
        with cond:
            assert cond.wait_for(lambda: len(started) >= n, timeout=10), started
            return list(started)

    return task, release, wait_started


def test_scheduler_runs_by_rank_and_starts_the_last_task_beside_the_others():
    task, release, wait_started = _gated_tasks()
    runs = scheduler.Scheduler(2)
    for rank in (4, 3, 2, 1, 0):  # as the builder reports them: the first two start at once
        runs.add(rank, task, "env%d" % rank)
    assert wait_started(2) == ["env4", "env3"]
    runs.close()
    time.sleep(0.05)
    assert wait_started(2) == ["env4", "env3"]  # two slots: the others wait
    release("env4")
    assert wait_started(3) == ["env4", "env3", "env0"]  # the best-ranked waiting one
    release("env3")
    # env1 takes the free slot; env2, the last, would wait and then run alone: it starts now.
    assert wait_started(5) == ["env4", "env3", "env0", "env1", "env2"]
    assert runs.running == 3
    for name in ("env0", "env1", "env2"):
        release(name)
    runs.join()
    assert runs.running == 0


def test_scheduler_with_one_job_never_runs_two_and_reraises_a_task_error():
    task, release, wait_started = _gated_tasks()
    runs = scheduler.Scheduler(1)

    def broken(name):
        task(name)
        raise ValueError("boom")

    runs.add(0, task, "env0")
    runs.add(1, task, "env1")
    runs.add(2, broken, "env2")
    runs.close()
    for n, name in enumerate(("env0", "env1", "env2"), 1):
        time.sleep(0.05)
        assert wait_started(n)[-1] == name and runs.running == 1  # one at a time, even last
        release(name)
    with pytest.raises(ValueError, match="boom"):
        runs.join()


def test_builder_skips_the_package_only_when_every_env_has_this_checkouts_files(tmp_path):
    root = tmp_path
    (root / "conformance" / "data").mkdir(parents=True)
    (root / "conformance" / "__init__.py").write_text("x = 1\n")
    (root / "conformance" / "data" / "t.toml").write_text("[a]\n")
    (root / "conformance" / "__pycache__").mkdir()
    (root / "conformance" / "__pycache__" / "m.pyc").write_bytes(b"cache")
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "README.md").write_text("# p\n")
    envs = ["tf2.1-cpu", "tf2.2-cpu"]
    for name in envs:
        site = root / ".tox" / name / "lib" / "python3.8" / "site-packages"
        shutil.copytree(str(root / "conformance"), str(site / "conformance"),
                        ignore=shutil.ignore_patterns("__pycache__"))
    installed = root / ".tox" / "tf2.2-cpu" / "lib" / "python3.8" / "site-packages" / "conformance"
    assert not package.package_installed(str(root), envs)  # never built by the orchestrator
    package.stamp_package(str(root))
    assert package.package_installed(str(root), envs)
    (installed / "__pycache__").mkdir()
    (installed / "__pycache__" / "other.pyc").write_bytes(b"other")  # caches do not count
    assert package.package_installed(str(root), envs)
    (installed / "__init__.py").write_text("x = 2\n")  # e.g. installed by hand from other code
    assert not package.package_installed(str(root), envs)
    (installed / "__init__.py").write_text("x = 1\n")
    (installed / "extra.py").write_text("")
    assert not package.package_installed(str(root), envs)
    (installed / "extra.py").unlink()
    (root / "conformance" / "data" / "t.toml").write_text("[b]\n")  # the checkout changed
    assert not package.package_installed(str(root), envs)
    (root / "conformance" / "data" / "t.toml").write_text("[a]\n")
    assert package.package_installed(str(root), envs)
    (root / "pyproject.toml").write_text("[project]\nname = 'q'\n")  # metadata may differ
    assert not package.package_installed(str(root), envs)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    assert package.package_installed(str(root), envs)
    (root / "README.md").write_text("# p, described\n")  # the wheel's long description
    assert not package.package_installed(str(root), envs)
    (root / "README.md").write_text("# p\n")
    assert not package.package_installed(str(root), envs + ["tf2.3-cpu"])  # not built
