"""The case model and loader: YAML file -> validated ``Case``.

Validation is the JSON Schema in ``data/case.schema.json`` plus what a schema cannot say
(version specifiers, regexes, Python expressions, the snippet's syntax). Every problem is
reported as one ``CaseError`` naming the file, line and key.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from . import yamlsource
from .errors import CaseError

MODES = ("v1", "graph", "eager", "function")
DEVICES = ("cpu", "gpu")
DEFAULT_TIMEOUT = 60.0
SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "data", "case.schema.json")

_validator = None


def schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def _get_validator():
    global _validator
    if _validator is None:
        import jsonschema  # ~70 ms: only when a file is not in the CaseCache

        _validator = jsonschema.Draft7Validator(schema())
    return _validator


@dataclass
class Expect:
    names: Dict[str, str] = field(default_factory=dict)
    same: List[List[str]] = field(default_factory=list)
    distinct: List[List[str]] = field(default_factory=list)
    values: Dict[str, Any] = field(default_factory=dict)
    equals: Dict[str, Any] = field(default_factory=dict)
    error: Optional[Dict[str, str]] = None

    @classmethod
    def from_dict(cls, d: Optional[dict]) -> Expect:
        d = d or {}
        return cls(
            names=dict(d.get("names", {})),
            same=[list(g) for g in d.get("same", [])],
            distinct=[list(g) for g in d.get("distinct", [])],
            values=dict(d.get("values", {})),
            equals=dict(d.get("equals", {})),
            error=dict(d["error"]) if "error" in d else None,
        )

    def to_dict(self) -> dict:
        out: dict = {}
        for key in ("names", "same", "distinct", "values", "equals"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.error is not None:
            out["error"] = self.error
        return out

    def exprs(self) -> List[str]:
        """Expressions whose objects the executor must describe."""
        seen: List[str] = []
        for e in list(self.names) + [e for g in self.same + self.distinct for e in g]:
            if e not in seen:
                seen.append(e)
        return seen


@dataclass
class Variant:
    index: int
    line: int
    tf: Optional[SpecifierSet] = None
    python: Optional[SpecifierSet] = None
    keras: Optional[SpecifierSet] = None
    modes: Optional[Tuple[str, ...]] = None
    devices: Optional[Tuple[str, ...]] = None
    expect: Optional[Expect] = None
    xfail: Optional[str] = None
    note: Optional[str] = None


@dataclass
class Case:
    id: str
    file: str          # path as given (relative to the invocation dir when possible)
    line: int          # line of `code:` (reported as the case's location)
    title: str
    source: str
    code: str
    code_line: int     # 1-based line in `file` where the snippet's first line is
    tags: Tuple[str, ...] = ()
    note: Optional[str] = None
    modes: Tuple[str, ...] = MODES
    devices: Tuple[str, ...] = DEVICES
    env: Dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    expect: Expect = field(default_factory=Expect)
    variants: List[Variant] = field(default_factory=list)

    def all_expects(self) -> List[Expect]:
        return [self.expect] + [v.expect for v in self.variants if v.expect is not None]

    def probe(self) -> dict:
        """What the executor must observe so every variant's expectation can be checked."""
        exprs: List[str] = []
        values: List[str] = []
        equals: List[str] = []
        for exp in self.all_expects():
            exprs += [e for e in exp.exprs() if e not in exprs]
            values += [e for e in exp.values if e not in values]
            equals += [e for e in exp.equals if e not in equals]
        return {"exprs": exprs, "values": values, "equals": equals}


def case_id(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if rel.startswith(".."):
        rel = os.path.basename(path)
    rel = rel.replace(os.sep, "/")
    return rel[: -len(".yaml")] if rel.endswith(".yaml") else rel


def load_case(path: str, root: str, display: Optional[str] = None,
              cache: Optional[CaseCache] = None) -> Case:
    """Load and validate one case file. ``display`` is the path used in messages. With a
    ``cache``, a file whose bytes passed the YAML and schema checks before skips them."""
    file = display or path
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(file, None, "", "cannot read: %s" % exc) from None
    known = cache.get(text) if cache is not None else None
    if known is not None:
        data, lines = known
    else:
        data, lines = yamlsource.load(text, file)
        if not isinstance(data, dict):
            raise CaseError(file, 1, "", "a case is a YAML mapping, got %s" % _describe(data))
        _validate_schema(data, lines, file)
        if cache is not None:
            cache.put(text, data, lines)
    # The checks a schema cannot make (specifiers, regexes, syntax) run every time.
    return _build(data, lines, file, case_id(path, root))


class CaseCache:
    """Case files that passed the YAML and schema checks, as parsed data and line map, in
    one JSON file each under ``directory``. Every environment of a matrix run collects the
    same files: parsing and validating them cost ~0.2 CPU-s per environment (and importing
    jsonschema ~70 ms more), a hit ~0.03 s.

    An entry is keyed by the sha256 of the file's text and of what decides the outcome of
    those checks: this module, ``yamlsource``, the schema and the PyYAML / jsonschema
    versions. Entries are written whole (rename), so environments running side by side
    share the directory safely; any problem reading or writing is a miss, never an error."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._salt: Optional[bytes] = None

    def _key(self, text: str) -> str:
        if self._salt is None:
            from .facts import version_of

            salt = hashlib.sha256()
            for name in (__file__, yamlsource.__file__, SCHEMA_PATH):
                with open(name, "rb") as f:
                    salt.update(f.read())
            for dist in ("PyYAML", "jsonschema"):
                salt.update(("\0%s=%s" % (dist, version_of(dist))).encode("utf-8"))
            self._salt = salt.digest()
        return hashlib.sha256(self._salt + text.encode("utf-8")).hexdigest()

    def _path(self, text: str) -> str:
        return os.path.join(self.directory, self._key(text) + ".json")

    def get(self, text: str) -> Optional[Tuple[dict, yamlsource.LineMap]]:
        try:
            with open(self._path(text), encoding="utf-8") as f:
                entry = json.load(f)
            return entry["data"], {tuple(path): line for path, line in entry["lines"]}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, text: str, data: dict, lines: yamlsource.LineMap) -> None:
        entry = {"data": data, "lines": [[list(path), line] for path, line in lines.items()]}
        try:
            encoded = json.dumps(entry)  # in the file's key order, as parsed
            if json.loads(encoded)["data"] != data:
                return  # not plain JSON (e.g. a non-string key): keep checking it each time
        except (TypeError, ValueError):
            return
        tmp = None
        try:
            os.makedirs(self.directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(encoded)
            os.replace(tmp, self._path(text))
        except OSError:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)


# ---------------------------------------------------------------- schema validation


def _validate_schema(data: dict, lines: yamlsource.LineMap, file: str) -> None:
    errors = list(_get_validator().iter_errors(data))
    if not errors:
        return
    err = min(errors, key=lambda e: (_line_of(tuple(e.absolute_path), lines), len(e.absolute_path)))
    err = _deepest(err)
    path = tuple(err.absolute_path)
    key, message, line_path = _explain(err, path)
    raise CaseError(file, _line_of(line_path, lines), key, message)


def _deepest(err):
    """For oneOf/anyOf, a sub-error deeper in the document explains more than the summary."""
    while err.context:
        deeper = [e for e in err.context if len(e.absolute_path) > len(err.absolute_path)]
        if not deeper:
            break
        err = min(deeper, key=lambda e: len(e.absolute_path))
    return err


def _explain(err, path: tuple) -> Tuple[str, str, tuple]:
    key = yamlsource.dotted(path) or "(top level)"
    kind = err.validator
    if kind == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        bad = extra[0] if extra else "?"
        hint = difflib.get_close_matches(str(bad), allowed, n=1)
        msg = "unknown key %r" % bad
        msg += " (did you mean %r?)" % hint[0] if hint else " (allowed: %s)" % ", ".join(allowed)
        return yamlsource.dotted(path + (bad,)), msg, path + (bad,)
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return key, "missing required key %r" % missing, path
    if kind == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return key, "expected %s %s, got %s" % (_article(want), want, _describe(err.instance)), path
    if kind == "enum":
        opts = [str(o) for o in err.validator_value]
        hint = difflib.get_close_matches(str(err.instance), opts, n=1)
        msg = "expected one of %s; got %r" % (", ".join(opts), err.instance)
        return key, msg + (" (did you mean %r?)" % hint[0] if hint else ""), path
    if kind == "oneOf" and err.schema.get("oneOf") and "when" in err.schema.get("required", []):
        return key, "a variant needs exactly one of 'expect' or 'xfail'", path
    if kind == "anyOf":
        return key, "expected a number or a nested list of numbers, got %s" % _describe(
            err.instance), path
    if kind in ("minItems", "minLength", "minProperties"):
        return key, "must not be empty" if kind != "minItems" or err.validator_value < 2 else (
            "a group needs at least %d names, got %s" % (err.validator_value,
                                                          _describe(err.instance))), path
    if kind == "pattern":
        return key, "%r does not match %s" % (err.instance, err.validator_value), path
    return key, err.message, path


def _line_of(path: tuple, lines: yamlsource.LineMap) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _describe(value: Any) -> str:
    kind = {dict: "mapping", list: "list", str: "string", bool: "boolean", type(None): "null",
            int: "integer", float: "number"}.get(type(value), type(value).__name__)
    text = json.dumps(value, default=str)
    return "%s %s" % (kind, text if len(text) <= 60 else text[:57] + "...")


# ---------------------------------------------------------------- semantic checks + build


def _build(data: dict, lines: yamlsource.LineMap, file: str, cid: str) -> Case:
    def fail(path: tuple, message: str) -> CaseError:
        return CaseError(file, _line_of(path, lines), yamlsource.dotted(path), message)

    code = data["code"]
    code_line = lines.get(("code", "<content>"), lines.get(("code",), 1))
    try:
        compile("\n" * (code_line - 1) + code, file, "exec")
    except SyntaxError as exc:
        raise CaseError(file, exc.lineno, "code", "Python syntax error: %s" % exc.msg) from None

    def expect_of(raw: Optional[dict], path: tuple) -> Expect:
        exp = Expect.from_dict(raw)
        for k in ("names", "values", "equals"):
            for expr in getattr(exp, k):
                _check_expr(expr, path + (k, expr), fail)
        for k in ("same", "distinct"):
            for i, group in enumerate(getattr(exp, k)):
                for j, expr in enumerate(group):
                    _check_expr(expr, path + (k, i, j), fail)
        if exp.error is not None and "match" in exp.error:
            try:
                re.compile(exp.error["match"])
            except re.error as exc:
                raise fail(path + ("error", "match"),
                           "invalid regular expression: %s" % exc) from None
        return exp

    variants = []
    for i, raw in enumerate(data.get("variants", [])):
        when = raw["when"]
        specs = {}
        for k in ("tf", "python", "keras"):
            if k in when:
                try:
                    specs[k] = SpecifierSet(when[k])
                except InvalidSpecifier:
                    raise fail(("variants", i, "when", k),
                               "invalid version specifier %r (PEP 440, e.g. '>=2.16,<2.18')"
                               % when[k]) from None
        variants.append(Variant(
            index=i,
            line=lines.get(("variants", i), 1),
            modes=tuple(when["modes"]) if "modes" in when else None,
            devices=tuple(when["devices"]) if "devices" in when else None,
            expect=expect_of(raw["expect"], ("variants", i, "expect")) if "expect" in raw else None,
            xfail=raw.get("xfail"),
            note=raw.get("note"),
            **specs,
        ))

    return Case(
        id=cid, file=file, line=lines.get(("code",), 1), title=data["title"],
        source=data["source"], code=code, code_line=code_line,
        tags=tuple(data.get("tags", ())), note=data.get("note"),
        modes=tuple(data.get("modes", MODES)), devices=tuple(data.get("devices", DEVICES)),
        env=dict(data.get("env", {})), timeout=float(data.get("timeout", DEFAULT_TIMEOUT)),
        expect=expect_of(data.get("expect"), ("expect",)), variants=variants,
    )


def _check_expr(expr: str, path: tuple, fail) -> None:
    try:
        compile(expr, "<expect>", "eval")
    except SyntaxError:
        raise fail(path, "%r is not a Python expression" % expr) from None
