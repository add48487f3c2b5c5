"""Known-wrong copies of corpus cases (tests/fixtures/wrong-cases, each explained in its
header) must fail exactly where TF contradicts them: the corpus can fail, and a case that
could not would be caught here."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest
from packaging.version import Version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WRONG = os.path.join(ROOT, "tests", "fixtures", "wrong-cases")
ALL = {"v1", "graph", "eager", "function"}


def must_fail(tf: str) -> dict:
    """{case id: the modes that must fail on this TF} (the rest must pass)."""
    keras3 = Version(tf).release[:2] >= (2, 16)
    return {
        "api-auto-reuse-doc-example": {"eager"},
        "api-min-max-partitioner-slices": ALL,
        "api-reentry-three-ways-mul-suffix": {"v1", "graph", "function"},
        "functional-api-eager-keeps-name-scope": set() if keras3 else {"eager"},
        "keras3-short-names-distinct": ALL if keras3 else set(),
        "module-name-scope-nests": ALL,
    }


def run_wrong_cases(python: str, out: str) -> dict:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([python, "-m", "conformance", "run", WRONG, "--devices", "cpu", "--out", out,
                    "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def check(doc: dict) -> None:
    expected = must_fail(doc["env"]["tf"])
    got: dict = {}
    for cell in doc["cells"]:
        got.setdefault(cell["case"], {})[cell["mode"]] = cell["outcome"]
    assert set(got) == set(expected), sorted(got)
    for case, modes in got.items():
        failing = {m for m, outcome in modes.items() if outcome == "fail"}
        assert failing == expected[case], (doc["env"]["tf"], case, modes)
        assert all(modes[m] == "pass" for m in ALL - failing), (case, modes)


@pytest.mark.tf
def test_wrong_cases_fail_exactly_where_tf_contradicts_them(tmp_path):
    check(run_wrong_cases(sys.executable, str(tmp_path / "wrong.json")))


@pytest.mark.slow
@pytest.mark.parametrize("env", sorted(
    os.path.basename(p) for p in glob.glob(os.path.join(ROOT, ".tox", "tf[0-9]*-cpu"))))
def test_wrong_cases_fail_in_every_built_environment(tmp_path, env):
    """After the matrix (CI), the same check with every TF version's own Python."""
    python = os.path.join(ROOT, ".tox", env, "bin", "python")
    if not os.path.exists(python):
        pytest.skip("%s is not built" % env)
    check(run_wrong_cases(python, str(tmp_path / "wrong.json")))
