"""Setter and probe cells in one reused worker: a setter changes process state, the probe
after it reads that state; every probe must observe what it observes on its own.

The cells go straight to an executor process (``pool.Server``) with ``isolate=False``, so
the static gate does not send the setters to a process of their own: what keeps the probe
clean here is the guard after each cell (the worker retires) and the reset before it."""
from __future__ import annotations

import random
import textwrap

import pytest

from conformance.execution.pool import Server
from conformance.execution.wire import Request
from conformance.results import normalise

pytestmark = pytest.mark.tf

RLIMIT_BY_CTYPES = """
import ctypes, resource
class Limit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
ctypes.CDLL(None).setrlimit(resource.RLIMIT_FSIZE, ctypes.byref(Limit(1 << 20, hard)))
"""

# name: (setter, probe). A probe binds `state` (or raises): its record is what it saw.
PAIRS = {
    # A fresh worker's numpy and Python generators hold an unknown state: the probes
    # ask whether they hold the setter's.
    "numpy-seed": ("np.random.seed(5)",
                   "state = repr(np.random.random_sample() == 0.22199317108973948)"),
    "python-random-seed": (
        "import random\nrandom.seed(5)",
        "import random\nstate = repr(random.random() == 0.6229016948897019)"),
    "tf-global-generator": (
        "tf2.random.set_global_generator(tf2.random.Generator.from_seed(5))",
        "g = tf2.random.get_global_generator()\nref = tf2.random.Generator.from_seed(5)\n"
        "state = repr(bool(g.uniform([]) == ref.uniform([])))"),
    "numpy-printoptions": ("np.set_printoptions(precision=2)",
                           "state = str(np.array([1.23456]))"),
    "numpy-seterr": ("np.seterr(all='raise')",
                     "state = repr(sorted(np.geterr().items()))"),
    "numpy-behavior": ("tf2.experimental.numpy.experimental_enable_numpy_behavior()",
                       "state = repr(hasattr(tf2.constant([1.0]), 'ravel'))"),
    "op-determinism": ("tf2.config.experimental.enable_op_determinism()",
                       "from tensorflow.python.framework import config\n"
                       "state = repr(config.is_op_determinism_enabled())"),
    "check-numerics": ("tf2.debugging.enable_check_numerics()",
                       "state = repr(float(tf2.math.log(tf2.constant(-1.0))))"),
    "v1-tensorshape": ("tf.disable_v2_tensorshape()",
                       "state = type(tf2.TensorShape([2])[0]).__name__"),
    "jit": ("tf2.config.optimizer.set_jit(True)",
            "state = repr(tf2.config.optimizer.get_jit())"),
    "tf-module-alias": ("m = tf2.nn\nm.relu = None", "state = repr(tf2.nn.relu is None)"),
    "numpy-module-alias": ("r = np.random\nr.randint = None",
                           "state = repr(np.random.randint is None)"),
    "rlimit-by-ctypes": (RLIMIT_BY_CTYPES,
                         "import resource\n"
                         "state = repr(resource.getrlimit(resource.RLIMIT_FSIZE))"),
    "harness-error-record": (
        "import conformance.execution.observe as ob\no = ob\n"
        "o.error_record = lambda *a, **k: None",
        "raise ValueError('the probe raises')"),
    "harness-function-code": (
        "import conformance.execution.observe as ob\n"
        "ob.short.__code__ = (lambda exc, limit=0: 'forged').__code__",
        "raise ValueError('the probe raises')"),
    "tf-logger-level": ("tf2.get_logger().setLevel('ERROR')",
                        "state = repr(tf2.get_logger().level)"),
}
NAMES = sorted(PAIRS)


def _request(code: str) -> Request:
    return Request(id=0, code=textwrap.dedent(code).strip() + "\n", code_line=1,
                   file="<probe>", mode="eager", device="cpu",
                   probe={"exprs": [], "values": [], "equals": [], "matches": []},
                   timeout=120, isolate=False)


def _seen(server: Server, name: str) -> dict:
    reply = server.run(_request(PAIRS[name][1]))
    assert reply.outcome == "ok", (name, reply)
    observed = normalise.comparable(reply.observed)
    observed.pop("stdout", None)  # TF may log a deprecation once per process
    return observed


def _diff(seen: dict, clean: dict) -> dict:
    return {k: (seen.get(k), clean.get(k)) for k in set(seen) | set(clean)
            if seen.get(k) != clean.get(k)}


def _orders():
    shuffled = list(NAMES)
    random.Random(3).shuffle(shuffled)
    return {"sorted": NAMES, "reversed": NAMES[::-1], "shuffled": shuffled}


@pytest.fixture(scope="module")
def server():
    s = Server(("tf2", "cpu", ()))
    yield s
    s.stop()


def test_there_are_enough_setters():
    assert len(PAIRS) >= 14


@pytest.mark.parametrize("order", sorted(_orders()))
def test_a_probe_after_a_setter_in_the_same_worker_sees_a_clean_process(server, order):
    clean = {name: _seen(server, name) for name in NAMES}  # probes alone change nothing
    assert clean["harness-error-record"]["error"] is not None
    leaked, retired = [], []
    previous = None
    for name in _orders()[order]:
        reply = server.run(_request(PAIRS[name][0]))
        assert reply.outcome == "ok", (name, reply)
        retired.append(reply.retire)
        for probe in filter(None, (name, previous)):
            seen = _seen(server, probe)
            if seen != clean[probe]:
                leaked.append((name, probe, _diff(seen, clean[probe])))
        previous = name
    assert not leaked, "setter -> probe that saw its state: %s" % leaked
    # Every setter was seen by the guard (its worker retired), except those of the random
    # generators, which every cell gets back as a fresh worker has them.
    missed = {n: r for n, r in zip(_orders()[order], retired) if not r}
    assert set(missed) == {"numpy-seed", "python-random-seed"}, missed
    # The run goes on: a plain cell still answers in the reused worker.
    assert server.run(_request("x = 1")).outcome == "ok"
