"""Loading and validating case files: every bad input names file, line and key. No TF."""
from __future__ import annotations

import pytest

from conformance.case.load import load_case
from conformance.errors import CaseError

GOOD = """
title: t
source: s
code: |
  a = 1
  b = a
expect:
  names: {v: x:0}
  same: [[a, b]]
variants:
  - when: {tf: ">=2.16", modes: [eager]}
    expect: {error: {type: ValueError, match: "did not"}}
    note: n
  - when: {keras: "<3"}
    xfail: known bug
"""


def load(make_project, text, name="cases/topic/c.yaml"):
    root = make_project({name: text})
    return load_case(str(root / name), str(root / "cases"), display=name)


def error_of(make_project, text) -> str:
    with pytest.raises(CaseError) as info:
        load(make_project, text)
    return str(info.value)


def test_good_case_loads_with_id_lines_and_defaults(make_project):
    case = load(make_project, GOOD)
    assert case.id == "topic/c"
    assert case.modes == ("v1", "graph", "eager", "function")
    assert case.devices == ("cpu", "gpu")
    assert case.code_line == 4  # the snippet's first line in the file
    assert case.line == 3
    assert case.expect.names == {"v": "x:0"}
    assert [v.index for v in case.variants] == [0, 1]
    assert case.variants[0].expect.error == {"type": "ValueError", "match": "did not"}
    assert case.variants[1].xfail == "known bug"
    assert case.probe() == {"exprs": ["v", "a", "b"], "values": [], "equals": [],
                            "matches": ["did not"]}


@pytest.mark.parametrize("text, message", [
    ("title: t\nsource: s\ncode: x=1\nexepct: {}\n",
     "cases/topic/c.yaml:4: exepct: unknown key 'exepct' (did you mean 'expect'?)"),
    ("title: t\nsource: s\ncode: x=1\nexpect:\n  nmaes: {a: b}\n",
     "cases/topic/c.yaml:5: expect.nmaes: unknown key 'nmaes' (did you mean 'names'?)"),
    ("title: t\nsource: s\ncode: x=1\nexpect:\n  names:\n    v1: [1, 2]\n",
     "cases/topic/c.yaml:6: expect.names.v1: expected a string, got list [1, 2]"),
    ("title: t\nsource: s\ncode: x=1\nmodes: [v1, eagr]\n",
     "cases/topic/c.yaml:4: modes.1: expected one of v1, graph, eager, function; got 'eagr' "
     "(did you mean 'eager'?)"),
    ("source: s\ncode: x=1\n",
     "cases/topic/c.yaml:1: title: missing required key 'title'"),
    ("title: t\nsource: s\ncode: x=1\nvariants:\n  - when: {tf: '>=2.x'}\n    xfail: r\n",
     "cases/topic/c.yaml:5: variants.0.when.tf: invalid version specifier '>=2.x' "
     "(PEP 440, e.g. '>=2.16,<2.18')"),
    ("title: t\nsource: s\ncode: x=1\nexpect:\n  error: {type: ValueError, match: '(unclosed'}\n",
     "cases/topic/c.yaml:5: expect.error.match: invalid regular expression: "
     "missing ), unterminated subpattern at position 0"),
    ("title: t\nsource: s\ncode: x=1\nvariants:\n  - when: {modes: [v1]}\n",
     "cases/topic/c.yaml:5: variants.0: a variant needs exactly one of 'expect' or 'xfail'"),
    ("title: t\nsource: s\ncode: x=1\ntitle: again\n",
     "cases/topic/c.yaml:4: title: duplicate key 'title' (first on line 1)"),
    ("title: t\nsource: s\ncode: |\n  x = 1\n  if x\n",
     "cases/topic/c.yaml:5: code: Python syntax error: "),
    ("title: t\nsource: s\ncode: x=1\nexpect:\n  same: [[a]]\n",
     "cases/topic/c.yaml:5: expect.same.0: a group needs at least 2 names, got list [\"a\"]"),
    ("title: t\nsource: s\ncode: x=1\nexpect:\n  names: {'a b': x}\n",
     "cases/topic/c.yaml:5: expect.names.a b: 'a b' is not a Python expression"),
    ("title: [unclosed\n", "cases/topic/c.yaml:2: invalid YAML: "),
    ("- just\n- a list\n", "cases/topic/c.yaml:1: a case is a YAML mapping, got list"),
    ("", "cases/topic/c.yaml:1: the file is empty"),
])
def test_bad_case_is_one_line_naming_file_line_and_key(make_project, text, message):
    got = error_of(make_project, text)
    assert got.startswith(message), got
    assert "\n" not in got


def test_yaml_tags_that_construct_objects_are_refused(make_project):
    got = error_of(make_project, "title: !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in got and "could not determine a constructor" in got


def test_schema_file_is_valid_draft7():
    import jsonschema

    from conformance.case.load import schema

    jsonschema.Draft7Validator.check_schema(schema())


def test_every_problem_in_a_file_is_told_at_once_each_on_its_line(make_project):
    text = ("titel: t\ncode: |\n  x = 1\nexpct: {}\ntimeout: .nan\n"
            "variants:\n  - when: {tf: '>=2.x'}\n    xfail: r\n")
    got = error_of(make_project, text).splitlines()
    assert got == [
        "cases/topic/c.yaml:1: titel: unknown key 'titel' (did you mean 'title'?)",
        "cases/topic/c.yaml:1: title: missing required key 'title'",
        "cases/topic/c.yaml:4: expct: unknown key 'expct' (did you mean 'expect'?)",
        "cases/topic/c.yaml:5: timeout: expected seconds in (0, 3600], got nan",
        "cases/topic/c.yaml:7: variants.0.when.tf: invalid version specifier '>=2.x' "
        "(PEP 440, e.g. '>=2.16,<2.18')",
    ]


def test_source_is_optional_in_the_format(make_project):
    assert load(make_project, "title: t\ncode: x = 1\n").source is None


PAIR = """\
title: t
modes: [v1, eager]
produce_modes: [v1]
produce_env: {TF_USE_LEGACY_KERAS: "1"}
produce: |
  x = artifact("a")
consume: |
  y = produced["name"]
expect:
  equals: {y: 1}
variants:
  - when: {producer_tf: ">=2.16", consumer_tf: "<2.16"}
    expect:
      error: {type: ValueError}
  - when: {producer_tf: "==2.16.*"}
    step: produce
    expect:
      error: {type: ValueError}
"""


def test_a_producer_consumer_case_loads_as_two_steps(make_project):
    case = load(make_project, PAIR)
    assert case.paired and [s.name for s in case.steps] == ["produce", "consume"]
    produce, consume = case.steps
    assert (produce.line, produce.env, produce.modes) == (
        6, (("TF_USE_LEGACY_KERAS", "1"),), ("v1",))
    assert (consume.line, consume.env, consume.modes) == (8, (), None)
    assert (case.code, case.code_line, case.line) == (consume.code, 8, 7)
    assert case.devices == ("cpu",)  # an artifact does not depend on the device
    assert case.produce_mode("eager") == "v1" and case.produce_mode("v1") == "v1"
    assert str(case.variants[0].producer_tf) == ">=2.16"
    assert str(case.variants[0].consumer_tf) == "<2.16"
    assert case.variants[1].step == "produce"
    # a produce cell is checked against step: produce variants only, a consume cell never
    assert case.probe("produce")["matches"] == [] and case.probe("consume")["equals"] == ["y"]


def test_a_plain_case_is_one_main_step(make_project):
    case = load(make_project, GOOD)
    assert not case.paired and [(s.name, s.line) for s in case.steps] == [("main", 4)]


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("produce: |", "code: |\n  z = 1\nproduce: |"),
     "code: a case has either 'code' or 'produce' and 'consume', not both"),
    (lambda t: t.replace("consume: |\n  y = produced[\"name\"]\n", ""),
     "consume: missing required key 'consume' (a producer/consumer case has 'produce' "
     "and 'consume')"),
    (lambda t: t.replace("  x = artifact(\"a\")", "  x = (("),
     "produce: Python syntax error"),
    (lambda t: t.replace('producer_tf: "==2.16.*"', 'producer_tf: "2.16!"'),
     "variants.1.when.producer_tf: invalid version specifier '2.16!'"),
    (lambda t: t.replace("step: produce", "step: consume"),
     "variants.1.step: expected one of produce; got 'consume'"),
])
def test_a_bad_producer_consumer_case_is_one_line_per_problem(make_project, edit, message):
    assert message in error_of(make_project, edit(PAIR))


def test_pair_keys_in_a_plain_case_are_told_each(make_project):
    text = GOOD.replace('{tf: ">=2.16", modes: [eager]}', "{producer_tf: '>=2'}\n    step: produce")
    with pytest.raises(CaseError) as info:
        load(make_project, text + "produce_modes: [v1]\n")
    keys = sorted(p.key for p in info.value.problems)
    assert keys == ["produce_modes", "variants.0.step", "variants.0.when.producer_tf"]
