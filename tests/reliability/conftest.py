"""Fixtures of the reliability suite; the helpers they share with the tests are in
rhelpers.py (a test module cannot import a conftest reliably: tests/ has one too)."""
from __future__ import annotations

import pytest
from rhelpers import PLUGIN_ARGS


@pytest.fixture
def conformance_runner(pytester, monkeypatch):
    """pytester whose runs are subprocesses with the plugin loaded and TF quiet.

    PYTHONDONTWRITEBYTECODE is cleared (as ./run tests does): without a bytecode cache
    every executor process compiles TensorFlow again (~3x slower)."""
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "")
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.delenv("CONFORMANCE_ISOLATION", raising=False)
    pytester.plugins = PLUGIN_ARGS[1::2]  # each goes in as -p NAME
    return pytester




def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: minutes of TensorFlow runs (the fault mix); deselect with -m 'not slow'")
