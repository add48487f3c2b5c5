"""Case files shared by the plugin and integration tests."""
from __future__ import annotations

# Known right on every TF version in v1 and graph modes (testVarScopeObjectReuse).
CAPTURED = """
title: Re-entering a captured scope with reuse=True returns the same variable
source: TF variable_scope_test.py testVarScopeObjectReuse
modes: [v1, graph]
devices: [cpu]
code: |
  with tf.variable_scope("my_scope") as scope:
      v1 = tf.get_variable("my_var", shape=[1], initializer=tf.constant_initializer(1.0))
  with tf.variable_scope(scope, reuse=True):
      v2 = tf.get_variable("my_var")
expect:
  names: {v1: my_scope/my_var:0, v2: my_scope/my_var:0}
  same: [[v1, v2]]
  values: {v2: [1.0]}
"""
