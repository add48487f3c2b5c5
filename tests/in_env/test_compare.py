"""Expectation vs observed record: known-wrong expectations must produce mismatches. No TF."""
from __future__ import annotations

from conformance.case.compare import compare, json_equal
from conformance.case.model import Expect

OBSERVED = {
    "objects": {
        "v1": {"type": "RefVariable", "name": "my_scope/my_var:0", "ref": 0},
        "v2": {"type": "RefVariable", "name": "my_scope/my_var:0", "ref": 0},
        "w": {"type": "RefVariable", "name": "other/w:0", "ref": 1},
        "t": {"type": "EagerTensor", "name_error": "AttributeError: Tensor.name is undefined",
              "ref": 2},
        "bad": {"eval_error": "NameError: name 'bad' is not defined"},
    },
    "groups": [["v1", "v2"]],
    "values": {"v2": [1.0], "m": [[1.0, 2.0]], "broken": {"error": "FailedPreconditionError: x"}},
    "equals": {"scope.reuse": True, "n": 1, "shape": [1], "gone": {"error": "KeyError: 'x'"}},
    "error": None,
}


def keys(expect: dict, observed: dict = OBSERVED) -> list:
    return [m.key for m in compare(Expect.from_dict(expect), observed)]


def test_correct_expectation_has_no_mismatch():
    assert keys({"names": {"v1": "my_scope/my_var:0", "v2": "my_scope/my_var:0"},
                 "same": [["v1", "v2"]], "distinct": [["v1", "w"]],
                 "values": {"v2": [1.0], "m": [[1.0, 2.0000001]]},
                 "equals": {"scope.reuse": True, "n": 1, "shape": [1]}}) == []


def test_wrong_name_fails_and_says_what_was_observed():
    [m] = compare(Expect.from_dict({"names": {"v1": "my_scope/my_var"}}), OBSERVED)
    assert m.key == "names.v1" and m.observed == "my_scope/my_var:0"
    assert "expected 'my_scope/my_var', observed 'my_scope/my_var:0'" in m.message


def test_name_of_unnamed_or_unbound_object_fails():
    assert keys({"names": {"t": "x:0", "bad": "x:0", "nowhere": "x:0"}}) == [
        "names.t", "names.bad", "names.nowhere"]


def test_wrong_identity_claims_fail():
    assert keys({"same": [["v1", "w"]]}) == ["same[0]"]
    assert keys({"distinct": [["v1", "v2"]]}) == ["distinct[0]"]
    assert keys({"same": [["v1", "bad"]]}) == ["same[0]"]


def test_wrong_values_fail_including_shape():
    assert keys({"values": {"v2": [2.0]}}) == ["values.v2"]
    assert keys({"values": {"v2": 1.0}}) == ["values.v2"]          # scalar vs [1.0]
    assert keys({"values": {"m": [1.0, 2.0]}}) == ["values.m"]     # shape differs
    assert keys({"values": {"broken": 1.0}}) == ["values.broken"]


def test_equals_keeps_booleans_apart_from_numbers():
    assert keys({"equals": {"scope.reuse": 1}}) == ["equals.scope.reuse"]
    assert keys({"equals": {"n": True}}) == ["equals.n"]
    assert keys({"equals": {"gone": "x"}}) == ["equals.gone"]
    assert json_equal([1, {"a": True}], [1.0, {"a": True}])


def test_error_expected_but_none_raised_fails():
    [m] = compare(Expect.from_dict({"error": {"type": "ValueError"}}), OBSERVED)
    assert m.key == "error" and "ran without error" in m.message


def test_unexpected_error_fails():
    observed = dict(OBSERVED, error={"type": "ValueError", "types": ["ValueError", "Exception"],
                                     "message": "Variable x already exists, disallowed."})
    [m] = compare(Expect.from_dict({"names": {"v1": "my_scope/my_var:0"}}), observed)
    assert m.key == "error" and "ValueError: Variable x already exists" in m.message


def test_error_type_matches_base_classes_and_regex_searches():
    observed = dict(OBSERVED, error={"type": "InvalidArgumentError",
                                     "types": ["InvalidArgumentError", "OpError", "Exception"],
                                     "message": "shape mismatch: [1] vs [2]"})
    assert keys({"error": {"type": "OpError", "match": r"\[1\] vs"}}, observed) == []
    assert keys({"error": {"type": "TypeError"}}, observed) == ["error.type"]
    assert keys({"error": {"type": "OpError", "match": "^mismatch"}}, observed) == ["error.match"]


def test_article_example_2_claimed_error_fails_against_the_real_one():
    # What TF raises for get_variable(..., reuse=True) is a TypeError (no such keyword);
    # the article claims a ValueError "... already exists, disallowed".
    observed = dict(OBSERVED, error={
        "type": "TypeError", "types": ["TypeError", "Exception"],
        "message": "get_variable() got an unexpected keyword argument 'reuse'"})
    claimed = {"error": {"type": "ValueError", "match": "already exists, disallowed"}}
    assert keys(claimed, observed) == ["error.type", "error.match"]
