"""Observation normalisation: what differs between two runs of the same behaviour. No TF."""
from __future__ import annotations

import pytest

from conformance.execution import observe
from conformance.results import normalise


@pytest.mark.parametrize("raw, expected", [
    ("r/w_1027", "r/w_<uid>"),
    ("Error while reading resource variable r/c/v_1360 from Container: localhost",
     "Error while reading resource variable r/c/v_<uid> from Container: localhost"),
    ("v_1027/Read/ReadVariableOp:0", "v_<uid>/Read/ReadVariableOp:0"),
    # scope uniquification is behaviour: it stays
    ("net_1/fc/BiasAdd:0", "net_1/fc/BiasAdd:0"),
    ("dense_2/kernel:0", "dense_2/kernel:0"),
    ("fc/BiasAdd_12:0", "fc/BiasAdd_12:0"),
    ("<keras.layers.core.Dense object at 0x7f3a9c2d1f10> is not callable",
     "<keras.layers.core.Dense object> is not callable"),
    ("handle 0x7ffd5e8a1234 freed", "handle 0x<addr> freed"),
    ('File "/tmp/newcomer.qePa/project/.tox/x.py", line 7',
     'File "<tmp>/project/.tox/x.py", line 7'),
    ("cannot open /tmp/tmpk2_9xq/ckpt-1", "cannot open <tmp>/ckpt-1"),
    ("/var/folders/ab/cd12/T/tmpzz/x", "<tmp>/x"),
    ("line 1748 in 2.15", "line 1748 in 2.15"),
])
def test_text(raw, expected):
    assert normalise.text(raw) == expected
    assert normalise.text(expected) == expected  # idempotent


ORIGINALLY = ('Variable foo/v already exists, disallowed. Originally defined at:\n\n'
              '  File "cases/errors/x.yaml", line 6, in <module>\n'
              '    v = tf.get_variable("v", [1])\n'
              '  File "%s/conformance/execution/executor.py", line %d, in _execute\n'
              '    exec(code, ns)\n'
              '  File "<frozen runpy>", line 88, in _run_code\n'
              '  File "%s/conformance/execution/worker.py", line 137, in serve\n'
              '    observed = executor.run_cell(request)\n'
              '        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n')


def test_frames_outside_the_case_are_one_placeholder_and_the_case_frame_stays():
    here = ORIGINALLY % ("/work/main", 256, "/work/main")
    elsewhere = ORIGINALLY % ("/check/work/main/.venv/lib/python3.11/site-packages", 31,
                              "/check/work/main")
    assert normalise.text(here) == normalise.text(elsewhere) == (
        'Variable foo/v already exists, disallowed. Originally defined at:\n\n'
        '  File "cases/errors/x.yaml", line 6, in <module>\n'
        '    v = tf.get_variable("v", [1])\n'
        '  <frames outside the case>\n')
    assert normalise.text(normalise.text(here)) == normalise.text(here)
    # the case's own frame is behaviour: another line there is another message
    assert normalise.text(here.replace("line 6,", "line 7,")) != normalise.text(here)
    # a case outside the invocation directory is shown by its absolute path: it stays
    absolute = here.replace('"cases/errors/x.yaml"', '"/home/team/scope-cases/x.YAML"')
    assert '"/home/team/scope-cases/x.YAML", line 6' in normalise.text(absolute)


def test_frames_indented_deeper_as_tf_graph_errors_list_them():
    detected = ("Detected at node 'mul' defined at (most recent call last):\n"
                '    File "cases/x.yaml", line 3, in <module>\n'
                '      y = x * 2\n'
                '    File "%s/tensorflow/python/ops/math_ops.py", line 1700, in mul\n'
                '      return gen_math_ops.mul(x, y)\n'
                "Node: 'mul'")
    assert normalise.text(detected % "/a/site-packages") == (
        "Detected at node 'mul' defined at (most recent call last):\n"
        '    File "cases/x.yaml", line 3, in <module>\n'
        '      y = x * 2\n'
        '    <frames outside the case>\n'
        "Node: 'mul'") == normalise.text(detected % "/b/.venv/lib/python3.11/site-packages")


def test_a_stored_message_gets_rules_added_after_it_was_written():
    record = dict(OBSERVED, error={"type": "ValueError", "message": ORIGINALLY % ("/a", 1, "/a")},
                  normalised={"error": ORIGINALLY % ("/a", 1, "/a")})  # an older rule set
    assert "<frames outside the case>" in normalise.message_of(record)
    assert "/a/conformance" not in normalise.comparable(record)["error"]["message"]


def test_other_temporary_root():
    assert normalise.text("/scratch/t/tmpab1/x.py", ["/scratch/t/"]) == "<tmp>/x.py"
    assert normalise.text("/scratch/t/tmpab1/x.py") == "/scratch/t/tmpab1/x.py"


OBSERVED = {
    "objects": {"w": {"type": "ResourceVariable", "name": "r/w_1027:0", "ref": 0},
                "y": {"type": "Tensor", "name": "net_1/y:0", "ref": 1}},
    "groups": [], "values": {}, "equals": {"repr(v)": "<V object at 0x7f0000000001>"},
    "error": {"type": "FailedPreconditionError", "message": "reading r/w_1027 failed"},
}


def test_only_changed_entries_are_listed():
    assert normalise.observed(OBSERVED) == {
        "names": {"w": "r/w_<uid>:0"}, "error": "reading r/w_<uid> failed",
        "equals": {"repr(v)": "<V object>"}}
    clean = dict(OBSERVED, objects={"y": OBSERVED["objects"]["y"]}, error=None, equals={})
    assert normalise.observed(clean) is None


def test_the_executor_keeps_the_raw_text_beside_the_normalised_one():
    record = observe.with_normalised(dict(OBSERVED))
    assert record["objects"]["w"]["name"] == "r/w_1027:0"
    assert record["normalised"]["names"] == {"w": "r/w_<uid>:0"}
    assert "normalised" not in observe.with_normalised(dict(OBSERVED, objects={}, error=None,
                                                            equals={}))


def test_readers_use_the_stored_text_else_compute_it():
    stored = dict(OBSERVED, normalised={"names": {"w": "stored"}, "error": "stored error"})
    assert normalise.name_of(stored, "w") == "stored"
    assert normalise.message_of(stored) == "stored error"
    # a format-1 record has no "normalised": computed on the fly
    assert normalise.name_of(OBSERVED, "w") == "r/w_<uid>:0"
    assert normalise.name_of(OBSERVED, "y") == "net_1/y:0"
    assert normalise.message_of(OBSERVED) == "reading r/w_<uid> failed"
    assert normalise.message_of(dict(OBSERVED, error=None)) is None
    assert normalise.equals_of(OBSERVED) == {"repr(v)": "<V object>"}


def test_a_temporary_path_a_case_kept_compares_equal_and_other_values_do_not():
    def run(tmp, other="a/"):
        return observe.with_normalised(dict(OBSERVED, objects={
            "tmp": {"type": "str", "value": tmp, "ref": 0},
            "s": {"type": "str", "value": other, "ref": 1}}, error=None, equals={}))

    first, second = run("/tmp/tmpd23to8l5"), run("/tmp/tmpi4bkal67/ckpt-1")
    assert first["objects"]["tmp"]["value"] == "/tmp/tmpd23to8l5"  # the raw text stays
    assert first["normalised"] == {"values": {"tmp": "<tmp>"}}
    assert normalise.comparable(first) == normalise.comparable(run("/tmp/tmpzz9"))
    assert normalise.comparable(first) != normalise.comparable(second)  # another path below
    assert normalise.comparable(first) != normalise.comparable(run("/tmp/tmpzz9", "b/"))


def test_an_artifacts_bytes_are_not_part_of_the_behaviour():
    """A Saver's `checkpoint` file names its own directory: the same checkpoint written
    under a longer path has more bytes. Its files and keys are compared."""
    from conformance.results.normalise import comparable

    a = {"objects": {}, "artifact": {"files": 3, "bytes": 4464, "keys": {"m": [["w", [2]]]}}}
    b = {"objects": {}, "artifact": {"files": 3, "bytes": 4521, "keys": {"m": [["w", [2]]]}}}
    assert comparable(a) == comparable(b)
    c = {"objects": {}, "artifact": {"files": 3, "bytes": 4464, "keys": {"m": [["v", [2]]]}}}
    assert comparable(a) != comparable(c)
