"""The static gate (isolation.own_process_reason): code that can reach state the guard
after each cell cannot compare runs in a process of its own. Fast: no TF."""
from __future__ import annotations

import pytest
from rhelpers import ROOT

from conformance.case.load import load_case
from conformance.execution.isolation import own_process_reason

# Code that must get a process of its own, and why (a fragment of the reason).
OWN_PROCESS = [
    ("import conformance.execution.observe as ob\no = ob\n"
     "o.error_record = lambda *a, **k: None\n", "imports conformance"),
    ("from conformance.execution import observe\n", "imports conformance"),
    ("import ctypes\nctypes.CDLL(None)\n", "imports ctypes"),
    ("import asyncio\n", "imports asyncio"),
    ("import inspect\n", "imports inspect"),
    ("import weakref\n", "imports weakref"),
    ("from . import x\n", "relatively"),
    ("m = tf.nn\nm.relu = None\n", "another name"),
    ("r = np.random\nr.randint = None\n", "another name"),
    ("T = tf.Tensor\nT.foo = 1\n", "another name"),
    ("a = tf.nn\nb = a\nb.relu = None\n", "another name"),
    ("for m in tf.compat.v1.__all__:\n    m.x = 1\n", "__all__"),
    ("f = getattr(np.core, name)\n", "getattr"),
    ("s = getattr(np.core._internal, '__dict__')\n", "getattr"),
    ("hasattr(tf, '__loader__')\n", "hasattr"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__\n", "__traceback__"),
    ("g = (x for x in [1])\nf = g.gi_frame\n", "gi_frame"),
    ("class A:\n    def __del__(self):\n        tf.random.set_seed(1)\n", "__del__"),
    ("class A:\n    def __eq__(self, other):\n        return True\n", "__eq__"),
    ("cls = type(tf.constant(1)).__mro__\n", "__mro__"),
    ("k = tf.nn.relu.__wrapped__\n", "__wrapped__"),
    # a module's dict or list changed in place: the guard compares identities, not contents
    ("np.typecodes['AllFloat'] = ''\n", "an item of np"),
    ("t = np.typecodes\nt['AllFloat'] = ''\n", "an item of t"),
    ("del np.typecodes['AllFloat']\n", "an item of np"),
    ("np.typecodes.update(AllFloat='')\n", "changes np in place"),
    ("t = np.typecodes\nt.setdefault('X', '')\n", "changes t in place"),
    ("import numpy\nnumpy.typecodes.clear()\n", "changes numpy in place"),
]

# Code that stays in the reused worker (the guard after the cell watches what it does).
REUSED = [
    "import threading\nthreading.Thread(target=lambda: None).start()\n",
    "import random\nrandom.seed(5)\n",
    "np.random.seed(5)\n",
    "from tensorflow.python.ops import variable_scope as vs\n",
    "class Layer(tf.keras.layers.Layer):\n    def __init__(self):\n"
    "        super().__init__()\n        self.units = 3\n",
    "path = getattr(v, 'path', None)\n",
    "with tf.variable_scope('s') as scope:\n    scope.reuse_variables()\n",
    "d = {}\nd['a'] = 1\nd.update(b=2)\nl = []\nl.append(1)\n",
    "tf.compat.v1.get_collection_ref('extra').append(tf.constant(1))\n",
]


@pytest.mark.parametrize("code,why", OWN_PROCESS, ids=[w + "-%d" % i for i, (_, w) in
                                                        enumerate(OWN_PROCESS)])
def test_code_that_reaches_uncheckable_state_gets_its_own_process(code, why):
    reason = own_process_reason(code)
    assert reason is not None and why in reason, (code, reason)


@pytest.mark.parametrize("code", REUSED)
def test_ordinary_code_stays_in_the_reused_worker(code):
    assert own_process_reason(code) is None


def test_the_corpus_mostly_runs_in_reused_workers():
    """The gate is not so wide that isolation by process becomes the rule: the corpus'
    cases keep their reused workers (3 of 330 reach process state on purpose)."""
    files = sorted((ROOT / "cases").rglob("*.yaml"))
    forced = {str(f): own_process_reason(load_case(str(f), str(ROOT / "cases")).code)
              for f in files}
    forced = {f: r for f, r in forced.items() if r is not None}
    assert len(files) > 200
    assert len(forced) <= 5, forced


@pytest.mark.parametrize("python", ["this", "3.13"])
def test_the_gate_warns_about_nothing(python):
    """The gate runs in every TF env's pytest, where warnings may be errors: on Python
    3.12+ reading ast.Constant.s is deprecated (the TF 2.16+ envs broke on it), so the
    check also runs on a Python 3.13 where one is found (the TF 2.21 env's)."""
    import subprocess
    import sys

    from conformance.envs import discovery

    found = (sys.executable,) if python == "this" else discovery.find_any([python])
    if not found:
        pytest.skip("no Python %s here" % python)
    probe = ("from conformance.execution.isolation import own_process_reason as r\n"
             "assert r(\"getattr(np, 'random')\\n\") is None\n"
             "assert 'getattr' in r('getattr(np, name)\\n')\n")
    done = subprocess.run([found[0], "-W", "error", "-c", probe], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-1500:]
