"""TF's and Keras' process-wide flags that a cell can change and the reset between cells
does not restore; compared from cell to cell by ``isolation.Guard`` (through
``executor.state``). Imports no TF of its own: the executor hands it its modules, and the
rest is read through ``sys.modules``.
"""
from __future__ import annotations

import sys


def read(executor, context) -> dict:
    """The flags, given the executor module (its ``tf``, ``tf2`` and what it noted when the
    cell started) and TF's eager ``context`` module."""
    tf, tf2 = executor.tf, executor.tf2
    try:
        scope = context.context().scope_name
    except Exception:  # private API moved: a constant that still makes a fresh worker
        scope = "<unknown>"
    return {
        "execution mode": bool(tf.executing_eagerly()) == executor._EAGER_AT_START,
        "open name scope": scope,
        "default graph": tf.get_default_graph() is executor._GRAPH_BEFORE_CELL
        or executor._GRAPH_BEFORE_CELL is None,
        "TF2 behaviour": executor._tf2_enabled(),
        # public since 1.14 (the private flag moved out of variable_scope in 2.16)
        "resource variables": _call(getattr(tf, "resource_variables_enabled", None)),
        "control flow v2": _flag("tensorflow.python.ops.control_flow_util",
                                 "ENABLE_CONTROL_FLOW_V2"),
        "tensor equality": getattr(tf.Tensor, "_USE_EQUALITY", None),
        "functions run eagerly": _functions_run_eagerly(tf),
        "Keras settings": tuple(_call(getattr(sys.modules.get(name), fn, None))
                                for name, fn in _KERAS_SETTINGS if name in sys.modules),
        # Flags kept in private module globals (which the attribute snapshot leaves to
        # TF: its lazy caches rebind them) or in the C runtime.
        "TF private flags": tuple(_flag(module, name) for module, name in _PRIVATE_FLAGS),
        # made on first use, or set by set_global_generator: its identity
        "global random generator": tuple(id(_flag(_GENERATORS, name)) for name in
                                         ("global_generator", "_global_generator")),
        "op determinism": _call(_flag("tensorflow.python.framework.config",
                                      "is_op_determinism_enabled")),  # not exported
        "eager context settings": _context_settings(tf2, context),
    }


_GENERATORS = "tensorflow.python.ops.stateful_random_ops"
# (module, name): numpy behaviour, tensor shape v1/v2, autograph's verbosity.
_PRIVATE_FLAGS = (
    ("tensorflow.python.framework.ops", "_numpy_style_slicing"),
    ("tensorflow.python.framework.ops", "_dtype_conversion_mode"),
    ("tensorflow.python.ops.numpy_ops.np_dtypes", "_prefer_float32"),
    ("tensorflow.python.ops.numpy_ops.np_dtypes", "_allow_float64"),
    ("tensorflow.python.framework.tensor_shape", "_TENSORSHAPE_V2_OVERRIDE"),
    ("tensorflow.python.autograph.utils.ag_logging", "verbosity_level"),
)


def _context_settings(tf2, context) -> tuple:
    """The eager context's settings (jit, soft placement, device policy, threads, ...):
    its attributes that hold plain values, its op callbacks (check numerics adds one),
    and the optimizer options."""
    try:
        ctx = context.context()
        plain = tuple((k, v) for k, v in sorted(vars(ctx).items())
                      if isinstance(v, (bool, int, float, str)) and k not in _CONTEXT_VOLATILE)
        callbacks = len(ctx.op_callbacks) if hasattr(ctx, "op_callbacks") else None
    except Exception:  # private API moved: a constant that still makes a fresh worker
        return ("<unknown>",)
    optimizer = getattr(tf2.config, "optimizer", None)
    options = _call(getattr(optimizer, "get_experimental_options", None))
    return plain + (("op callbacks", callbacks),
                    ("jit", _call(getattr(optimizer, "get_jit", None))),
                    ("optimizer options", tuple(sorted(options.items()))
                     if isinstance(options, dict) else options))


# Context attributes that change in a fresh worker too (its runtime starts on first use).
_CONTEXT_VOLATILE = frozenset(("_initialized", "_context_handle", "_num_gpus",
                               "_context_switches", "_post_execution_callbacks"))


# Keras' global settings, wherever the installed Keras keeps them (read only if loaded).
_KERAS_SETTINGS = tuple(
    (module, fn)
    for module in ("keras.src.backend.config", "keras.src.backend_config", "keras.backend",
                   "tf_keras.src.backend_config", "tensorflow.python.keras.backend_config")
    for fn in ("floatx", "epsilon", "image_data_format")
) + tuple(
    (module, "global_policy")
    for module in ("keras.src.dtype_policies.dtype_policy", "keras.src.mixed_precision.policy",
                   "tf_keras.src.mixed_precision.policy",
                   "tensorflow.python.keras.mixed_precision.policy")
)


def _functions_run_eagerly(tf):
    getter = (getattr(tf.config, "functions_run_eagerly", None)
              or getattr(tf.config, "experimental_functions_run_eagerly", None))
    if getter is not None:
        return _call(getter)
    # TF 1.15 and 2.0 have the setter only
    return _flag("tensorflow.python.eager.def_function", "RUN_FUNCTIONS_EAGERLY")


def _flag(module: str, name: str):
    return getattr(sys.modules.get(module), name, None)


def _call(fn):
    if fn is None:
        return None
    try:
        value = fn()
    except Exception:
        return "<error>"
    return getattr(value, "name", value)
