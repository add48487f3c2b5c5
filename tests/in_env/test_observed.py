"""``Observed``: the observed record as a type; read and written back, it is unchanged."""
from __future__ import annotations

import json

from conformance.case.compare import compare
from conformance.case.model import Expect
from conformance.results.observed import Observed
from conformance.results.record import CellRecord


def test_a_record_read_and_written_is_unchanged_key_for_key_and_in_order():
    data = {"objects": {"v": {"type": "RefVariable", "name": "a/w:0", "ref": 0}},
            "groups": [["v", "w"]], "error": None, "values": {"v": [1.0]}, "equals": {},
            "future_key": {"x": 1}, "stdout": "", "code_seconds": 0.1}
    back = Observed.from_json(data).to_json()
    assert json.dumps(back) == json.dumps(data)
    assert Observed.from_json({"echo": None}).to_json() == {"echo": None}
    assert Observed.from_json(None) is None


def test_a_built_record_has_the_collections_and_what_was_set_in_the_executors_order():
    o = Observed(error={"type": "E", "message": "m\nn"}, stdout="", code_seconds=0.5)
    o.artifact = {"files": 1, "bytes": 2, "keys": {}}
    assert list(o.to_json()) == ["objects", "groups", "values", "equals", "error", "stdout",
                                 "code_seconds", "artifact"]
    assert o.error_line() == "E: m" and Observed().error_line() == "no error"


def test_compare_reads_the_type_or_its_json_alike():
    data = {"objects": {"v": {"type": "RefVariable", "name": "a/w:0", "ref": 0}},
            "groups": [], "values": {}, "equals": {}, "error": None}
    expect = Expect(names={"v": "a/w"})
    typed, raw = compare(expect, Observed.from_json(data)), compare(expect, data)
    assert [m.to_dict() for m in typed] == [m.to_dict() for m in raw]
    assert typed and typed[0].key == "names.v"


def test_a_cell_record_keeps_its_observed_record_through_json():
    rec = CellRecord.from_json({"case": "a", "mode": "v1", "device": "cpu", "outcome": "pass",
                                "observed": {"objects": {}, "odd": 1}})
    assert isinstance(rec.observed, Observed) and rec.observed.extra == {"odd": 1}
    assert rec.to_json()["observed"] == {"objects": {}, "odd": 1}
