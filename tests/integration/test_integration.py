"""Real TensorFlow: the runner against known-right and known-wrong expectations, crashes,
timeouts, xdist and order independence."""
from __future__ import annotations

import json
import os

import pytest
from casetexts import CAPTURED

from conformance.results import normalise

pytestmark = pytest.mark.tf


# Each is a claim TF contradicts; the runner must fail every one of them.
WRONG = {
    "wrong-name": CAPTURED.replace("v1: my_scope/my_var:0,", "v1: my_scope/my_var,"),
    "wrong-identity": CAPTURED.replace("same: [[v1, v2]]", "distinct: [[v1, v2]]"),
    "error-that-does-not-occur": CAPTURED.replace(
        "expect:\n", "expect:\n  error: {type: ValueError}\n"),
    "wrong-value": CAPTURED.replace("values: {v2: [1.0]}", "values: {v2: [2.0]}"),
    # The seed article's Example 2 claims this raises "... already exists, disallowed".
    "article-example-2-claim": """
title: the article's claimed error for Example 2
source: seed article, Example 2
modes: [v1]
devices: [cpu]
code: |
  with tf.variable_scope("scope1"):
      v1 = tf.get_variable("my_var", shape=[1], initializer=tf.constant_initializer(1.0))
  with tf.variable_scope("scope2"):
      v2 = tf.get_variable("my_var", reuse=True)
expect:
  error: {type: ValueError, match: "already exists, disallowed"}
""",
}


def run(p, *args):
    return p.runpytest_subprocess(*args, "-p", "no:cacheprovider")


def test_known_right_case_passes_and_known_wrong_ones_fail(pytester_conformance):
    p = pytester_conformance
    files = {"cases/right/captured": CAPTURED}
    files.update({"cases/wrong/" + k: v for k, v in WRONG.items()})
    p.makefile(".yaml", **files)
    result = run(p, "cases", "--conformance-out", "out.json")
    doc = json.loads((p.path / "out.json").read_text())
    cells = doc["cells"]
    outcome = {(c["case"], c["mode"]): c["outcome"] for c in cells}
    assert outcome[("right/captured", "v1")] == "pass"
    # The executor processes are stopped before the file is written, so their CPU time
    # (which includes their TF imports) is in it.
    imports = sum(prof["import_cpu_seconds"] for prof in doc["env"]["profiles"].values())
    assert imports > 0 and doc["env"]["cpu_seconds"]["executors"] >= imports
    assert outcome[("right/captured", "graph")] == "pass"
    # Ordinary cells leave nothing behind: the worker is reused, not replaced. (On TF >= 2.16
    # Keras' clear_session installs a new global graph; that must not count as a leftover.)
    assert [c["case"] for c in cells if c.get("worker_retired")] == []
    for name in WRONG:
        for (case, mode), got in outcome.items():
            if case == "wrong/" + name:
                assert got == "fail", (case, mode, got)
    article = next(c for c in cells if c["case"] == "wrong/article-example-2-claim")
    assert article["observed"]["error"]["type"] == "TypeError"
    assert "reuse" in article["observed"]["error"]["message"]
    assert result.ret == 1


@pytest.mark.parametrize("mode, change, after, retired", [
    ("eager", "s = tf2.name_scope('left')\n  s.__enter__()\n",
     "with tf2.name_scope('fresh') as n:\n      pass\nexpect: {equals: {n: fresh/}}\n",
     "changed open name scope"),
    # CI's fault mix caught this one: TF 2.16 moved the private flag the guard read, so a
    # later graph cell in the reused worker made RefVariables.
    ("graph", "tf.disable_resource_variables()\n",
     "v = tf.get_variable('v', shape=[1])\n  kind = type(v).__name__\n"
     "expect: {equals: {kind: ResourceVariable}}\n",
     "changed resource variables"),
])
def test_a_cell_changing_process_state_gets_a_fresh_worker_after_it(
        pytester_conformance, mode, change, after, retired):
    p = pytester_conformance
    head = "title: t\nsource: s\ndevices: [cpu]\nmodes: [%s]\ncode: |\n  " % mode
    p.makefile(".yaml", **{"cases/a/change": head + change, "cases/b/after": head + after})
    run(p, "cases", "-p", "no:randomly", "--conformance-out", "out.json").assert_outcomes(
        passed=2)
    cells = {c["case"]: c for c in json.loads((p.path / "out.json").read_text())["cells"]}
    assert cells["a/change"]["worker_retired"] == retired
    assert "worker_retired" not in cells["b/after"]


def test_crash_and_timeout_are_results_and_the_run_goes_on(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{
        "cases/x/abort": "title: t\nsource: s\ndevices: [cpu]\nmodes: [v1, eager]\n"
                         "code: |\n  import os\n  os.abort()\n",
        "cases/x/hang": "title: t\nsource: s\ndevices: [cpu]\nmodes: [graph, function]\n"
                        "timeout: 2\ncode: |\n  while True:\n      pass\n",
        "cases/x/zafter": CAPTURED,
    })
    result = run(p, "cases", "--conformance-out", "out.json")
    cells = json.loads((p.path / "out.json").read_text())["cells"]
    outcome = {(c["case"], c["mode"]): (c["outcome"], c["reason"]) for c in cells}
    assert outcome[("x/abort", "v1")] == ("crash", "killed by signal SIGABRT")
    assert outcome[("x/abort", "eager")] == ("crash", "killed by signal SIGABRT")
    assert outcome[("x/hang", "graph")] == ("timeout", "killed after 2s")
    assert outcome[("x/hang", "function")] == ("timeout", "killed after 2s")
    # the graph worker that crashed / hung was replaced: later cells still run
    assert outcome[("x/zafter", "v1")][0] == "pass"
    assert outcome[("x/zafter", "graph")][0] == "pass"
    result.assert_outcomes(failed=4, passed=2)


def _cells(path) -> dict:
    cells = json.loads(path.read_text())["cells"]
    keep = ("outcome", "reason", "variant", "mismatches")
    out = {}
    for c in cells:
        # timings left out, run-dependent text (a temporary directory's name) normalised
        observed = normalise.comparable(c["observed"])
        out[(c["case"], c["mode"], c["device"])] = ({k: c[k] for k in keep}, observed)
    return out


def test_order_pipelining_isolation_and_xdist_do_not_change_results(corpus, monkeypatch):
    """The quick form of the three checks below, on the representative subset: a shuffled,
    pipelined, reused-worker run in one process against another order, no pipelining, a
    fresh fork per eager/function cell, over two xdist workers."""
    run(corpus, "cases", "--devices", "cpu", "--shuffle", "1", "--conformance-out", "a.json")
    monkeypatch.setenv("CONFORMANCE_ISOLATION", "fork")
    run(corpus, "cases", "--devices", "cpu", "--shuffle", "2", "--no-pipeline", "-n", "2",
        "--conformance-out", "b.json")
    first, second = _cells(corpus.path / "a.json"), _cells(corpus.path / "b.json")
    assert len(first) >= 50 and first == second


@pytest.mark.slow
def test_results_do_not_depend_on_cell_order_or_pipelining(corpus):
    a = run(corpus, "cases", "--devices", "cpu", "--shuffle", "1", "--conformance-out", "a.json")
    b = run(corpus, "cases", "--devices", "cpu", "--shuffle", "2", "--no-pipeline",
            "--conformance-out", "b.json")
    assert a.ret in (0, 1) and b.ret in (0, 1)
    first, second = _cells(corpus.path / "a.json"), _cells(corpus.path / "b.json")
    assert len(first) >= 4 and first == second
    # Both ways really ran: most cells were sent ahead in the first run, none in the second.
    ahead = [json.loads((corpus.path / name).read_text())["cells"] for name in ("a.json",
                                                                                "b.json")]
    assert sum(bool(c.get("sent_ahead")) for c in ahead[0]) > len(ahead[0]) / 2
    assert not any(c.get("sent_ahead") for c in ahead[1])


@pytest.mark.slow
def test_reused_workers_give_fresh_process_results(corpus, monkeypatch):
    """Eager/function cells share a reset worker by default; a fresh fork per cell is the
    reference. Both must observe the same on the whole corpus."""
    run(corpus, "cases", "--devices", "cpu", "--modes", "eager,function",
        "--conformance-out", "reuse.json")
    monkeypatch.setenv("CONFORMANCE_ISOLATION", "fork")
    run(corpus, "cases", "--devices", "cpu", "--modes", "eager,function",
        "--conformance-out", "fork.json")
    reused, forked = _cells(corpus.path / "reuse.json"), _cells(corpus.path / "fork.json")
    assert len(reused) >= 4 and reused == forked


@pytest.mark.slow
def test_xdist_gives_the_same_results_as_one_process(corpus):
    run(corpus, "cases", "--devices", "cpu", "-n", "0", "--no-pipeline",
        "--conformance-out", "serial.json")
    run(corpus, "cases", "--devices", "cpu", "-n", "2", "--conformance-out", "xdist.json")
    assert _cells(corpus.path / "serial.json") == _cells(corpus.path / "xdist.json")


def test_gpu_cells_skip_without_a_gpu(pytester_conformance):
    if not os.environ.get("CI") and os.path.exists("/dev/nvidia0"):
        pytest.skip("this machine has a GPU: the cell really runs")
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/g": CAPTURED.replace("devices: [cpu]", "devices: [gpu]")})
    result = run(p, "cases", "-rs", "--conformance-out", "out.json")
    result.assert_outcomes(skipped=2)
    cells = json.loads((p.path / "out.json").read_text())["cells"]
    assert {c["reason"] for c in cells} == {
        "no GPU visible (no /dev/nvidia* device on this machine)"}


def test_gpu_path_asks_tensorflow_when_a_gpu_may_exist(pytester_conformance, monkeypatch):
    """CONFORMANCE_PROBE_GPU=1 skips the device-node shortcut: a GPU executor starts, TF
    lists its GPUs in a throwaway process, and without one the cell is skipped by TF's word."""
    if os.path.exists("/dev/nvidia0"):
        pytest.skip("this machine has a GPU: the cell really runs")
    monkeypatch.setenv("CONFORMANCE_PROBE_GPU", "1")
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/g": CAPTURED.replace("devices: [cpu]", "devices: [gpu]")})
    run(p, "cases", "--conformance-out", "out.json").assert_outcomes(skipped=2)
    data = json.loads((p.path / "out.json").read_text())
    assert {c["reason"].split(" (")[0] for c in data["cells"]} == {"no GPU visible to TensorFlow"}
    profiles = data["env"]["profiles"]
    assert set(profiles) == {"v1-gpu", "tf2-gpu"}
    assert all(prof["gpus"] == [] and "gpu_probe" in prof for prof in profiles.values())


def test_a_library_warning_shows_in_every_cell_that_triggers_it(pytester_conformance):
    """Python shows a warning once per code location per process. numpy's "Mean of empty
    slice" comes from a numpy module, so a reused worker would show it in the first cell
    only (CI saw this with Keras 3's Dense warning and a shuffled corpus)."""
    p = pytester_conformance
    case = ("title: t\nsource: s\ndevices: [cpu]\nmodes: [graph, eager, function]\n"
            "code: |\n  m = np.mean([])\n")
    p.makefile(".yaml", **{"cases/a/first": case, "cases/b/second": case})
    run(p, "cases", "-p", "no:randomly", "--conformance-out", "out.json").assert_outcomes(
        passed=6)
    cells = json.loads((p.path / "out.json").read_text())["cells"]
    assert len(cells) == 6
    for cell in cells:
        assert "Mean of empty slice" in cell["observed"]["stdout"], (cell["case"], cell["mode"])
