"""vocabulary.TABLE: one row per outcome, the names derived from it, the schema that says
the same, and no module of the package keeping a list of outcomes of its own."""
from __future__ import annotations

import ast
import json
import os
import re
from typing import List

import pytest
from test_architecture import PACKAGE, modules, read

from conformance import vocabulary
from conformance.vocabulary import TABLE

# The names a list of outcomes would be recognised by (reply outcomes included).
NAMES = frozenset(vocabulary.CELL_OUTCOMES + vocabulary.REPLY_OUTCOMES) - {"ok"}


def schema(name: str) -> dict:
    with open(os.path.join(PACKAGE, "data", name), encoding="utf-8") as f:
        return json.load(f)


def test_the_cell_outcomes_are_the_raw_schemas_enum_in_order():
    enum = schema("raw.schema.json")["definitions"]["cell"]["properties"]["outcome"]["enum"]
    assert list(vocabulary.OUTCOMES) == enum


def test_the_env_statuses_are_the_raw_schemas_statuses_that_are_not_a_run():
    enum = schema("raw.schema.json")["properties"]["status"]["enum"]
    assert [s for s in enum if s not in ("complete", "partial")] == list(vocabulary.ENV_STATUSES)


def test_each_row_is_complete_and_its_name_unique():
    assert len({o.name for o in TABLE}) == len(TABLE)
    assert sorted(o.priority for o in TABLE) == list(range(len(TABLE)))
    for o in TABLE:
        assert o.kind in ("cell", "env"), o
        assert o.symbol and o.glyph and o.label, o
        assert (o.short is not None) == (o.kind == "env"), o  # the page's text for a column
        assert not (o.good and o.fails), o
        assert o.attempted or not (o.fails or o.ran or o.good), o
        assert o.kind == "cell" or not o.attempted, o


def test_the_public_names_are_derived_from_the_table():
    by_name = vocabulary.BY_NAME
    assert tuple(o.name for o in TABLE) == vocabulary.CELL_OUTCOMES
    assert {n for n, o in by_name.items() if o.fails} == vocabulary.FAILING
    assert {n for n, o in by_name.items() if o.ran} == vocabulary.RAN
    assert {n for n, o in by_name.items() if not o.attempted} == vocabulary.DID_NOT_RUN
    assert vocabulary.GOOD == ("pass", "xfail")
    assert vocabulary.PRIORITY[0] == "crash" and vocabulary.PRIORITY[-1] == "skip"
    assert vocabulary.SYMBOLS["pass"] == "\u2705" and vocabulary.LABELS["not_run"] == "not run"


def test_as_dict_is_json_and_holds_what_the_page_reads():
    words = json.loads(json.dumps(vocabulary.as_dict()))
    assert set(words) == {"modes", "devices", "outcomes", "failing", "priority", "did_not_run",
                          "good", "labels", "glyphs", "short"}
    assert set(words["labels"]) == set(words["glyphs"]) == set(words["outcomes"])
    assert words["short"] == {"unavailable": "n/a", "not_run": "n/r"}
    script = read(os.path.join(PACKAGE, "matrix", "report", "page.js"))
    assert set(re.findall(r"WORDS\.(\w+)", script)) <= set(words)


def _python_lists(source: str) -> List[str]:
    """Literal collections (tuple, list, set, dict keys, keyword names) holding two or
    more outcome names: a list of outcomes kept outside vocabulary.py."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Call):
            items = [ast.Constant(k.arg) for k in node.keywords if k.arg]
        else:
            continue
        names = {i.value for i in items if isinstance(i, ast.Constant) and i.value in NAMES}
        if len(names) >= 2:
            found.append("line %d: %s" % (getattr(node, "lineno", 0), sorted(names)))
    return found


def _script_lists(source: str) -> List[str]:
    """The same in JavaScript: an innermost [...] or {...} with two or more outcome names
    as strings or as keys."""
    found = []
    for match in re.finditer(r"[\[{][^\[\]{}]*[\]}]", source):
        names = set(re.findall(r"[\"'](\w+)[\"']|\b(\w+)\s*:", match.group()))
        names = {a or b for a, b in names} & NAMES
        if len(names) >= 2:
            line = source.count("\n", 0, match.start()) + 1
            found.append("line %d: %s" % (line, sorted(names)))
    return found


def _own_lists() -> List[str]:
    found = []
    for name, path in sorted(modules().items()):
        if name != "conformance.vocabulary":
            found += ["%s %s" % (name, f) for f in _python_lists(read(path))]
    for dirpath, _, filenames in os.walk(PACKAGE):
        for fn in sorted(f for f in filenames if f.endswith(".js")):
            path = os.path.join(dirpath, fn)
            found += ["%s %s" % (os.path.relpath(path, PACKAGE), f)
                      for f in _script_lists(read(path))]
    return found


def test_no_module_keeps_its_own_list_of_outcomes():
    """Adding an outcome is a row of vocabulary.TABLE, not an edit of every module that
    counts, labels or draws outcomes."""
    assert _own_lists() == []


@pytest.mark.parametrize("source", [
    'WAS_GOOD = frozenset(("pass", "xfail"))',
    'SYMBOLS = {"pass": "+", "skip": "-"}',
    'if outcome in ["crash", "timeout"]:\n    pass',
    'LABELS = dict(not_run="not run", unavailable="n/a")',
])
def test_a_list_of_outcomes_in_python_is_found(source):
    assert _python_lists(source) != []


@pytest.mark.parametrize("source", [
    'var SYMBOL = { pass: "\\u2713", fail: "\\u2717" };',
    'var LATE = ["skip", "not_run"];',
])
def test_a_list_of_outcomes_in_the_page_script_is_found(source):
    assert _script_lists(source) != []


@pytest.mark.parametrize("source", [
    'if record.outcome == "skip":\n    pytest.skip(record.reason)',
    'return record.finish("fail" if mismatches else "pass")',
    'li.appendChild(el("span", { "class": "cell changed", "data-outcome": "skip" }));',
])
def test_a_single_outcome_in_logic_is_not_a_list(source):
    assert (_script_lists(source) if "appendChild" in source else _python_lists(source)) == []
