"""Safe YAML loading that remembers where every key came from.

``yaml.SafeLoader`` semantics (no object construction, merge keys ``<<`` included), with
what a case file must not do refused on its line: duplicate keys (plain ``safe_load``
silently keeps the last one), values JSON cannot hold (dates, ``!!binary``, sets), nesting
deeper than MAX_DEPTH, and aliases that expand past MAX_NODES (an alias bomb is refused in
milliseconds instead of expanding for minutes). Returns the data and a map from the key
path (a tuple of keys / indices) to its 1-based line in the file.
"""
from __future__ import annotations

import datetime
import math
from typing import Any, Dict, Tuple

import yaml

from ..errors import CaseError

Path = Tuple[Any, ...]
LineMap = Dict[Path, int]

MAX_DEPTH = 50         # a case is a few levels deep; 1000 levels hit Python's recursion limit
MAX_NODES = 100_000    # nodes after expanding aliases (the corpus' largest file has ~200)

_MERGE = "tag:yaml.org,2002:merge"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


# libyaml's parser where PyYAML was built with it (every wheel is): composing the 242
# case files took 0.5 s of every environment's collection with the pure-Python one.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def load(text: str, file: str) -> Tuple[Any, LineMap]:
    """Parse ``text`` (the contents of ``file``); raise CaseError on bad YAML."""
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise CaseError(file, line, "", "invalid YAML: the file contains a NUL byte")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise CaseError(file, 1, "", "the file is empty; a case is a YAML mapping")
        lines: LineMap = {(): node.start_mark.line + 1}
        data = _Builder(loader, file, lines).build(node, ())
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


class _Builder:
    def __init__(self, loader, file: str, lines: LineMap) -> None:
        self.loader, self.file, self.lines = loader, file, lines
        self.nodes = 0
        self.seen: set = set()  # ids of the nodes built: one built again is an alias's
        self.aliased = False
        self.tops: Dict[Any, Any] = {}  # top-level key -> its value's node

    def fail(self, node, path: Path, message: str) -> CaseError:
        return CaseError(self.file, node.start_mark.line + 1, dotted(path), message)

    def build(self, node, path: Path) -> Any:
        self.nodes += 1
        if id(node) in self.seen:
            self.aliased = True
        self.seen.add(id(node))
        if self.nodes > MAX_NODES:  # told at the top-level key whose value is so large
            top = path[:1]
            raise CaseError(self.file, self.lines.get(top, node.start_mark.line + 1),
                            dotted(top), self._too_large(top))
        if len(path) > MAX_DEPTH:
            top = path[:1]
            raise CaseError(self.file, self.lines.get(top, node.start_mark.line + 1),
                            dotted(top), "nested deeper than %d levels" % MAX_DEPTH)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self._unknown_tag(node, path)
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self._unknown_tag(node, path)
            items = []
            for i, item in enumerate(node.value):
                self.lines.setdefault(path + (i,), item.start_mark.line + 1)
                items.append(self.build(item, path + (i,)))
            return items
        # Where the scalar's content starts (the line after `|` / `>` for block scalars):
        # recorded under path + ("<content>",) so tracebacks of `code` point into the file.
        first = node.start_mark.line + 1
        self.lines.setdefault(path + ("<content>",),
                              first + 1 if node.style in ("|", ">") else first)
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self.fail(node, path, "invalid YAML: %s" % (exc.problem or exc)) from None
        return self._json_scalar(node, path, value)

    def _too_large(self, top: Path) -> str:
        """What is too large: the top-level value's size, and whether aliases made it so."""
        node = self.tops.get(top[0]) if top else None
        size = ""
        if isinstance(node, yaml.SequenceNode):
            size = "a list of %d entries, " % len(node.value)
        elif isinstance(node, yaml.MappingNode):
            size = "a mapping of %d keys, " % len(node.value)
        if self.aliased:
            return "%sthe value expands to more than %d values (aliases of aliases?)" % (
                size, MAX_NODES)
        return "too large: %smore than %d values (a case has a few hundred)" % (
            size, MAX_NODES)

    def _json_scalar(self, node, path: Path, value: Any) -> Any:
        if isinstance(value, (datetime.date, datetime.datetime)):
            raise self.fail(node, path, "YAML reads %r as a date, which a case cannot hold: "
                            "quote it ('%s')" % (node.value, node.value))
        if isinstance(value, bytes):
            raise self.fail(node, path, "a !!binary value cannot be compared with what TF "
                            "observes: write it as a string")
        if isinstance(value, float) and not math.isfinite(value):
            return value  # .nan / .inf: checked where a number is expected
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        raise self.fail(node, path, "a YAML %s cannot be held in a case; use a mapping, a "
                        "list or a plain value" % type(value).__name__)

    def _unknown_tag(self, node, path: Path) -> CaseError:
        return self.fail(node, path, "invalid YAML: could not determine a constructor for "
                         "the tag %r" % node.tag)

    def _mapping(self, node, path: Path) -> dict:
        out: dict = {}
        merged: dict = {}  # from `<<` keys: explicit keys win over them
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) \
                    else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail(source, path, "a merge key (<<) takes a mapping or a "
                                        "list of mappings")
                    for k, v in self._mapping(source, path).items():
                        merged.setdefault(k, v)
                continue
            key = self.build(key_node, path + ("<key>",))
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise self.fail(key_node, path, "mapping keys must be scalars")
            if key in out:
                raise self.fail(key_node, path + (key,), "duplicate key %r (first on line %d)"
                                % (key, self.lines.get(path + (key,), 0)))
            self.lines[path + (key,)] = key_node.start_mark.line + 1
            if not path:
                self.tops[key] = value_node
            out[key] = self.build(value_node, path + (key,))
        for k, v in merged.items():
            out.setdefault(k, v)
        return out


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path if p != "<key>")
