"""``CellKey``: a cell's identity, in one results file and across the matrix."""
from __future__ import annotations

import pytest

from conformance.results.key import CellKey


def test_a_cell_key_spells_and_parses_both_kinds_of_cell():
    plain = CellKey("a/x", "eager", "cpu", tf="2.16")
    pair = CellKey("ckpt/s", "v1", "cpu", tf="2.16", producer="2.15", step="consume")
    assert (plain.text(), pair.text()) == ("2.16/eager/cpu", "2.15>2.16/v1/cpu")
    assert CellKey.parse("a/x", plain.text()) == plain
    assert CellKey.parse("ckpt/s", pair.text()) == pair
    assert CellKey.parse("a/x", "v1/gpu") == CellKey("a/x", "v1", "gpu")
    for bad in ("v1", "2.16/v1/cpu/x", "2.16//cpu"):
        with pytest.raises(ValueError):
            CellKey.parse("a/x", bad)
    file_key = CellKey.of({"case": "ckpt/s", "mode": "v1", "device": "cpu",
                           "step": "consume", "producer": "tf2.15-cpu"})
    assert file_key.at("2.16", "2.15") == pair
    assert sorted([pair, plain, CellKey("a/x", "eager", "cpu")])[0] == CellKey(
        "a/x", "eager", "cpu")
