"""upgrade-check's sides (TF A → TF B, or Keras A → Keras B on one TF) and when it may
reuse a built environment. Running both sides is measured in bench/, on real envs."""
from __future__ import annotations

import json

import pytest

from conformance.cli import upgrade_check
from conformance.envs import upgrade, versions
from conformance.errors import UsageError


def test_tf_sides_are_two_rows_with_their_own_keras():
    old, new = upgrade.sides_for("2.15", "2.16")
    assert (old.row.minor, old.keras3, new.row.minor, new.keras3) == ("2.15", None, "2.16", None)
    assert old.env_name("cpu") == "tf2.15-cpu" and new.env_name("cpu") == "tf2.16-cpu"
    assert new.label == "TF 2.16 + Keras %s" % versions.by_minor()["2.16"].keras3
    assert old.label == "TF 2.15"


def test_keras_sides_are_one_tf_and_the_rows_own_keras_is_the_matrix_env():
    row = versions.by_minor()["2.21"]
    old, new = upgrade.sides_for(None, None, "2.21", [row.keras3, "3.15.1"])
    assert old.env_name("cpu") == "tf2.21-cpu"          # reused from the matrix
    assert new.env_name("cpu") == "tf2.21-cpu-keras3.15.1"
    assert new.label == "TF 2.21 + Keras 3.15.1"
    # spelled otherwise, the same releases: the matrix env is still reused
    old, new = upgrade.sides_for(None, None, "2.21", ["v" + row.keras3 + ".0", "v3.15.1"])
    assert (old.env_name("cpu"), new.env_name("cpu")) == ("tf2.21-cpu", "tf2.21-cpu-keras3.15.1")
    newest = versions.load()[-1].minor
    assert upgrade.sides_for(None, None, None, ["3.12.0", "3.13.0"])[0].row.minor == newest


@pytest.mark.parametrize("args, message", [
    (("2.15", None, None, None), "name both --from and --to"),
    (("2.15", "2.15", None, None), "the same TF version 2.15"),
    (("2.15", "9.9", None, None), "unknown TF version 9.9"),
    (("2.15", "2.16", "2.16", None), "--tf goes with --keras"),
    (("2.15", None, None, ["3.1.0", "3.2.0"]), "leave out --from and --to"),
    ((None, None, "2.15", ["3.1.0", "3.2.0"]), "TF 2.15 has no Keras 3 to replace"),
    ((None, None, "2.21", ["3.1.0", "latest"]), "not latest"),
    ((None, None, "2.21", ["3.1.0", "3.1.0"]), "the same Keras release 3.1.0 twice"),
    ((None, None, "2.21", ["3.13.2", "3.13.2.0"]), "the same Keras release 3.13.2 twice"),
    ((None, None, "2.21", ["2.15.0", "3.1.0"]), "Keras 3 releases .* not 2.15.0"),
    ((None, None, "nightly", ["3.1.0", "3.2.0"]), "installs its own Keras .*[(]2.16, 2.17"),
])
def test_impossible_sides_are_usage_errors(args, message):
    with pytest.raises(UsageError, match=message):
        upgrade.sides_for(*args)


def test_the_command_says_usage_errors_before_building_anything(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nothing may be built for a usage error")

    monkeypatch.setattr(upgrade, "prepare", refuse)
    with pytest.raises(UsageError, match="TF 2.10 has no Keras 3"):
        upgrade_check.main(["--keras", "3.1.0", "3.2.0", "--tf", "2.10"])


def test_an_env_built_from_other_requirements_is_not_reused(tmp_path):
    env = tmp_path / ".tox" / "tf2.16-cpu"
    env.mkdir(parents=True)
    assert upgrade.built_from(str(tmp_path), "tf2.16-cpu") is None
    (env / ".tox-info.json").write_text("{not json")
    assert upgrade.built_from(str(tmp_path), "tf2.16-cpu") is None
    wanted = versions.by_minor()["2.16"].requirements("cpu")
    (env / ".tox-info.json").write_text(json.dumps(
        {"PythonRun": {"deps": {"requirements": wanted[:-1]}}}))  # before the Keras pin
    assert upgrade.built_from(str(tmp_path), "tf2.16-cpu") != wanted
    (env / ".tox-info.json").write_text(json.dumps(
        {"PythonRun": {"deps": {"requirements": sorted(wanted, reverse=True)}}}))
    assert upgrade.built_from(str(tmp_path), "tf2.16-cpu") == sorted(wanted)  # tox sorts


def test_built_envs_with_the_tables_requirements_are_reused_without_tox(monkeypatch):
    """What this checkout's .tox holds, when built: no tox call (tox is not even needed)."""

    from conformance.envs import orchestrate

    names = ["tf2.15-cpu", "tf2.16-cpu"]
    root = orchestrate.project_root()
    sides = upgrade.sides_for("2.15", "2.16")
    if not all(upgrade.built_from(root, n) == sorted(s.requirements("cpu"))
               for n, s in zip(names, sides)):
        pytest.skip("the 2.15 and 2.16 envs are not built here from the table's requirements")
    monkeypatch.setattr(upgrade, "package_installed", lambda root, names: True)
    monkeypatch.setattr(upgrade, "tox_command", lambda: ["/nonexistent/tox"])
    assert upgrade.prepare(root, sides) == names


def _fake_env(root, name, requirements):
    env = root / ".tox" / name
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").write_text("")
    (env / ".tox-info.json").write_text(json.dumps(
        {"PythonRun": {"deps": {"requirements": sorted(requirements)}}}))


@pytest.mark.parametrize("pin, tox_called", [(None, False), ("3.0.0", True)])
def test_prepare_calls_tox_only_when_an_env_was_built_from_other_requirements(
        tmp_path, monkeypatch, pin, tox_called):
    """An env whose Keras pin changed since it was built is rebuilt, not silently reused."""
    old, new = upgrade.sides_for("2.15", "2.16")
    _fake_env(tmp_path, "tf2.15-cpu", old.row.requirements("cpu"))
    _fake_env(tmp_path, "tf2.16-cpu", new.row.requirements("cpu", pin))
    calls = []

    class Done:
        returncode, stdout = 0, ""

    monkeypatch.setattr(upgrade, "package_installed", lambda root, names: True)
    monkeypatch.setattr(upgrade.discovery, "find_any", lambda pythons: ("python3", "PATH"))
    monkeypatch.setattr(upgrade, "tox_command", lambda: ["tox"])
    monkeypatch.setattr(upgrade.subprocess, "run", lambda cmd, **kw: calls.append(cmd) or Done())
    assert upgrade.prepare(str(tmp_path), (old, new)) == ["tf2.15-cpu", "tf2.16-cpu"]
    assert bool(calls) == tox_called, calls
    if tox_called:
        assert calls[0][:3] == ["tox", "run-parallel", "--notest"]
        assert "tf2.15-cpu,tf2.16-cpu" in calls[0]

