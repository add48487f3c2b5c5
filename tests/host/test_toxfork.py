"""The tox launcher: runs forked from a helper that imported tox once, with the same exit
status and output as a tox process of its own; falls back to one when the helper is gone."""
from __future__ import annotations

import os
import sys
import threading

import pytest

from conformance.envs.toxfork import Launcher

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(os.path.dirname(HERE), "support")
ROOT = os.path.dirname(os.path.dirname(HERE))
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


@pytest.fixture
def launcher(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [SUPPORT, ROOT] + [os.environ.get("PYTHONPATH", "")]))
    made = Launcher([sys.executable, os.path.join(SUPPORT, "fake_tox.py")], str(tmp_path), env,
                    helper=[sys.executable, "-m", "conformance.envs.toxfork", "fake_tox:run"])
    yield made
    made.close()


def test_exit_status_and_output_are_those_of_the_run(launcher):
    helper = launcher.proc.pid
    status, output = launcher.run(["3", "x"])
    assert status == 3
    assert "ran 3 x pid" in output and "to stderr" in output
    assert "parent %d" % helper in output  # forked from the helper, not a fresh tox
    assert launcher.run(["message"])[0] == 1  # SystemExit("...") exits 1, as Python does
    assert launcher.run(["return"])[0] == 0
    assert launcher.run(["-2"])[0] == 254  # tox's "handled error", as a process reports it


def test_runs_side_by_side(launcher, tmp_path):
    marker = str(tmp_path / "marker")
    results = {}
    waiter = threading.Thread(target=lambda: results.update(w=launcher.run(["wait-for", marker])))
    waiter.start()
    results["c"] = launcher.run(["create", marker])  # only returns if both ran at once
    waiter.join(20)
    assert results["c"][0] == 0 and results["w"][0] == 0, results


def test_close_reaps_the_helper_and_later_runs_fall_back_to_a_process(launcher):
    helper = launcher.proc
    launcher.close()
    assert helper.returncode == 0
    status, output = launcher.run(["5"])
    assert status == 5 and "parent %d" % os.getpid() in output  # run as our own child


def test_a_helper_that_died_is_replaced_by_processes(launcher):
    launcher.proc.kill()
    launcher.proc.wait()
    launcher.reader.join()
    status, output = launcher.run(["4"])
    assert status == 4 and "parent %d" % os.getpid() in output
