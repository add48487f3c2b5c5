"""Observation normalisation: the text of a run that differs between two runs of the same
behaviour, replaced by placeholders, so that such runs compare equal.

Pure functions, no TF (the executor calls ``observed`` on every cell; ``matrix.changes``
calls ``text`` for files written before the executor did):

- process-wide counters in names: ``r/w_1027`` → ``r/w_<uid>``. Only suffixes of 3+
  digits are counters; ``_1``, ``_2`` are scope uniquification, a behaviour, and stay;
- memory addresses: ``0x7f3a9c2d10`` → ``0x<addr>``;
- default object reprs: ``<keras.layers.Dense object at 0x7f..>`` → ``<keras.layers.Dense
  object>``;
- temporary directories: ``/tmp/tmpab12cd/x.py`` → ``<tmp>/x.py`` (the directory made by
  tempfile or ``mktemp -d``, whatever its name, plus any directory the caller names);
- traceback frames outside the case's own file, as TF's error messages list them (TF's,
  the runner's, Python's: paths and lines that differ between machines, environments and
  runner versions) → one ``<frames outside the case>`` per run of them. The case file's
  frames (``*.yaml``, wherever it is) stay.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional

# A uid counter: _ and 3+ digits after a name character, not followed by one.
UID = re.compile(r"(?<=[A-Za-z0-9])_\d{3,}(?![A-Za-z0-9])")
OBJECT_REPR = re.compile(r"<([A-Za-z_][\w.]*) object at 0x[0-9A-Fa-f]+>")
ADDRESS = re.compile(r"\b0x[0-9A-Fa-f]{6,}\b")
# /tmp/<one directory>, /var/tmp/<one>, macOS /var/folders/xx/yyyy/T/<one>.
COMPONENT = r"/[^/\s'\"()\[\]<>,:;]+"
TEMP_DIR = re.compile(r"(?:/private)?(?:/tmp|/var/tmp|/var/folders/[^/\s]+/[^/\s]+/T)"
                      + COMPONENT)


# A frame: `File "PATH", line N, in NAME` at any indentation (TF's "Originally defined at:"
# indents by 2, its "defined at (most recent call last):" by 4), then the lines indented
# deeper (its code, a caret line). Foreign: PATH is not a case file (.yaml / .yml).
FOREIGN_FRAMES = re.compile(
    r'(?:\n( +)File "(?![^"\n]*\.(?:ya?ml|YA?ML)")[^"\n]*", line \d+, in [^\n]*'
    r'(?:\n\1 +[^\n]*)*)+')

# What every replacement below needs somewhere in the text: most names have none of it.
_MAYBE = re.compile(r'\d\d\d|0x|/tmp|/var/|File "')


def text(value: str, temp_dirs: Iterable[str] = ()) -> str:
    """``value`` with counters, addresses, default reprs and temporary paths replaced."""
    if not temp_dirs and not _MAYBE.search(value):
        return value
    for d in temp_dirs:  # another temporary root (TMPDIR): the same, one level down
        d = d.rstrip("/")
        if d and not TEMP_DIR.match(d + "/x") and d in value:
            value = re.sub(re.escape(d) + COMPONENT, "<tmp>", value)
    value = FOREIGN_FRAMES.sub(lambda m: "\n%s<frames outside the case>" % m.group(1), value)
    value = TEMP_DIR.sub("<tmp>", value)
    value = OBJECT_REPR.sub(r"<\1 object>", value)
    value = ADDRESS.sub("0x<addr>", value)
    return UID.sub("_<uid>", value)


def _value(value: Any, temp_dirs: Iterable[str]) -> Any:
    if isinstance(value, str):
        return text(value, temp_dirs)
    if isinstance(value, list):
        return [_value(v, temp_dirs) for v in value]
    if isinstance(value, dict):
        return {k: _value(v, temp_dirs) for k, v in value.items()}
    return value


def observed(record: Dict[str, Any], temp_dirs: Iterable[str] = ()) -> Optional[Dict[str, Any]]:
    """The ``normalised`` entry of an observed record: only what normalisation changed,
    ``{"names": {expr: text}, "values": {expr: value}, "error": text, "equals": {key:
    value}}`` (``values``: the values of plain objects, a ``str`` holding a temporary path
    say); None if nothing."""
    temp_dirs = list(temp_dirs)
    out: Dict[str, Any] = {}
    names = {}
    for expr, obj in (record.get("objects") or {}).items():
        name = obj.get("name") if isinstance(obj, dict) else None
        if isinstance(name, str):
            new = text(name, temp_dirs)
            if new != name:
                names[expr] = new
    if names:
        out["names"] = names
    values = {}
    for expr, obj in (record.get("objects") or {}).items():
        if isinstance(obj, dict) and "value" in obj:
            new = _value(obj["value"], temp_dirs)
            if new != obj["value"]:
                values[expr] = new
    if values:
        out["values"] = values
    error = record.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        new = text(error["message"], temp_dirs)
        if new != error["message"]:
            out["error"] = new
    equals = {}
    for key, value in (record.get("equals") or {}).items():
        new = _value(value, temp_dirs)
        if new != value:
            equals[key] = new
    if equals:
        out["equals"] = equals
    return out or None


def name_of(record: Dict[str, Any], expr: str) -> Optional[str]:
    """The normalised name of ``expr`` (the stored one, else computed: older files)."""
    stored = (record.get("normalised") or {}).get("names") or {}
    if expr in stored:
        return stored[expr]
    obj = (record.get("objects") or {}).get(expr)
    name = obj.get("name") if isinstance(obj, dict) else None
    return None if name is None else text(str(name))


def first_line_of(record: Dict[str, Any]) -> Optional[str]:
    """The first line of the normalised error message ("" for an empty one), or None
    without an error."""
    message = message_of(record)
    if message is None:
        return None
    lines = message.strip().splitlines()
    return lines[0] if lines else ""


def message_of(record: Dict[str, Any]) -> Optional[str]:
    """The normalised error message (stored, else computed), or None without an error."""
    error = record.get("error")
    if not isinstance(error, dict):
        return None
    stored = (record.get("normalised") or {}).get("error")
    # text() again: a file written before a rule was added gets it too (text is idempotent)
    return text(stored) if isinstance(stored, str) else text(str(error.get("message") or ""))


def equals_of(record: Dict[str, Any]) -> Dict[str, Any]:
    """The normalised ``equals`` facts (stored, else computed)."""
    stored = (record.get("normalised") or {}).get("equals") or {}
    return {k: stored[k] if k in stored else _value(v, ())
            for k, v in (record.get("equals") or {}).items()}


TIMINGS = ("code_seconds", "code_cpu_seconds", "values_seconds", "values_cpu_seconds")


def comparable(record: Any) -> Any:
    """An observed record as two runs of the same behaviour give it equal: timings and an
    artifact's bytes left out, names, error message, equals and stdout in their normalised
    text."""
    if not isinstance(record, dict):
        return record
    # stored entries win (they know the run's temporary roots); older files lack some
    extra = dict(observed(record) or {}, **(record.get("normalised") or {}))
    names, values = extra.get("names") or {}, extra.get("values") or {}
    out = {k: v for k, v in record.items() if k not in TIMINGS and k != "normalised"}
    out["objects"] = {e: _object(o, names, values, e)
                      for e, o in (record.get("objects") or {}).items()}
    if isinstance(out.get("error"), dict) and isinstance(out["error"].get("message"), str):
        out["error"] = dict(out["error"], message=message_of(dict(record, normalised=extra)))
    out["equals"] = dict(record.get("equals") or {}, **(extra.get("equals") or {}))
    if isinstance(out.get("stdout"), str):
        out["stdout"] = text(out["stdout"])
    if isinstance(out.get("artifact"), dict):  # a Saver's `checkpoint` file holds its own
        # absolute path, so the bytes follow the directory's name; files and keys do not
        out["artifact"] = {k: v for k, v in out["artifact"].items() if k != "bytes"}
    return out


def _object(obj: Any, names: dict, values: dict, expr: str) -> Any:
    if expr in names:
        obj = dict(obj, name=names[expr])
    if expr in values:
        obj = dict(obj, value=values[expr])
    return obj
