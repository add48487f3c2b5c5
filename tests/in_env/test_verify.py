"""--verify N: a cell whose runs differ is an error saying so. No TF."""
from __future__ import annotations

from conformance.execution.cell import verify
from conformance.results.observed import Observed
from conformance.results.record import CellRecord


def _record(outcome="pass", name="s/v:0", seconds=0.1, message=None):
    r = CellRecord(case="a/x", file="a/x.yaml", line=1, title="t", tags=[], mode="eager",
                   device="cpu", repro="")
    r.observed = Observed.from_json({
        "objects": {"v": {"type": "RefVariable", "name": name, "ref": 0}},
        "groups": [], "values": {}, "equals": {}, "stdout": "",
        "error": None if message is None else {"type": "E", "message": message},
        "code_seconds": seconds})
    return r.finish(outcome)


def _again(*records):
    queue = list(records)
    return lambda: queue.pop(0)


def test_the_same_behaviour_in_every_run_keeps_the_outcome():
    # timings and uid counters differ between runs of the same behaviour
    first = _record(name="r/v_1027:0", message="read r/v_1027 failed")
    got = verify(first, _again(_record(name="r/v_1031:0", seconds=0.3,
                                       message="read r/v_1031 failed")), 2)
    assert got.outcome == "pass" and got.runs == ["pass", "pass"] and got.reason is None


def test_another_outcome_in_a_run_is_flaky():
    got = verify(_record(), _again(_record(), _record("fail")), 3)
    assert got.outcome == "error" and got.runs == ["pass", "pass", "fail"]
    assert got.reason == "flaky under --verify 3: outcomes pass, pass, fail"


def test_another_observed_record_with_the_same_outcome_is_flaky():
    got = verify(_record(), _again(_record(name="s/v_1:0")), 2)
    assert got.outcome == "error" and got.runs == ["pass", "pass"]
    assert "observed record of run 2 differs from run 1's" in got.reason


def test_one_run_or_a_skip_is_left_alone():
    assert verify(_record(), _again(), 1).runs is None
    skip = _record().finish("skip", "no GPU")
    assert verify(skip, _again(), 3).runs is None
