"""The artifact directory of a producer/consumer case's cell: what its code sees
(``artifact``, ``publish``, ``produced``, ``keras_major``) and what is noted about what a
produce step wrote (files, bytes, checkpoint keys).

TF-free: ``checkpoint_keys`` is handed TF's ``list_variables`` by the executor.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Optional


def namespace(directory: str, code: str, produced: Optional[dict],
              published: Dict[str, Any], keras_major: Callable[[], int]) -> Dict[str, Any]:
    """Names a step's code gets besides tf, tf2 and np. ``published`` collects what
    ``publish`` is given (the produce step); ``produced`` is that, read back (consume)."""

    def artifact(name: str = "") -> str:
        """A path in the cell's artifact directory (a relative name, no ``..``); without
        one, the directory itself (``tf.train.latest_checkpoint(artifact())``)."""
        name = str(name)
        parts = name.replace("\\", "/").split("/")
        if os.path.isabs(name) or ".." in parts:
            raise ValueError("artifact(%r): a relative name inside the artifact directory"
                             % name)
        return os.path.join(directory, name) if name else directory

    def publish(**values: Any) -> None:
        """Small JSON facts for the consume step (it reads them as ``produced``), e.g. a
        file name that differs by version."""
        json.dumps(values)  # refuses what cannot be written, here, at the case's line
        published.update(values)

    ns: Dict[str, Any] = {"artifact": artifact, "publish": publish,
                          "produced": dict(produced or {})}
    if "keras_major" in code:  # only then: it imports Keras (which can fail on its own)
        ns["keras_major"] = keras_major()
    return ns


def keras_major(tf2) -> int:
    """The major version of the Keras that ``tf2.keras`` is (2 or 3; 2 on TF 1.15)."""
    keras = tf2.keras
    version = getattr(keras, "__version__", None) or getattr(
        sys.modules.get("keras"), "__version__", "2")
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return 2


def describe(directory: str, list_variables: Callable[[str], Any]) -> Dict[str, Any]:
    """What a produce step left: its files and bytes, and each TF checkpoint's keys
    (``list_variables`` of every ``*.index``), so that a rename shows without the case
    asking for it."""
    files, size, keys = 0, 0, {}
    for root, _dirs, names in os.walk(directory):
        for name in sorted(names):
            path = os.path.join(root, name)
            files += 1
            size += os.path.getsize(path)
            if name.endswith(".index"):
                prefix = path[: -len(".index")]
                rel = os.path.relpath(prefix, directory).replace(os.sep, "/")
                try:
                    keys[rel] = sorted([str(k), list(map(int, s))]
                                       for k, s in list_variables(prefix))
                except Exception as exc:  # not a checkpoint after all: say so, go on
                    keys[rel] = {"error": "%s: %s" % (type(exc).__name__, str(exc)[:200])}
    return {"files": files, "bytes": size, "keys": keys}
