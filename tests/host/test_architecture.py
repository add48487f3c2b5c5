"""The layering rules of docs/architecture.md, checked on the source (ast, no imports)."""
from __future__ import annotations

import ast
import os
from typing import Dict, Set

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "conformance")
IN_ENV = {"case", "execution", "pytest_plugin", "results"}
HOST = {"matrix", "envs"}
TOP_LEVEL = {"__init__", "__main__", "vocabulary", "errors", "jsonvalues"}


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def modules() -> Dict[str, str]:
    """dotted module name -> path, for every module of the package."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, name), os.path.dirname(PACKAGE))
                dotted = rel[:-3].replace(os.sep, ".")
                found[dotted[: -len(".__init__")] if dotted.endswith(".__init__") else
                      dotted] = os.path.join(dirpath, name)
    return found


def imports(name: str, path: str) -> Set[str]:
    """Absolute names of the modules a module imports (relative imports resolved)."""
    tree = ast.parse(read(path))
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            out.add(prefix)
            out.update("%s.%s" % (prefix, a.name) for a in node.names)
    return out


def layer(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_in_environment_side_never_imports_the_host_side():
    bad = []
    for name, path in modules().items():
        if layer(name) in IN_ENV or name.startswith("conformance.cli.run"):
            for target in imports(name, path):
                if target.startswith("conformance.") and layer(target) in HOST | {"cli"}:
                    bad.append("%s imports %s" % (name, target))
    assert bad == []


def test_exactly_one_module_imports_tensorflow():
    importers = sorted(name for name, path in modules().items()
                       if any(t == "tensorflow" or t.startswith("tensorflow.")
                              for t in imports(name, path)))
    assert importers == ["conformance.execution.executor"]


def test_at_most_five_top_level_modules_and_none_over_400_lines():
    top = {os.path.splitext(n)[0] for n in os.listdir(PACKAGE) if n.endswith(".py")}
    assert top == TOP_LEVEL
    lines = {name: read(path).count("\n") for name, path in modules().items()}
    assert {name: n for name, n in lines.items() if n > 400} == {}


@pytest.mark.parametrize("word", ["\"v1\", \"graph\", \"eager\""])
def test_the_vocabulary_is_spelled_out_once(word):
    """Modes are listed in vocabulary.py and nowhere else in the package (outcomes:
    test_vocabulary.test_no_module_keeps_its_own_list_of_outcomes)."""
    spelled = [name for name, path in modules().items() if word in read(path)]
    assert spelled == ["conformance.vocabulary"]


def test_in_environment_modules_parse_as_python_37():
    for name, path in modules().items():
        if layer(name) in IN_ENV or name.count(".") == 1:
            ast.parse(read(path), feature_version=(3, 7))
