"""Runs one cell's code under TensorFlow and records what happened.

The only module that imports TensorFlow. It runs inside an executor process
(``conformance.sandbox``) whose behaviour profile (TF1 via ``disable_v2_behavior`` or TF2)
was fixed by ``setup`` before any case ran. Everything it returns is plain JSON data.
"""
from __future__ import annotations

import contextlib
import io
import sys
import time
import warnings
from typing import Callable, NamedTuple, Optional

from ..results.observed import Observed
from ..vocabulary import GRAPH_MODES
from . import artifacts, environment, observe, tfstate

tf = None      # tensorflow.compat.v1, bound by setup()
tf2 = None     # tensorflow.compat.v2
np = None
_TF_VERSION = (0, 0)
_EAGER_AT_START = False
_GRAPH_BEFORE_CELL = None  # the default graph when the current cell started (after resets)

SEED = 0  # every cell starts from the same random state: values are reproducible


def setup(behaviour: str) -> dict:
    """Import TF once and fix the process-wide behaviour: "v1" or "tf2"."""
    global tf, tf2, np, _TF_VERSION
    import numpy
    import tensorflow

    np = numpy
    tf = tensorflow.compat.v1
    tf2 = tensorflow.compat.v2
    _TF_VERSION = tuple(int(p) for p in tensorflow.__version__.split(".")[:2])
    if behaviour == "v1" and _TF_VERSION[0] >= 2:
        tf.disable_v2_behavior()
    elif behaviour == "tf2" and _TF_VERSION[0] < 2:
        tf.enable_v2_behavior()
    global _EAGER_AT_START
    _EAGER_AT_START = bool(tf.executing_eagerly())
    return {
        "behaviour": behaviour,
        "tf": tensorflow.__version__,
        "tf2_enabled": _tf2_enabled(),
        "eager": bool(tf.executing_eagerly()),
        "numpy": numpy.__version__,
        "cuda_build": bool(tensorflow.test.is_built_with_cuda()),
    }


def _tf2_enabled() -> bool:
    internal = getattr(tf2, "__internal__", None)
    if hasattr(internal, "tf2"):
        return bool(internal.tf2.enabled())
    from tensorflow.python import tf2 as _tf2  # TF < 2.5: no public accessor

    return bool(_tf2.enabled())


def list_gpus() -> list:
    """Physical GPUs TF sees. Initialises CUDA: call it only in a throwaway process."""
    config = tf2.config if hasattr(tf2.config, "list_physical_devices") else tf.config.experimental
    return [d.name for d in config.list_physical_devices("GPU")]


def prepare_gpus() -> None:
    """Let several processes share a GPU: allocate memory on demand."""
    exp = tf.config.experimental
    for gpu in exp.list_physical_devices("GPU"):
        with contextlib.suppress(Exception):
            exp.set_memory_growth(gpu, True)


# ----------------------------------------------------------------------------- running


def reset_between_cells(mode: str) -> tuple:
    """Drop the process-wide state an earlier cell can leave behind, so a reused worker
    behaves like a fresh process; returns the packages whose module globals it rebound
    (Keras' clear_session makes new state objects), for the guard's snapshot. Measured:
    after an eager get_variable, a tf.function that calls get_variable succeeds, while
    on a fresh process it raises; after reset_default_graph() it raises again, as on a
    fresh process (the eager variable and scope stores live in the global default
    graph's collections)."""
    cleared = ()
    if mode not in GRAPH_MODES:
        tf.reset_default_graph()
        tf2.random.set_seed(SEED)  # again before the code runs; here for the guard's snapshot
        # Keras 2 builds eager functional models in a global graph of its own, which the
        # reset above does not reach: its name scopes made a second identical case read
        # `Same_1/...` on TF <= 2.3 (a fresh process reads `Same/...`). Its clear_session
        # resets that graph and the name counters; only where Keras 2 is already loaded.
        for name in _KERAS2_BACKENDS + tuple(_keras2_backends()):
            backend = sys.modules.get(name)
            if backend is not None and hasattr(backend, "clear_session") and _keras2_used(
                    backend):
                backend.clear_session()
                cleared += (name.rsplit(".", 1)[0],)
    # Keras 3 keeps layer-name counters in a process-global state, not per graph.
    keras = sys.modules.get("keras")
    if keras is not None and _keras_major(keras) >= 3:
        clear = keras.backend.clear_session
        try:
            clear(free_memory=False)  # gc.collect() would cost ~10+ ms per cell
        except TypeError:  # older Keras 3: no free_memory argument
            clear()
        cleared += ("keras",)
    return cleared


# Where Keras 2 lives: in TF up to 2.5, the keras package 2.6-2.12 (2.13+: keras.src), and
# tf_keras beside Keras 3 from TF 2.16.
_KERAS2_BACKENDS = ("tensorflow.python.keras.backend", "tf_keras.src.backend")


def _keras2_used(backend) -> bool:
    """Whether Keras 2 named anything since its last clear_session (which costs 1-2 ms, on
    ~600 eager and function cells per environment): its name counters are not empty."""
    uids = getattr(backend, "PER_GRAPH_OBJECT_NAME_UIDS", None)
    observed = getattr(backend, "OBSERVED_NAMES", None)
    if uids is None and observed is None:
        return True  # a Keras 2 this does not know: clear it anyway
    return bool(uids) or bool(observed)


def _keras2_backends() -> list:
    keras = sys.modules.get("keras")
    if keras is None or _keras_major(keras) >= 3:
        return []
    # Keras 2.13+ keeps its state in keras.src.backend (keras.backend re-exports its API)
    for name in ("keras.src.backend", "keras.backend"):
        if name in sys.modules:
            return [name]
    return []


def _keras_major(module) -> int:
    try:
        return int(str(getattr(module, "__version__", "0")).split(".")[0])
    except ValueError:
        return 0


def state() -> dict:
    """TF's and Keras' process-wide flags that a cell can change and a reset does not
    restore (compared from cell to cell by isolation.Guard; see tfstate)."""
    from tensorflow.python.eager import context

    return tfstate.read(sys.modules[__name__], context)


class Fatal(Exception):
    """The case's code raised what would end the program (SystemExit, KeyboardInterrupt):
    the cell is a crash, said with the real cause."""


def run_cell(req) -> dict:
    """Run the request's code in its mode on its device; return the observed record.
    Raises Fatal when the code tried to end the process."""
    global _GRAPH_BEFORE_CELL
    _GRAPH_BEFORE_CELL = tf.get_default_graph()
    code = compile("\n" * (req.code_line - 1) + req.code, req.file, "exec")
    ns = {"tf": tf, "tf2": tf2, "np": np, "__name__": "__case__"}
    published: dict = {}
    if req.artifacts is not None:  # a step of a producer/consumer case
        ns.update(artifacts.namespace(req.artifacts, req.code, req.produced, published,
                                      lambda: artifacts.keras_major(tf2)))
    preset = set(ns) | {"__builtins__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), _fresh_warnings(), \
            environment.importable(req.paths):
        start, start_cpu = time.perf_counter(), time.process_time()
        graph, values, raised = _execute(code, ns, req)
        # The code's time ends here, before the runner describes what happened.
        elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        error = None if raised is None else observe.error_record(
            raised, req.file, req.probe.get("matches", ()))
        seen = _observe(ns, preset, req, graph, values, error)
    _forget_sessions()
    observed = Observed(stdout=out.getvalue()[:2000], code_seconds=elapsed,
                        code_cpu_seconds=elapsed_cpu, **seen)
    if req.step == "produce":
        observed.published = published
        observed.artifact = artifacts.describe(req.artifacts, tf.train.list_variables)
    return observe.with_normalised(observed.to_json())


def _forget_sessions() -> None:
    """TF notes in a module global that a Session was made (mixed precision's graph
    rewrite then warns); the runner's own Session for a cell's values must not leave it
    set for the next cell, as a fresh process has made none."""
    state = sys.modules.get("tensorflow.python.training.experimental."
                            "mixed_precision_global_state")
    for name in ("_non_mixed_precision_session_created",  # TF 2.x
                 "non_mixed_precision_session_created"):  # TF 1.15
        if getattr(state, name, None) is True:
            setattr(state, name, False)


@contextlib.contextmanager
def _fresh_warnings():
    """Python shows a warning once per code location per process, so whether a cell's
    output holds one would depend on which cells ran before it in this worker. Each cell
    gets the warning state of a fresh process: catch_warnings bumps the filters' version
    (which voids every module's ``__warningregistry__``) and restores the filters a cell
    changed; the "once" registry is emptied by hand."""
    with warnings.catch_warnings():
        warnings.onceregistry.clear()
        yield


def _execute(code, ns: dict, req):
    """Run the code in the request's mode: (its graph in graph modes, the values a
    function-mode cell returned, the exception it raised or None)."""
    mode = _MODES.get(req.mode)
    graph, values = None, {}
    try:
        if mode is None:
            raise ValueError("unknown mode %r" % req.mode)
        if mode.graph:
            graph = tf.Graph()
            graph.seed = SEED
        else:
            tf2.random.set_seed(SEED)
        with graph.as_default() if graph is not None else contextlib.nullcontext():
            values = mode.run(code, ns, req)
    except Exception as exc:  # the case's own exception is the observation
        return graph, values, exc
    except BaseException as exc:  # SystemExit, KeyboardInterrupt, GeneratorExit
        line = observe.case_line(exc, req.file)
        raise Fatal("the case's code raised %s%s%s: a case must not end its process"
                    % (type(exc).__name__, observe.args(exc),
                       " (%s:%d)" % (req.file, line) if line else "")) from None
    return graph, values, None


def _observe(ns: dict, preset: set, req, graph, values: dict, error) -> dict:
    """What the code left: its names' objects and identity groups, the values and facts
    the expectations ask for. Expressions see what the code saw: in graph modes, the
    case's graph is the default."""
    probe, mode = req.probe, _MODES[req.mode]
    with graph.as_default() if graph is not None else contextlib.nullcontext():
        objects, groups = observe.describe_namespace(ns, preset, probe["exprs"])
        if mode.traced:
            _names_seen_while_tracing(objects, ns)
        # Computing the values the case asks for is TF work the cell needs (a Session in
        # graph modes); timed apart from the code. In function mode it happens inside the
        # traced call, so it is part of the code's time.
        start, start_cpu = time.perf_counter(), time.process_time()
        if error is None and mode.values is not None:
            values = mode.values(graph, ns, probe["values"])
        values_seconds = time.perf_counter() - start
        values_cpu_seconds = time.process_time() - start_cpu
        equals = {} if error is not None else {e: _equals_value(ns, e) for e in probe["equals"]}
    return {"objects": objects, "groups": groups, "values": values, "equals": equals,
            "error": error, "values_seconds": values_seconds,
            "values_cpu_seconds": values_cpu_seconds}


def _run_plain(code, ns: dict, req) -> dict:
    with _device(req.device):
        exec(code, ns)
    return {}


def _run_traced(code, ns: dict, req) -> dict:
    return _run_function(code, ns, req.device, req.probe["values"])


def _eager_values(graph, ns: dict, exprs: list) -> dict:
    return {e: _eager_value(ns, e) for e in exprs}


class _Mode(NamedTuple):
    """How a mode runs a cell's code: in a fresh ``tf.Graph`` (``graph``) or not;
    ``run(code, ns, req)`` -> the values it computed while running (function mode: inside
    the traced call); ``values(graph, ns, exprs)`` after it (None: ``run`` gave them);
    ``traced``: names are read as they were while tracing."""

    graph: bool
    run: Callable
    values: Optional[Callable]
    traced: bool = False


@contextlib.contextmanager
def _device(device: str):
    if device == "gpu":
        with tf.device("/GPU:0"):
            yield
    else:
        yield


def _run_function(code, ns: dict, device: str, value_exprs: list) -> dict:
    """The code is the body of a tf.function, traced and called once."""

    def body():
        with _device(device):
            exec(code, ns)
            # On old TF (<= 2.2) a traced tensor's .name is unreadable once the call
            # returned (its FuncGraph is released): note names while the graph is alive.
            ns["__traced_names__"] = {
                k: (id(v), v.name) for k, v in list(ns.items())
                if not k.startswith("__") and isinstance(getattr(v, "name", None), str)}
            fetched = {}
            for expr in value_exprs:
                try:
                    fetched[expr] = tf.identity(_as_tensor(eval(expr, ns)))
                except Exception as exc:
                    ns.setdefault("__value_errors__", {})[expr] = observe.short(exc)
            return fetched

    result = tf2.function(body, autograph=False)()
    errors = ns.pop("__value_errors__", {})
    values = {e: {"error": m} for e, m in errors.items()}
    for expr, tensor in result.items():
        values[expr] = observe.jsonify(tensor.numpy())
    return values


def _names_seen_while_tracing(objects: dict, ns: dict) -> None:
    traced = ns.pop("__traced_names__", {})
    objects.pop("__traced_names__", None)
    for key, d in objects.items():
        if "name_error" in d and key in traced and traced[key][0] == id(ns.get(key)):
            d["name"] = traced[key][1]
            d["name_seen"] = "while tracing"
            del d["name_error"]


def _as_tensor(obj):
    return obj.as_tensor() if hasattr(obj, "as_tensor") else obj


def _graph_values(graph, ns: dict, exprs: list) -> dict:
    if not exprs:
        return {}
    values = {}
    with graph.as_default():
        init = [tf.global_variables_initializer(), tf.local_variables_initializer()]
        config = tf.ConfigProto()
        config.gpu_options.allow_growth = True
        with tf.Session(graph=graph, config=config) as sess:
            sess.run(init)
            for expr in exprs:
                try:
                    obj = _as_tensor(eval(expr, ns))
                    if not _is_graph_value(obj):  # what the code read in its own session
                        values[expr] = observe.jsonify(np.asarray(obj))
                        continue
                    values[expr] = observe.jsonify(sess.run(obj))
                except Exception as exc:
                    values[expr] = {"error": observe.short(exc)}
    return values


def _is_graph_value(obj) -> bool:
    """A tensor, variable or op a Session can fetch (not a numpy array or number, which
    is read as it is: the value the code read in its own session, e.g. after a restore)."""
    return not isinstance(obj, (np.ndarray, np.generic, int, float))


def _eager_value(ns: dict, expr: str):
    try:
        obj = _as_tensor(eval(expr, ns))
        return observe.jsonify(obj.numpy() if hasattr(obj, "numpy") else np.asarray(obj))
    except Exception as exc:
        return {"error": observe.short(exc)}


def _equals_value(ns: dict, expr: str):
    try:
        return observe.jsonify(eval(expr, ns))
    except Exception as exc:
        return {"error": observe.short(exc)}


# One entry per mode (vocabulary.MODES; a test checks they agree).
_MODES = {
    "v1": _Mode(graph=True, run=_run_plain, values=_graph_values),
    "graph": _Mode(graph=True, run=_run_plain, values=_graph_values),
    "eager": _Mode(graph=False, run=_run_plain, values=_eager_values),
    "function": _Mode(graph=False, run=_run_traced, values=None, traced=True),
}
