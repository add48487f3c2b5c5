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


PAIRED = """
title: t
source: s
produce: x = 1
consume: y = 2
variants:
  - when: {producer_tf: ">=2.16"}
    step: produce
    expect: {error: {type: ValueError}}
  - when: {producer_tf: "<2.16", consumer_tf: ">=2.16"}
    expect: {error: {type: KeyError}}
"""


def test_producer_tf_of_a_produce_cell_is_its_own_tf(make_project):
    """A produce cell is its own producer: `producer_tf` in a `step: produce` variant
    matches the env's TF (it was never set there, so such a variant never matched)."""
    root = make_project({"cases/p.yaml": PAIRED})
    case = load_case(str(root / "cases/p.yaml"), str(root / "cases"))

    def pick(step, tf, producer_tf=None):
        versions = {"tf": tf, "python": "3.11.7", "producer_tf": producer_tf}
        return choose(case, versions, "eager", "cpu", step).index

    assert pick("produce", "2.16.2") == 0
    assert pick("produce", "2.15.1") is None
    assert pick("consume", "2.16.2", "2.15.1") == 1
    assert pick("consume", "2.16.2", "2.16.2") is None   # a produce variant: not a consumer's
    assert pick("consume", "2.15.1", "2.16.2") is None
