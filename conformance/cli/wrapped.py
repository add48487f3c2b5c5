"""Flow collections an author wrapped by hand (``same: [[v,\\n  w]]``) kept as written when
``record`` rewrites a case file: ruamel.yaml's round trip keeps a flow collection's style
but not its line breaks, so each node that comes through unchanged is dumped as a
placeholder and its original text put back in its place.

``dump(yaml, data, text)`` is ``yaml.dump`` of ``data`` (loaded from ``text`` and then
changed) with that done; the result is checked to load as the plain dump does, else the
plain dump is returned.
"""
from __future__ import annotations

import io
import uuid
from typing import Any, Dict, List, Optional, Tuple


def dump(yaml, data: Any, text: str) -> str:
    plain = _dump(yaml, data)
    fragments = _wrapped(data, text.split("\n"))
    if not fragments:
        return plain
    token = "RECORDKEEP%s" % uuid.uuid4().hex
    kept: Dict[str, Tuple[str, int]] = {}
    _replace(data, fragments, token, kept)
    if not kept:
        return plain
    spliced = _splice(_dump(yaml, data), kept)
    try:
        same = spliced is not None and as_plain(yaml.load(spliced)) == as_plain(yaml.load(plain))
    except Exception:  # a splice that does not load is not used
        same = False
    return spliced if same else plain


def _dump(yaml, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _children(node: Any):
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, list):
        return list(enumerate(node))
    return []


def _wrapped(node: Any, lines: List[str]) -> Dict[int, Tuple[str, int]]:
    """{id(node): (original text, its column)} of every flow collection in ``node`` that
    spans more than one line of the text it was loaded from."""
    found: Dict[int, Tuple[str, int]] = {}
    todo = [node]
    while todo:
        n = todo.pop()
        fa = getattr(n, "fa", None)
        lc = getattr(n, "lc", None)
        if fa is not None and fa.flow_style() and lc is not None and lc.line is not None:
            fragment = _span(lines, lc.line, lc.col)
            if fragment and "\n" in fragment:
                found[id(n)] = (fragment, lc.col)
                continue
        todo += [v for _, v in _children(n)]
    return found


def _span(lines: List[str], line: int, col: int) -> Optional[str]:
    """The flow collection whose bracket is at (line, col), up to its closing bracket."""
    if line >= len(lines) or lines[line][col:col + 1] not in ("[", "{"):
        return None
    depth, quote, out = 0, "", []
    for i in range(line, len(lines)):
        text = lines[i]
        j = col if i == line else 0
        while j < len(text):
            c = text[j]
            if quote:
                if c == "\\" and quote == '"':
                    j += 1
                elif c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "#" and (j == 0 or text[j - 1] in " \t"):
                break  # a comment: the rest of the line
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth == 0:
                    out.append(text[(col if i == line else 0):j + 1])
                    return "\n".join(out)
            j += 1
        out.append(text[(col if i == line else 0):])
    return None


def _replace(node: Any, fragments, token: str, kept: Dict[str, Tuple[str, int]]) -> None:
    """Each wrapped node under ``node`` replaced by a placeholder scalar (outermost only)."""
    for key, value in _children(node):
        if id(value) in fragments:
            mark = "%s%d" % (token, len(kept))
            kept[mark] = fragments[id(value)]
            node[key] = mark
        else:
            _replace(value, fragments, token, kept)


def _splice(text: str, kept: Dict[str, Tuple[str, int]]) -> Optional[str]:
    """Each placeholder in ``text`` replaced by its original text, its continuation lines
    moved by as many columns as the placeholder stands from where the node stood."""
    lines = text.split("\n")
    for mark, (fragment, col) in kept.items():
        at = [(i, line.find(mark)) for i, line in enumerate(lines) if mark in line]
        if len(at) != 1:
            return None
        i, new_col = at[0]
        first, *rest = fragment.split("\n")
        shift = new_col - col
        moved = []
        for line in rest:
            if shift >= 0:
                moved.append(" " * shift + line if line.strip() else line)
            elif line[:-shift].strip():
                return None  # it would have to move left past its own text
            else:
                moved.append(line[-shift:])
        head, tail = lines[i][:new_col], lines[i][new_col + len(mark):]
        lines[i:i + 1] = ("\n".join([head + first] + moved) + tail).split("\n")
    return "\n".join(lines)


def as_plain(node: Any) -> Any:
    """YAML as plain Python: ruamel's commented maps, sequences and strings as dict, list
    and str, for comparing what two texts load to."""
    if isinstance(node, dict):
        return {str(k): as_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node
