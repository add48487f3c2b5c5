"""Safe YAML loading that remembers where every key came from.

Only ``yaml.SafeLoader`` semantics (no object construction); duplicate keys are an error
(plain ``safe_load`` silently keeps the last one). Returns the data and a map from the
key path (a tuple of keys / indices) to its 1-based line in the file.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

import yaml

from .errors import CaseError

Path = Tuple[Any, ...]
LineMap = Dict[Path, int]


# libyaml's parser where PyYAML was built with it (every wheel is): composing the 242
# case files took 0.5 s of every environment's collection with the pure-Python one.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def load(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse ``text`` (the contents of ``file``); raise CaseError on bad YAML."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise CaseError(file, 1, "", "the file is empty; a case is a YAML mapping")
        lines: LineMap = {(): node.start_mark.line + 1}
        data = _build(loader, node, (), lines, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = "%s (%s)" % (problem, exc.context)
        raise CaseError(file, line, "", "invalid YAML: %s" % problem) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked YAML errors are rare
        raise CaseError(file, None, "", "invalid YAML: %s" % exc) from None
    finally:
        loader.dispose()
    return data, lines


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _build(loader: _Loader, node: yaml.Node, path: Path, lines: LineMap, file: str) -> Any:
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        # Scalars go through SafeLoader, which refuses unknown tags; do the same here.
        raise CaseError(file, node.start_mark.line + 1, _dotted(path),
                        "invalid YAML: could not determine a constructor for the tag %r"
                        % node.tag)
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, path, {}, file)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise CaseError(file, key_node.start_mark.line + 1, _dotted(path),
                                "mapping keys must be scalars")
            if key in out:
                raise CaseError(file, key_node.start_mark.line + 1, _dotted(path + (key,)),
                                "duplicate key %r (first on line %d)"
                                % (key, lines.get(path + (key,), 0)))
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, path + (key,), lines, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            items.append(_build(loader, item, path + (i,), lines, file))
        return items
    # Where the scalar's content starts (the line after `|` / `>` for block scalars):
    # recorded under path + ("<content>",) so tracebacks of `code` point into the file.
    first = node.start_mark.line + 1
    lines[path + ("<content>",)] = first + 1 if node.style in ("|", ">") else first
    return loader.construct_object(node, deep=True)


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


dotted = _dotted
