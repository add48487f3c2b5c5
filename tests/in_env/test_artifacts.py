"""What a producer/consumer case's code sees: ``artifact``, ``publish``, ``produced``."""
from __future__ import annotations

import os

import pytest

from conformance.execution import artifacts


def test_artifact_names_a_path_inside_the_directory_and_nothing_outside(tmp_path):
    published = {}
    ns = artifacts.namespace(str(tmp_path), "x = 1", {"h5": "w.h5"}, published, lambda: 3)
    assert ns["artifact"]("a/b.ckpt") == os.path.join(str(tmp_path), "a/b.ckpt")
    assert ns["artifact"]() == ns["artifact"]("") == str(tmp_path)
    for bad in ("/etc/passwd", "../x", "a/../../x"):
        with pytest.raises(ValueError, match="a relative name inside the artifact directory"):
            ns["artifact"](bad)
    assert ns["produced"] == {"h5": "w.h5"} and "keras_major" not in ns
    ns["publish"](name="w.weights.h5")
    assert published == {"name": "w.weights.h5"}
    with pytest.raises(TypeError):
        ns["publish"](obj=object())  # not JSON: refused at the case's line
    assert artifacts.namespace(str(tmp_path), "k = keras_major", None, {}, lambda: 3)[
        "keras_major"] == 3


def test_describe_counts_files_and_lists_each_checkpoints_keys(tmp_path):
    (tmp_path / "m.ckpt.index").write_bytes(b"12345")
    (tmp_path / "m.ckpt.data-00000-of-00001").write_bytes(b"1234567")
    (tmp_path / "bad.index").write_bytes(b"x")

    def list_variables(prefix):
        if prefix.endswith("bad"):
            raise OSError("not a checkpoint")
        return [("model/w", (3, 2)), ("global_step", ())]

    got = artifacts.describe(str(tmp_path), list_variables)
    assert got["files"] == 3 and got["bytes"] == 13
    assert got["keys"]["m.ckpt"] == [["global_step", []], ["model/w", [3, 2]]]
    assert got["keys"]["bad"] == {"error": "OSError: not a checkpoint"}
