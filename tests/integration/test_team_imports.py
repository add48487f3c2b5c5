"""A team's own cases import the team's own code: the module beside the case (its case
root), a configured directory, and each cell gets the module afresh."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.tf

MODULE = '''
import tensorflow as tf

CALLS = []  # module state: must be one cell's, not carried to the next


def build(x):
    CALLS.append(1)
    with tf.compat.v1.variable_scope("bert"):
        return tf.compat.v1.get_variable("w", shape=[2], initializer=tf.zeros_initializer()) + x
'''

CASE = """
title: imports the team's module that sits beside it
modes: [v1]
devices: [cpu]
code: |
  import modeling
  y = modeling.build(tf.ones([2]))
  calls = len(modeling.CALLS)
  w = tf.trainable_variables()[0]
expect:
  names: {w: bert/w:0}
  equals: {calls: 1}
"""

CONFIGURED = """
title: imports from a configured directory
modes: [v1]
devices: [cpu]
code: |
  import teamlib
  answer = teamlib.ANSWER
expect:
  equals: {answer: 42}
"""


def test_a_case_imports_the_module_beside_it_afresh_in_every_cell(pytester_conformance):
    p = pytester_conformance
    (p.path / "cases" / "model").mkdir(parents=True)
    (p.path / "cases" / "modeling.py").write_text(MODULE)
    (p.path / "cases" / "model" / "uses-modeling.yaml").write_text(CASE)
    (p.path / "cases" / "model" / "uses-modeling-again.yaml").write_text(CASE)
    (p.path / "src").mkdir()
    (p.path / "src" / "teamlib.py").write_text("ANSWER = 42\n")
    (p.path / "cases" / "configured.yaml").write_text(CONFIGURED)
    result = p.runpytest_subprocess("cases", "--conformance-out", "out.json",
                                    "--conformance-pythonpath", str(p.path / "src"))
    cells = {(c["case"], c["mode"]): c for c in
             json.loads((p.path / "out.json").read_text())["cells"]}
    # The two cases' cells run in one worker: `calls` stays 1 only if the second imports
    # the module afresh.
    assert {k: c["outcome"] for k, c in cells.items()} == {
        ("model/uses-modeling", "v1"): "pass", ("model/uses-modeling-again", "v1"): "pass",
        ("configured", "v1"): "pass"}, result.stdout.str()[-3000:]


def test_without_the_configured_directory_the_import_fails(pytester_conformance):
    p = pytester_conformance
    (p.path / "src").mkdir()
    (p.path / "src" / "teamlib.py").write_text("ANSWER = 42\n")
    p.makefile(".yaml", **{"cases/configured": CONFIGURED})
    p.runpytest_subprocess("cases", "--conformance-out", "out.json")
    cell, = json.loads((p.path / "out.json").read_text())["cells"]
    assert cell["outcome"] == "fail"
    assert cell["observed"]["error"]["types"][0] in ("ModuleNotFoundError", "ImportError")


def test_the_teams_own_pytest_settings_and_conftest_stay_out_of_its_cells(tmp_path):
    """`conformance run` (./run cell, a team's ./run matrix PATH) over a project whose
    pytest configuration is for its own tests: an option only the team's plugins know, and
    a conftest.py that would fail the run."""
    import subprocess
    import sys

    team = tmp_path / "team"
    (team / "cases").mkdir(parents=True)
    (team / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--cov=mypkg --definitely-not-ours"\n')
    (team / "conftest.py").write_text("raise RuntimeError('the team conftest was loaded')\n")
    (team / "cases" / "conftest.py").write_text("raise RuntimeError('loaded')\n")
    (team / "cases" / "configured.yaml").write_text(
        "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: x = 1\n"
        "expect: {equals: {x: 1}}\n")
    done = subprocess.run([sys.executable, "-m", "conformance", "run", "cases/configured.yaml",
                           "--no-out"], cwd=str(team), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_a_case_folder_is_not_a_package_for_a_missing_import(pytester_conformance):
    """The case root is importable, but its topic folders (cases/keras/ in the corpus) are
    not namespace packages: `import nosuchpkg` still fails where nothing installs it, and
    a real module beside the cases is still found."""
    p = pytester_conformance
    (p.path / "cases" / "nosuchpkg").mkdir(parents=True)
    (p.path / "cases" / "modeling.py").write_text(MODULE)
    (p.path / "cases" / "nosuchpkg" / "missing.yaml").write_text(
        "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: |\n"
        "  try:\n    import nosuchpkg\n    found = True\n  except ImportError:\n"
        "    found = False\n  import modeling\n  has_build = callable(modeling.build)\n"
        "expect: {equals: {found: false, has_build: true}}\n")
    p.runpytest_subprocess("cases", "--conformance-out", "out.json")
    cell, = json.loads((p.path / "out.json").read_text())["cells"]
    assert cell["outcome"] == "pass", cell
