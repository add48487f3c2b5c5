"""conformance.matrix: combining raw result files into the matrix model (no TF needed)."""
from __future__ import annotations

import json

import pytest
from rawfactory import RawDir, cell, raw

import conformance.matrix as matrix_mod
from conformance.matrix.changes import describe, signature
from conformance.matrix.combine import combine
from conformance.matrix.model import Cell
from conformance.results import raw as raw_format


def test_public_api_is_pinned():
    public = {n for n in dir(matrix_mod) if not n.startswith("_")}
    assert {"combine", "Matrix", "Column", "Case", "Cell", "Change", "FORMAT_VERSION",
            "signature", "describe", "find_changes"} <= public
    assert matrix_mod.FORMAT_VERSION == 1 and raw_format.FORMAT_VERSION == 3


def test_columns_ordered_by_numeric_version_not_text(tmp_path):
    d = RawDir(tmp_path)
    for minor in ("2.10", "2.9", "1.15", "2.21", "2.0", "2.2"):
        d.add(raw("tf%s-cpu" % minor, minor, cells=[cell("a/x")]))
    m = combine(d.paths)
    assert m.minors == ["1.15", "2.0", "2.2", "2.9", "2.10", "2.21"]
    assert [c.key for c in m.columns][-2:] == ["2.10/cpu", "2.21/cpu"]
    assert m.problems == []


def test_devices_order_cpu_before_gpu_within_a_version(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-gpu", "2.9", "gpu", cells=[cell("a/x", device="gpu")]))
    d.add(raw("tf2.9-cpu", "2.9", "cpu", cells=[cell("a/x")]))
    assert [c.key for c in combine(d.paths).columns] == ["2.9/cpu", "2.9/gpu"]


def test_rows_are_sorted_case_ids_and_modes_in_canonical_order(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("e", "2.9", cells=[cell("z/b", "function"), cell("a/c", "eager"),
                                 cell("z/b", "v1"), cell("z/b", "graph")]))
    m = combine(d.paths)
    assert [c.id for c in m.cases] == ["a/c", "z/b"]
    assert m.cases[1].modes == ["v1", "graph", "function"]


def test_combine_is_deterministic_whatever_the_input_order(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x", names={"v": "v:0"})]))
    d.add(raw("tf2.10-cpu", "2.10", cells=[cell("a/x", names={"v": "v"})]))
    d.add(raw("tf2.10-cpu", "2.10", cells=[cell("a/x", outcome="fail")]), "zz-dup.json")
    assert combine(d.paths) == combine(list(reversed(d.paths)))


@pytest.mark.parametrize("text, expected", [
    ("{not json", "unreadable JSON"),
    ('{"format": "coverage", "format_version": 1}', "expected format 'conformance-raw'"),
    ("[1, 2]", "expected format 'conformance-raw', found 'list'"),
    ('{"format": "conformance-raw", "format_version": 4}',
     "format_version 4 is newer than supported (3)"),
    ('{"format": "conformance-raw", "format_version": "1"}', "expected an integer format_version"),
    ('{"format": "conformance-raw", "format_version": 1, "status": "complete", "env": {}}',
     "env: 'name' is a required property"),
])
def test_unusable_file_is_a_problem_naming_the_file_not_fatal(tmp_path, text, expected):
    d = RawDir(tmp_path)
    good = d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x")]))
    bad = d.write_text("bad.json", text)
    m = combine(d.paths)
    assert len(m.problems) == 1
    assert m.problems[0].startswith(bad + ": ")
    assert expected in m.problems[0] and m.problems[0].endswith("skipped")
    assert "\n" not in m.problems[0]
    assert m.cell("a/x", "2.9", "v1", "cpu").outcome == "pass"  # the good file still counts
    assert good in d.paths


def test_invalid_tf_minor_and_status_are_problems(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("one", "two.x"))
    d.add(raw("two", "2.9", status="exploded"))
    m = combine(d.paths)
    assert "env.tf_minor: 'two.x' does not match" in m.problems[0]
    assert "status: 'exploded' is not one of ['complete', 'partial'" in m.problems[1]
    assert m.columns == []


def test_missing_file_is_a_problem(tmp_path):
    m = combine([str(tmp_path / "nope.json")])
    assert m.problems[0].startswith(str(tmp_path / "nope.json") + ": cannot read")


def test_bad_cell_record_is_reported_and_the_rest_kept(tmp_path):
    d = RawDir(tmp_path)
    path = d.add(raw("e", "2.9", cells=[cell("a/x"), cell("a/y", outcome="exploded"), 7]))
    m = combine(d.paths)
    assert m.problems == [
        "%s: cells[1]: outcome: expected one of pass, fail, xfail, xpass, error, crash, "
        "timeout, skip, found 'exploded'; cell skipped" % path,
        "%s: cells[2]: expected an object, found int; cell skipped" % path,
    ]
    assert [c.id for c in m.cases] == ["a/x"]


def test_duplicate_env_name_second_file_reported_and_skipped(tmp_path):
    d = RawDir(tmp_path)
    first = d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x")]), "a.json")
    second = d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x", outcome="fail")]), "b.json")
    m = combine([second, first])
    assert m.problems == ["%s: duplicate environment 'tf2.9-cpu' (already read from %s); "
                          "skipped" % (second, first)]
    assert m.cell("a/x", "2.9", "v1", "cpu").outcome == "pass"


def test_record_from_the_cells_own_device_environment_wins(tmp_path):
    d = RawDir(tmp_path)
    # The cpu env sees no GPU: its gpu cells are skips; the gpu env really ran them.
    d.add(raw("tf2.9-cpu", "2.9", "cpu", cells=[
        cell("a/x", device="cpu"), cell("a/x", device="gpu", outcome="skip")]))
    d.add(raw("tf2.9-gpu", "2.9", "gpu", cells=[
        cell("a/x", device="cpu", outcome="fail"), cell("a/x", device="gpu", outcome="fail")]))
    m = combine(d.paths)
    assert m.cell("a/x", "2.9", "v1", "cpu").env == "tf2.9-cpu"
    assert m.cell("a/x", "2.9", "v1", "cpu").outcome == "pass"
    assert m.cell("a/x", "2.9", "v1", "gpu").env == "tf2.9-gpu"


def test_non_skip_record_preferred_when_no_device_matches(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("a-cpu", "2.9", "cpu", cells=[cell("a/x", device="gpu", outcome="skip")]))
    d.add(raw("b-cpu", "2.9", "cpu", cells=[cell("a/x", device="gpu", outcome="pass")]))
    d.add(raw("c-cpu", "2.9", "cpu", cells=[cell("a/x", device="gpu", outcome="skip")]))
    assert combine(d.paths).cell("a/x", "2.9", "v1", "gpu").env == "b-cpu"


def test_unavailable_and_not_run_fill_their_column_apart_from_fail(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x", "v1"), cell("a/x", "eager"),
                                         cell("b/y", "graph", outcome="fail")]))
    d.add(raw("tf2.9-gpu", "2.9", "gpu", status="unavailable", reason="no GPU visible"))
    d.add(raw("tf2.2-cpu", "2.2", status="not_run", reason="needs Python 3.8: not found"))
    m = combine(d.paths)
    gpu = {k: c.outcome for k, c in m.cells.items() if k[3] == "gpu"}
    assert gpu == {("a/x", "2.9", "v1", "gpu"): "unavailable",
                   ("a/x", "2.9", "eager", "gpu"): "unavailable",
                   ("b/y", "2.9", "graph", "gpu"): "unavailable"}
    assert m.cell("a/x", "2.9", "v1", "gpu").reason == "no GPU visible"
    assert {c.outcome for k, c in m.cells.items() if k[1] == "2.2"} == {"not_run"}
    status = {c.key: (c.status, c.reason) for c in m.columns}
    assert status["2.9/gpu"] == ("unavailable", "no GPU visible")
    assert status["2.2/cpu"] == ("not_run", "needs Python 3.8: not found")
    assert status["2.9/cpu"] == ("complete", None)
    assert m.changes == []  # unavailable / not run columns are not runs


def test_column_without_its_own_environment_is_no_env(tmp_path):
    d = RawDir(tmp_path)  # the cpu env reports its gpu cells as skips; no gpu env exists
    d.add(raw("tf2.9-cpu", "2.9", "cpu", cells=[
        cell("a/x"), cell("a/x", device="gpu", outcome="skip", reason="no GPU visible")]))
    m = combine(d.paths)
    assert [(c.key, c.status, c.envs) for c in m.columns] == [
        ("2.9/cpu", "complete", ["tf2.9-cpu"]), ("2.9/gpu", "no_env", ["tf2.9-cpu"])]
    assert m.cell("a/x", "2.9", "v1", "gpu").reason == "no GPU visible"


def test_complete_run_beats_an_unavailable_file_for_the_same_column(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("a-tf2.9-py37-cpu", "2.9", status="unavailable", reason="no python3.7"))
    d.add(raw("b-tf2.9-py38-cpu", "2.9", cells=[cell("a/x")]))
    m = combine(d.paths)
    assert m.cell("a/x", "2.9", "v1", "cpu").outcome == "pass"
    assert m.columns[0].status == "complete"


def test_case_file_errors_are_collected_once(tmp_path):
    d = RawDir(tmp_path)
    err = {"file": "cases/bad.yaml", "line": 3, "message": "cases/bad.yaml:3: expect: bad"}
    d.add(raw("e1", "2.9", errors=[err]))
    d.add(raw("e2", "2.10", errors=[err]))
    assert combine(d.paths).case_errors == ["cases/bad.yaml:3: expect: bad"]


def test_signature_is_order_independent_and_ignores_values():
    a = {"objects": {"b": {"name": "x/b:0"}, "a": {"name": "x/a:0", "ref": 1}},
         "groups": [["b", "a"]], "values": {"a": [1.0]}, "error": None}
    b = json.loads(json.dumps(a))
    b["objects"] = {"a": {"name": "x/a:0", "ref": 7}, "b": {"name": "x/b:0"}}
    b["groups"], b["values"] = [["a", "b"]], {"a": [2.0]}
    assert signature(a) == signature(b)
    assert signature(None) is None


def _obs(names=None, error=None, groups=None, equals=None):
    return {"objects": {k: {"type": "RefVariable", "name": v} for k, v in (names or {}).items()},
            "groups": groups or [], "error": error, "equals": equals or {}}


@pytest.mark.parametrize("old, new, text", [
    (Cell("pass", observed=_obs({"k": "kernel:0"})), Cell("pass", observed=_obs({"k": "kernel"})),
     "k: kernel:0 → kernel"),
    (Cell("pass", observed=_obs()), Cell("fail", observed=_obs(
        error={"type": "ValueError", "message": "Variable v exists\nmore"})),
     "error: none → ValueError: Variable v exists; outcome: pass → fail"),
    # A changed error type: each side's type and the first line of its message.
    (Cell("pass", observed=_obs(error={"type": "ValueError", "message": "a\nmore"})),
     Cell("pass", observed=_obs(error={"type": "AttributeError", "message": "b"})),
     "error: ValueError: a → AttributeError: b"),
    # A long list: the items only one side has, not both lists.
    (Cell("pass", observed=_obs(equals={"names": ["bert/layer_%d/kernel" % i for i in range(9)]})),
     Cell("pass", observed=_obs(equals={"names": ["bert/layer_%d/kernel" % i for i in range(8)]
                                        + ["bert/layer_8/kernel_1"]})),
     "names: 9 items → 9: −bert/layer_8/kernel, +bert/layer_8/kernel_1"),
    (Cell("pass", observed=_obs(equals={"names": ["bert/layer_%d/kernel" % i for i in range(9)]})),
     Cell("pass", observed=_obs(equals={"names": ["bert/layer_%d/kernel" % i
                                                  for i in reversed(range(9))]})),
     "names: 9 items → 9: the same items in another order"),
    (Cell("fail", observed=_obs(error={"type": "ValueError", "message": "a"})),
     Cell("fail", observed=_obs(error={"type": "ValueError", "message": "b"})),
     "error: ValueError: 'a' → 'b'"),
    (Cell("pass", observed=_obs({"v": "v"})), Cell("pass", observed=_obs({"w": "w"})),
     "v: v → none; w: none → w"),
    (Cell("pass", observed=_obs(groups=[["a", "b"]])), Cell("fail", observed=_obs()),
     "groups: a=b → none; outcome: pass → fail"),
    (Cell("pass", observed=_obs(equals={"n": 1})), Cell("pass", observed=_obs(equals={"n": 2})),
     "n: 1 → 2"),
    (Cell("pass", observed=_obs()), Cell("error", reason="TF failed to import"),
     "outcome: pass → error"),
])
def test_describe_names_what_differs(old, new, text):
    assert describe(old, new) == text


def test_same_behaviour_with_another_outcome_is_not_a_change():
    same = _obs({"v": "v:0"})
    assert describe(Cell("pass", observed=same), Cell("xpass", observed=same)) is None
    assert describe(Cell("error"), Cell("error")) is None


def test_changes_walk_real_runs_in_version_order_skipping_gaps(tmp_path):
    d = RawDir(tmp_path)
    names = {"2.9": "d/kernel:0", "2.10": "d/kernel:0", "2.16": "d/kernel", "2.2": "d/kernel:0"}
    for minor, name in names.items():
        d.add(raw("tf%s-cpu" % minor, minor, cells=[cell("a/x", names={"k": name})]))
    d.add(raw("tf2.11-cpu", "2.11", status="unavailable", reason="no wheel"))
    d.add(raw("tf2.12-cpu", "2.12", cells=[cell("a/x", outcome="skip")]))
    m = combine(d.paths)
    assert [(c.tf_minor, c.previous, c.text) for c in m.changes] == [
        ("2.16", "2.10", "changed in 2.16 (previous run: 2.10): k: d/kernel:0 → d/kernel")]
    assert m.cell("a/x", "2.16", "v1", "cpu").change == m.changes[0].text
    assert m.cell("a/x", "2.10", "v1", "cpu").change is None


def test_adjacent_change_has_no_gap_note(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.15-cpu", "2.15", cells=[cell("a/x", "eager", names={"k": "kernel:0"})]))
    d.add(raw("tf2.16-cpu", "2.16", cells=[cell("a/x", "eager", names={"k": "kernel"})]))
    (change,) = combine(d.paths).changes
    assert (change.case, change.mode, change.device) == ("a/x", "eager", "cpu")
    assert change.text == "changed in 2.16: k: kernel:0 → kernel"


def test_raw_files_are_strict_json_even_with_a_nan_observed(tmp_path):
    """A bare NaN is not JSON: the page's script refused the whole data for one value."""
    from conformance.results.writer import write_json

    data = {"cells": [{"case": "a", "observed": {"values": {"x": float("nan")}}}],
            "errors": [], "inf": [float("inf"), -float("inf")]}
    write_json(str(tmp_path / "r.json"), data)

    def refuse(name):
        raise ValueError("not JSON: " + name)

    back = json.loads((tmp_path / "r.json").read_text(), parse_constant=refuse)
    assert back["cells"][0]["observed"]["values"]["x"] == "NaN"
    assert back["inf"] == ["Infinity", "-Infinity"]


def test_format_1_files_still_combine_and_read_as_the_current_format(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x")],
              errors=[{"file": "cases/b.yaml", "line": 3, "message": "cases/b.yaml:3: x"}]))
    doc = raw_format.read(d.paths[0])
    assert doc["format_version"] == 3 and doc["errors"][0]["key"] == ""
    m = combine(d.paths)
    assert not m.problems and m.cell("a/x", "2.9", "v1", "cpu").outcome == "pass"


def test_a_partial_file_makes_a_partial_column(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x")], status="partial",
              reason="a subset of the cases ran", format_version=2))
    m = combine(d.paths)
    assert [(c.key, c.status) for c in m.columns] == [("2.9/cpu", "partial")]
    assert m.cell("a/x", "2.9", "v1", "cpu").outcome == "pass"


def test_a_deeply_nested_file_is_a_problem_not_a_crash(tmp_path):
    d = RawDir(tmp_path)
    d.write_text("deep.json", "[" * 100000 + "]" * 100000)
    m = combine(d.paths)
    assert len(m.problems) == 1 and "nested too deeply" in m.problems[0]


def test_a_uid_counter_is_not_a_change_and_a_message_is_wording(tmp_path):
    d = RawDir(tmp_path)
    for minor, uid, word in (("2.0", 1027, "meaningless"), ("2.1", 1024, "meaningless"),
                             ("2.2", 1024, "undefined")):
        d.add(raw("tf%s-cpu" % minor, minor, cells=[
            cell("a/uid", names={"v": "r/v_%d:0" % uid, "w": "r/w_1:0"},
                 error="FailedPreconditionError: reading r/v_%d failed" % uid),
            cell("a/msg", error="AttributeError: Tensor.op is %s" % word)]))
    m = combine(d.paths)
    assert [(c.case, c.tf_minor, c.kind) for c in m.changes] == [("a/msg", "2.2", "wording")]
    # a _1 suffix is scope uniquification: it is behaviour, compared as it is
    old = {"objects": {"w": {"name": "r/w_1:0"}}}
    assert signature(old) != signature({"objects": {"w": {"name": "r/w_2:0"}}})
    assert signature({"objects": {"w": {"name": "r/w_1027:0"}}}) == signature(
        {"objects": {"w": {"name": "r/w_1024:0"}}})
