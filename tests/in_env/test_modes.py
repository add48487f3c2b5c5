"""A mode is a row of vocabulary.MODES and one entry of the executor's table: the schemas'
enums and the executor must agree with it (adding a mode touches those 4 files)."""
from __future__ import annotations

import json
import os

import pytest

from conformance import vocabulary
from conformance.execution import executor

DATA = os.path.join(os.path.dirname(vocabulary.__file__), "data")


def test_the_executor_runs_every_mode_and_only_those():
    assert list(executor._MODES) == list(vocabulary.MODES)
    for name, mode in executor._MODES.items():
        assert mode.graph == (name in vocabulary.GRAPH_MODES), name


@pytest.mark.parametrize("schema, where", [
    ("case.schema.json", ("definitions", "mode", "enum")),
    ("raw.schema.json", ("definitions", "cell", "properties", "mode", "enum")),
])
def test_the_schemas_list_the_modes_of_the_vocabulary(schema, where):
    with open(os.path.join(DATA, schema), encoding="utf-8") as f:
        node = json.load(f)
    for key in where:
        node = node[key]
    assert node == list(vocabulary.MODES)


def test_an_unknown_mode_is_the_cells_error_not_a_crash():
    class Req:
        mode, device, file = "sideways", "cpu", "c.yaml"
        probe = {"values": []}

    graph, values, raised = executor._execute(compile("x = 1", "c.yaml", "exec"), {}, Req())
    assert (graph, values) == (None, {}) and str(raised) == "unknown mode 'sideways'"

