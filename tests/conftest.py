"""Shared fixtures. Tests are laid out by the package's sides:

    tests/in_env/       the in-environment side (Python 3.7 too; TF only where marked `tf`)
    tests/host/         the host side (matrix, reports, environments, CLI)
    tests/integration/  real TensorFlow: the runner end to end
    tests/reliability/  bad inputs and faulty cases: contained, one line each, run goes on
    tests/support/      factories, stand-ins and gold files (not tests)
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import textwrap

import pytest

SUPPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "support")
sys.path.insert(0, SUPPORT)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytest_plugins = ["pytester"]

HAS_TF = importlib.util.find_spec("tensorflow") is not None
# pytester runs load the plugin by name: -p works whether or not the entry point is
# installed (pytester.plugins would only reach an in-process run).
PLUGIN_ARGS = ("-p", "no:conformance", "-p", "conformance.pytest_plugin",
               "-p", "no:cacheprovider")


def pytest_addoption(parser):
    parser.addoption(
        "--update-gold", action="store_true", default=False,
        help="rewrite tests/support/gold/* from the current output instead of comparing",
    )
    parser.addoption(
        "--full-corpus", action="store_true", default=False,
        help="corpus tests use the whole corpus instead of a representative subset "
             "(CI runs them this way after the matrix)",
    )


def pytest_collection_modifyitems(config, items):
    if "slow" not in (config.option.markexpr or ""):  # slow tests run when -m names them
        slow = [item for item in items if item.get_closest_marker("slow")]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if not item.get_closest_marker("slow")]
    for item in items:
        # The project's own tests treat warnings as errors (not `pytest cases/`: old TF
        # environments warn on their own).
        item.add_marker(pytest.mark.filterwarnings("error"))
        if item.get_closest_marker("tf") and not HAS_TF:
            item.add_marker(pytest.mark.skip(
                reason="needs TensorFlow installed (./run tests installs it)"))


@pytest.fixture
def make_project(tmp_path):
    """Build a temporary directory from {relative path: text}; returns its path."""

    def build(files: dict, root=None):
        base = root or tmp_path
        for rel, text in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return base

    return build


class Runner:
    """pytester with the plugin loaded and ``cases/`` as the project's case root."""

    def __init__(self, pytester) -> None:
        self.pytester = pytester
        self.path = pytester.path
        pytester.makeini("[pytest]\nconformance_cases = cases\n")

    def makefile(self, ext, **files):
        return self.pytester.makefile(ext, **files)

    def runpytest(self, *args):
        return self.pytester.runpytest(*PLUGIN_ARGS, *args)

    def runpytest_subprocess(self, *args, timeout=None):
        return self.pytester.runpytest_subprocess(*PLUGIN_ARGS, *args, timeout=timeout)


@pytest.fixture
def pytester_conformance(pytester, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    return Runner(pytester)


# A representative subset of the corpus: the cases of these folders (the seed article's
# reuse claims, and threads). --full-corpus: every case.
SUBSET = ("seed", "threads")


@pytest.fixture
def corpus(pytester_conformance, request):
    p = pytester_conformance
    src = os.path.join(ROOT, "cases")
    if request.config.getoption("--full-corpus"):
        shutil.copytree(src, str(p.path / "cases"))
    else:
        for folder in SUBSET:
            shutil.copytree(os.path.join(src, folder), str(p.path / "cases" / folder))
    return p


def which_chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")
