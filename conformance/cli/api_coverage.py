"""docs/coverage.md: which tf.compat.v1 scope APIs and parameters the corpus exercises.

    python -m conformance coverage [--cases cases] [--out docs/coverage.md]

Run it in an environment with TF: parameter lists are read from TF's own signatures
(through ``executor``, the module that imports TF); the corpus is read with ``ast``.

A parameter a case passes counts as *observed* only when the case sees its effect: the
case's v1 cell is run in this process with and without that argument (one call at a time;
a keyword, or the call's last positional argument), and what it observes (the names of the
TF objects it binds, identity groups, error type and first line, ``equals`` and ``values``)
differs. A parameter that is passed but changes nothing observed is listed as such: a case
that only passes it proves nothing about it.
"""
from __future__ import annotations

import argparse
import ast
import glob
import inspect
import json
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from ..case.load import load_case
from ..errors import CaseError

# tf.compat.v1 names (dotted below tf) that make up the scope / variable-sharing surface.
APIS = [
    "variable_scope", "variable_op_scope", "name_scope", "get_variable",
    "get_local_variable", "get_variable_scope", "VariableScope", "make_template", "Variable",
    "variable_creator_scope", "create_partitioned_variables", "no_regularizer",
    "fixed_size_partitioner", "min_max_variable_partitioner", "variable_axis_size_partitioner",
    "global_variables", "local_variables", "trainable_variables", "model_variables",
    "moving_average_variables", "get_collection", "enable_resource_variables",
    "disable_resource_variables", "resource_variables_enabled", "layers.dense",
    "keras.utils.track_tf1_style_variables",
]
# The TF2 names of the same surface (tf2.name_scope, tf2.Module.name_scope): "tf2.<name>".
TF2_APIS = ["name_scope", "Module"]
SCOPE_METHODS = [
    "reuse_variables", "set_initializer", "set_dtype", "set_regularizer", "set_partitioner",
    "set_caching_device", "set_custom_getter", "set_use_resource", "get_variable",
    "get_collection", "global_variables", "trainable_variables", "local_variables",
]


def _resolve(root, dotted: str):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _params(obj, required: bool = False) -> List[str]:
    """The parameters' names; ``required``: only those without a default."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            and (not required or p.default is p.empty)]


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _api_of(node, signatures) -> Optional[str]:
    """The API a call is to (a key of ``signatures``), or None."""
    name = _dotted(node.func)
    if name.split(".")[0] in ("tf", "tf2"):
        key = name[3:] if name.startswith("tf.") else name
        return key if key in signatures else None
    if isinstance(node.func, ast.Attribute) and "VariableScope." + node.func.attr in signatures:
        return "VariableScope." + node.func.attr
    return None


def _cases(cases_dir: str) -> Iterator:
    for path in sorted(glob.glob(os.path.join(cases_dir, "**", "*.y*ml"), recursive=True)):
        try:
            yield load_case(path, cases_dir)
        except CaseError:
            continue


def without_each_argument(code: str, signatures) -> Iterator[Tuple[str, str, str]]:
    """(api, parameter, the code without that argument in that one call), for each
    argument a call passes by keyword, and for its last positional argument."""
    calls = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)]
    for index, node in enumerate(calls):
        api = _api_of(node, signatures)
        if api is None:
            continue
        params = signatures[api]
        for k, keyword in enumerate(node.keywords):
            if keyword.arg in params:
                yield api, keyword.arg, _dropped(code, index, k)
        if node.args and len(node.args) <= len(params) and not any(
                isinstance(a, ast.Starred) for a in node.args):
            yield api, params[len(node.args) - 1], _dropped(code, index, None)


def _dropped(code: str, index: int, keyword: Optional[int]) -> str:
    tree = ast.parse(code)
    node = [n for n in ast.walk(tree) if isinstance(n, ast.Call)][index]
    if keyword is None:
        node.args.pop()
    else:
        del node.keywords[keyword]
    return ast.unparse(tree)


def effects(cases_dir: str, signatures, observe: Callable[[Any, str], Any],
            required: Optional[Dict[str, List[str]]] = None) -> Dict[str, Set[str]]:
    """api -> the parameters some case sees the effect of: ``observe(case, code)`` (what
    the case's v1 cell observes) differs with the argument and without it. Cases without
    a v1 cell, or with ``env`` settings (a process of their own), are not run here; nor
    are ``required`` parameters (without a default: leaving one out only makes the call
    a TypeError)."""
    seen: Dict[str, Set[str]] = {}
    required = required or {}
    for case in _cases(cases_dir):
        if "v1" not in case.modes or case.env:
            continue
        base = None
        for api, param, changed in without_each_argument(case.code, signatures):
            if param in seen.get(api, set()) or param in required.get(api, ()):
                continue
            if base is None:
                base = observe(case, ast.unparse(ast.parse(case.code)))
            if observe(case, changed) != base:
                seen.setdefault(api, set()).add(param)
    return seen


def scan(cases_dir: str, signatures: Dict[str, List[str]]):
    """(api -> set of case ids, api -> set of parameters used)."""
    users: Dict[str, Set[str]] = {}
    used: Dict[str, Set[str]] = {}
    for case in _cases(cases_dir):
        for node in ast.walk(ast.parse(case.code)):
            if isinstance(node, ast.Attribute):
                # A reference without a call counts too: a decorator, or an argument such as
                # regularizer=tf.no_regularizer.
                name = _dotted(node)
                key = name[3:] if name.startswith("tf.") else name
                if name.split(".")[0] in ("tf", "tf2") and key in signatures:
                    users.setdefault(key, set()).add(case.id)
            if not isinstance(node, ast.Call):
                continue
            api = _api_of(node, signatures)
            if api is None:
                continue
            users.setdefault(api, set()).add(case.id)
            params = signatures[api]
            got = used.setdefault(api, set())
            got.update(params[: len(node.args)])
            got.update(k.arg for k in node.keywords if k.arg)
    return users, used


def render(tf_version: str, signatures, users, used,
           observed: Optional[Dict[str, Set[str]]] = None,
           required: Optional[Dict[str, List[str]]] = None) -> str:
    """The table; ``observed`` (from ``effects``) splits the parameters passed into those
    whose effect a case observes and those only passed; ``required`` ones are apart."""
    observed = used if observed is None else observed
    required = required or {}
    lines = ["# Corpus coverage of the tf.compat.v1 scope API", "",
             "Generated by `python -m conformance coverage` with TF %s signatures; do not edit."
             % tf_version, "",
             "A case counts for an API when its code calls or references it (decorators,",
             "arguments). A parameter counts as observed only where a case sees its effect:",
             "the case's v1 cell observes something else (names, identity groups, error,",
             "`equals`, `values`) when that one argument is left out of that one call. A",
             "parameter that cases pass without any observed effect is \"only passed\".",
             "A required parameter (no default) cannot be left out, so it is not probed:",
             "listed apart. `tf2.` rows are the TF2 names (`tf.compat.v2`).", "",
             "| API | cases | effect observed | only passed | required, passed | not passed |",
             "|---|---:|---|---|---|---|"]
    for api, params in signatures.items():
        needed = [p for p in params if p in required.get(api, ())]
        seen = [p for p in params if p in observed.get(api, set()) and p not in needed]
        passed = [p for p in params if p in used.get(api, set()) and p not in seen
                  and p not in needed]
        must = [p for p in needed if p in used.get(api, set())]
        todo = [p for p in params if p not in used.get(api, set())]
        lines.append("| `%s` | %d | %s | %s | %s | %s |" % (
            api, len(users.get(api, ())), *(", ".join("`%s`" % p for p in group) or "—"
                                             for group in (seen, passed, must, todo))))
    missing = [a for a in signatures if not users.get(a)]
    only_passed = {a: [p for p in params if p in used.get(a, set())
                       and p not in observed.get(a, set()) and p not in required.get(a, ())]
                   for a, params in signatures.items()}
    only = ["`%s(%s)`" % (a, ", ".join(ps)) for a, ps in only_passed.items() if ps]
    lines += ["", "Not exercised at all yet: %s." % (", ".join("`%s`" % a for a in missing)
                                                   or "none"),
              "", "Passed but no effect observed yet: %s." % (", ".join(only) or "none")]
    return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance coverage",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="cases")
    parser.add_argument("--out", default=os.path.join("docs", "coverage.md"))
    args = parser.parse_args(argv)
    from ..execution import executor
    from ..results.files import write_text

    facts = executor.setup("v1")
    objects = {}
    for api in APIS:
        try:
            objects[api] = _resolve(executor.tf, api)
        except AttributeError:
            objects[api] = None
    for method in SCOPE_METHODS:
        objects["VariableScope." + method] = getattr(executor.tf.VariableScope, method)
    for api in TF2_APIS:
        objects["tf2." + api] = _resolve(executor.tf2, api)
    objects["tf2.Module.name_scope"] = None  # a property
    signatures = {api: _params(obj) if obj is not None else [] for api, obj in objects.items()}
    required = {api: _params(obj, required=True) if obj is not None else []
                for api, obj in objects.items()}
    users, used = scan(args.cases, signatures)
    observed = effects(args.cases, signatures, _observer(executor), required)
    write_text(args.out, render(facts["tf"], signatures, users, used, observed, required))
    print("wrote %s" % args.out)
    return 0


def _observer(executor) -> Callable[[Any, str], Any]:
    """What a case's v1 cell observes with ``code`` in its place, in this process."""
    from ..execution import wire
    from ..matrix.changes import signature

    def observe(case, code: str):
        executor.reset_between_cells("v1")
        request = wire.Request(id=0, code=code, code_line=1, file=case.file, mode="v1",
                               device="cpu", probe=case.probe(), timeout=case.timeout)
        observed = executor.run_cell(request)
        return signature(observed), json.dumps(observed.get("values"), sort_keys=True,
                                               default=str)
    return observe
