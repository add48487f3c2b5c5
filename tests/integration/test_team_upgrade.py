"""The team's path end to end: from the team's own directory, ``./run upgrade-check`` with
relative paths runs the team's cases, which import the team's module beside them and the
packages the team asked for (tf-keras, resolved per TF, and tabulate, which no TF env has),
in two real TF environments.

Slow: it builds (or reuses) the TF 2.15 and TF 2.16 envs with tabulate."""
from __future__ import annotations

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.slow

MODELING = '''
import tensorflow as tf


def dense_package():
    """Where tf.keras (TF_USE_LEGACY_KERAS=1) takes its Dense layer from."""
    return type(tf.keras.layers.Dense(1)).__module__.split(".")[0]
'''

CASE = """
title: the team's module and tf_keras, the package the team asked for
modes: [v1]
devices: [cpu]
env: {TF_USE_LEGACY_KERAS: "1"}
code: |
  import modeling
  import tabulate
  import tf_keras
  package = modeling.dense_package()
expect:
  equals: {package: tf_keras}
"""


def test_upgrade_check_from_the_teams_directory(tmp_path):
    project = tmp_path / "team"
    (project / "cases").mkdir(parents=True)
    (project / "modeling.py").write_text(MODELING)
    (project / "cases" / "legacy-dense.yaml").write_text(CASE)
    (project / "pyproject.toml").write_text(
        '[tool.tf-scope-conformance]\nwith = ["tf-keras", "tabulate"]\n')
    proc = subprocess.run([os.path.join(ROOT, "run"), "upgrade-check", "--from", "2.15",
                           "--to", "2.16", "cases", "--fail-on", "failing", "--keep", "raw"],
                          cwd=str(project), capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "upgrade-check: with tf-keras, tabulate" in proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("OLD: ") and lines[0].endswith("(1 cells, TF 2.15): 1 pass")
    assert lines[1].startswith("NEW: ") and lines[1].endswith("(1 cells, TF 2.16): 1 pass")
    assert lines[-1] == "no differences"
    # the raw files went where the team said, named after the envs: tabulate is in
    # neither table env, so each is an env of its own
    raws = sorted(n for n in os.listdir(str(project / "raw")) if n.endswith(".json"))
    assert [n.split("-with-")[0] for n in raws] == ["tf2.15-cpu", "tf2.16-cpu"], raws
