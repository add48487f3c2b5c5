"""The coverage scanner (TF-free part): calls, keywords, positionals, bare references."""
from __future__ import annotations

from conformance.cli.api_coverage import effects, render, scan, without_each_argument

SIGS = {"variable_scope": ["name_or_scope", "default_name", "reuse"],
        "get_variable": ["name", "shape", "initializer"],
        "no_regularizer": ["_"],
        "VariableScope.reuse_variables": []}


def test_scan_counts_calls_parameters_and_references(make_project):
    root = make_project({
        "cases/a.yaml": "title: t\nsource: s\ncode: |\n"
                        "  with tf.variable_scope('s', reuse=True) as sc:\n"
                        "      v = tf.get_variable('v', [1], regularizer=tf.no_regularizer)\n"
                        "  sc.reuse_variables()\n",
        "cases/b.yaml": "title: t\nsource: s\ncode: x = 1\n",
    })
    users, used = scan(str(root / "cases"), SIGS)
    assert users == {"variable_scope": {"a"}, "get_variable": {"a"}, "no_regularizer": {"a"},
                     "VariableScope.reuse_variables": {"a"}}
    assert used["variable_scope"] == {"name_or_scope", "reuse"}
    assert used["get_variable"] == {"name", "shape", "regularizer"}
    text = render("9.9", SIGS, users, used, {"variable_scope": {"reuse"}},
                  {"get_variable": ["name"]})
    assert "| `get_variable` | 1 | — | `shape` | `name` | `initializer` |" in text
    assert "| `variable_scope` | 1 | `reuse` | `name_or_scope` | — | `default_name` |" in text
    assert ("Passed but no effect observed yet: `variable_scope(name_or_scope)`, "
            "`get_variable(shape)`.") in text


def test_a_parameter_counts_only_where_leaving_it_out_changes_what_the_case_observes(
        make_project):
    """effects(): each argument is left out of its call, one at a time; only a change in
    what the case observes counts (here a fake observer: the code's text decides)."""
    root = make_project({
        "cases/a.yaml": "title: t\nsource: s\nmodes: [v1]\ncode: |\n"
                        "  with tf.variable_scope('s', reuse=True, default_name='d'):\n"
                        "      v = tf.get_variable('v', [1])\n",
        "cases/eager.yaml": "title: t\nsource: s\nmodes: [eager]\ncode: |\n"
                            "  with tf.variable_scope('s', default_name='d'):\n      pass\n",
    })
    runs = []

    def observe(case, code):
        runs.append(code)
        return ("reuse=True" in code, "[1]" in code)  # reuse and shape matter, nothing else

    seen = effects(str(root / "cases"), SIGS, observe, {"get_variable": ["name"]})
    assert seen == {"variable_scope": {"reuse"}, "get_variable": {"shape"}}
    # the base run, then one per argument: reuse, default_name, name_or_scope, shape (not
    # the required name)
    assert len(runs) == 5 and not any("default_name='d'" in r and "eager" in r for r in runs)
    assert list(without_each_argument("tf.get_variable('v', [1], initializer=i)", SIGS)) == [
        ("get_variable", "initializer", "tf.get_variable('v', [1])"),
        ("get_variable", "shape", "tf.get_variable('v', initializer=i)")]
