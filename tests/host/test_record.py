"""``python -m conformance record``: a case's expect and variants from observed results."""
from __future__ import annotations

import os
import shutil

import pytest
from rawfactory import RawDir, cell, raw

from conformance.case.load import load_case
from conformance.cli import main

pytest.importorskip("ruamel.yaml")

OBSERVED = os.path.join(os.path.dirname(os.path.dirname(__file__)), "support", "observed")
# keras/dense-kernel-name as it was before TF 2.16 (no Keras 3 variant); the observations
# in tests/support/observed are the real ones of TF 2.15 and 2.16 (format_version 1).
BEFORE_2_16 = """\
title: A Dense layer's kernel name
tags: [keras]
source: test
code: |
  layer = tf.keras.layers.Dense(2, name="dense_a")
  y = layer(tf.ones([1, 3]))
# a comment that must survive
expect:
  names: {layer.kernel: dense_a/kernel:0, layer.bias: dense_a/bias:0}
  equals: {"getattr(layer.kernel, 'path', None)": null}
variants:
  - when: {modes: [function]}
    expect:
      error: {type: ValueError, match: "(tried to create variables|only supports singleton)"}
    note: "traced twice"
"""


def _case(tmp_path, case_id, text):
    path = tmp_path / "cases" / (case_id + ".yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _record(capsys, *args):
    status = main(["record", *map(str, args)])
    return status, capsys.readouterr().out


def test_real_observations_of_two_versions_put_the_variant_at_2_16(tmp_path, capsys):
    path = _case(tmp_path, "keras/dense-kernel-name", BEFORE_2_16)
    status, out = _record(capsys, "--raw", OBSERVED, "--write", path)
    # the expectation fails at 2.16 (eager, graph, v1): reported, the file left alone
    assert status == 1 and path.read_text() == BEFORE_2_16
    assert out.count("existing expectation fails: 2.16/") == 3
    assert "existing expectation fails: 2.15" not in out
    assert "not applied: 3 cells fail" in out and "--- " in out
    status, out = _record(capsys, "--raw", OBSERVED, "--write", "--update-failing", path)
    assert status == 0 and "written" in out
    text = path.read_text()
    assert "# a comment that must survive" in text and 'note: "traced twice"' in text
    # only what the case checks is recorded (y and layer were observed too), in its quotes
    assert "BiasAdd" not in text and "dense_a/kernel:0" in text
    assert '{"getattr(layer.kernel, \'path\', None)": null}' in text
    case = load_case(str(path), str(tmp_path / "cases"))
    [new, function] = case.variants
    assert (new.modes, str(new.tf)) == (("v1", "graph", "eager"), ">=2.16")
    assert new.expect.names == {"layer.kernel": "kernel", "layer.bias": "bias"}
    assert new.expect.equals["getattr(layer.kernel, 'path', None)"] == "dense_a/kernel"
    assert case.expect.names == {"layer.kernel": "dense_a/kernel:0",
                                 "layer.bias": "dense_a/bias:0"}
    assert function.modes == ("function",) and function.tf is None
    # recorded again from the same results: nothing left to change
    status, out = _record(capsys, "--raw", OBSERVED, path)
    assert status == 0 and "unchanged" in out and "fails" not in out


def test_without_write_only_the_diff_is_shown(tmp_path, capsys):
    path = _case(tmp_path, "a/x", "title: t\nsource: s\ncode: v = tf.Variable(1.0, name='v')\n")
    d = RawDir(tmp_path)
    for minor in ("2.8", "2.9"):
        d.add(raw("tf%s-cpu" % minor, minor, cells=[cell("a/x", "eager", names={"v": "v:0"})]))
    status, out = _record(capsys, "--raw", d.dir, path)
    assert status == 0 and "+expect:" in out and "+  names: {v: v:0}" in out
    assert "names" not in path.read_text()


CASE = "title: t\nsource: s\ncode: v = 1\nexpect:\n  names: {v: old}\n"


def _history(tmp_path, name_of, minors=("1.15", "2.0", "2.8", "2.10", "2.11", "2.12"),
             modes=("v1", "graph", "eager", "function")):
    d = RawDir(tmp_path)
    for minor in minors:
        d.add(raw("tf%s-cpu" % minor, minor, cells=[
            cell("a/x", mode, names={"v": name_of(minor, mode)}) for mode in modes]))
    return d.dir


def test_boundaries_are_the_first_version_that_showed_the_behaviour(tmp_path, capsys):
    def name_of(minor, mode):
        if mode == "eager" and minor in ("2.10", "2.11", "2.12"):  # 2.9 did not run
            return "eager-new"
        if minor == "1.15":
            return "tf1"
        return "s/v:0"

    path = _case(tmp_path, "a/x", CASE)
    status, _ = _record(capsys, "--raw", _history(tmp_path, name_of), "--write",
                        "--update-failing", path)
    case = load_case(str(path), str(tmp_path / "cases"))
    assert status == 0 and case.expect.names == {"v": "s/v:0"}
    assert [(v.modes, str(v.tf), v.expect.names["v"]) for v in case.variants] == [
        (None, "<2.0", "tf1"), (("eager",), ">=2.10", "eager-new")]


def test_a_range_in_the_middle_is_bounded_on_both_sides(tmp_path, capsys):
    path = _case(tmp_path, "a/x", CASE)
    _record(capsys, "--raw", _history(tmp_path, lambda minor, mode: "mid" if minor in (
        "2.8", "2.10") and mode == "function" else "s/v:0"), "--write", "--update-failing",
        path)
    [v] = load_case(str(path), str(tmp_path / "cases")).variants
    assert (v.modes, str(v.tf)) == (("function",), "<2.11,>=2.8")


def test_an_xfail_variant_is_kept_and_its_cells_left_out(tmp_path, capsys):
    text = CASE.replace("old", "s/v:0") + (
        "variants:\n  - when: {tf: \"<2.1\"}\n    xfail: known bug 123\n")
    path = _case(tmp_path, "a/x", text)
    status, out = _record(capsys, "--raw", _history(
        tmp_path, lambda minor, mode: "bug" if minor in ("1.15", "2.0") else "s/v:0"),
        "--write", path)
    assert status == 0 and "unchanged" in out and "1 xfail kept" in out
    assert path.read_text() == text


def test_usage_errors_exit_2(tmp_path, capsys):
    path = _case(tmp_path, "a/x", CASE)
    assert _record(capsys, "--raw", tmp_path / "nowhere", path)[0] == 2
    assert _record(capsys, path)[0] == 2  # --raw is required
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _record(capsys, "--raw", empty, path)[0] == 2
    shutil.copy(os.path.join(OBSERVED, "tf2.15-cpu.json"), str(empty))
    status, _ = _record(capsys, "--raw", empty, path)  # no results for this case
    assert status == 1


def test_a_group_that_becomes_same_from_two_expectations_is_recorded_once(tmp_path, capsys):
    # `distinct: [[a, b, c]]` and a variant's `same: [[a, b]]`: where a is b but not c, both
    # groups observe the pair (a, b) as one object; the file gets that group once
    text = ("title: t\nsource: s\ncode: a = b = 1\nexpect:\n  distinct: [[a, b, c]]\n"
            "variants:\n  - when: {tf: \"<2.9\"}\n    expect:\n      same: [[a, b]]\n")
    path = _case(tmp_path, "a/x", text)
    d = RawDir(tmp_path)
    for minor in ("2.8", "2.9"):
        c = cell("a/x", "eager", names={"a": "v:0", "b": "v:0", "c": "w:0"})
        c["observed"]["objects"]["b"]["ref"] = c["observed"]["objects"]["a"]["ref"]
        d.add(raw("tf%s-cpu" % minor, minor, cells=[c]))
    status, out = _record(capsys, "--raw", d.dir, "--write", "--update-failing", path)
    case = load_case(str(path), str(tmp_path / "cases"))
    assert status == 0 and case.expect.same == [["a", "b"]] and not case.variants
    assert case.expect.distinct == []


def test_a_producer_consumer_case_is_refused_in_one_line_and_left_as_it_is(tmp_path, capsys):
    text = ("title: t\nsource: s\nmodes: [v1]\nproduce: |\n  x = 1\nconsume: |\n  y = 2\n"
            "expect:\n  equals: {y: 3}\n")
    path = _case(tmp_path, "ckpt/pair", text)
    RawDir(tmp_path).add(raw("tf2.15-cpu", "2.15", cells=[cell("ckpt/pair", mode="v1")]))
    status = main(["record", "--raw", str(tmp_path / "raw"), "--write", str(path)])
    err = capsys.readouterr().err
    assert status == 1 and path.read_text() == text
    assert "pair.yaml: a producer/consumer case: record writes only plain cases'" in err
