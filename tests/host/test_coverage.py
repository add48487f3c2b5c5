"""The coverage scanner (TF-free part): calls, keywords, positionals, bare references."""
from __future__ import annotations

from conformance.cli.api_coverage import render, scan

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
    text = render("9.9", SIGS, users, used)
    assert "| `get_variable` | 1 | `name`, `shape` | `initializer` |" in text
    assert "| `variable_scope` | 1 | `name_or_scope`, `reuse` | `default_name` |" in text
