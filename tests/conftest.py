from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption(
        "--update-gold", action="store_true", default=False,
        help="rewrite tests/gold/* from the current output instead of comparing",
    )
    parser.addoption(
        "--full-corpus", action="store_true", default=False,
        help="tests/reliability: run the fault mix over the whole corpus, not a subset "
             "(also: CONFORMANCE_FULL_CORPUS=1)",
    )


# --------------------------------------------------------------- shared fixtures (core)
import importlib.util  # noqa: E402
import shutil  # noqa: E402
import textwrap  # noqa: E402

import pytest  # noqa: E402

pytest_plugins = ["pytester"]

HAS_TF = importlib.util.find_spec("tensorflow") is not None


def pytest_collection_modifyitems(config, items):
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


@pytest.fixture
def pytester_conformance(pytester, monkeypatch):
    """pytester with the plugin loaded whether or not the entry point is installed."""
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    pytester.plugins = [] if _entry_point() else ["conformance.plugin"]
    return pytester


def _entry_point() -> bool:
    from conformance.cli import _entry_point_installed

    return _entry_point_installed()


def which_chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")
