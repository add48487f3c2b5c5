"""Choosing the expectation for a cell. No TF."""
from __future__ import annotations

from conformance.case.choose import choose
from conformance.case.load import load_case

CASE = """
title: t
source: s
code: x = 1
expect: {names: {x: base}}
variants:
  - when: {modes: [eager], tf: ">=2.15"}
    expect: {names: {x: eager-new}}
  - when: {tf: "<2.0"}
    expect: {names: {x: tf1}}
  - when: {keras: ">=3"}
    xfail: keras 3 bug
"""


def test_first_matching_variant_wins(make_project):
    root = make_project({"cases/c.yaml": CASE})
    case = load_case(str(root / "cases/c.yaml"), str(root / "cases"))

    def pick(tf, mode, keras=None):
        c = choose(case, {"tf": tf, "python": "3.11.7", "keras": keras}, mode, "cpu")
        return c.index, c.expect.names.get("x"), c.xfail

    assert pick("2.15.1", "eager") == (0, "eager-new", None)
    assert pick("2.14.1", "eager") == (None, "base", None)   # boundary: 2.14 keeps the base
    assert pick("2.15.0.post1", "eager") == (0, "eager-new", None)
    assert pick("2.15.1", "graph") == (None, "base", None)
    assert pick("1.15.5", "eager") == (1, "tf1", None)
    assert pick("2.16.2", "graph", keras="3.10.0") == (2, "base", "keras 3 bug")
    assert pick("2.16.2", "graph", keras=None) == (None, "base", None)  # no keras: no match
