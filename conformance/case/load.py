"""The case loader: YAML file -> validated ``Case``.

Validation is the JSON Schema in ``data/case.schema.json`` plus what a schema cannot say
(version specifiers, regexes, Python expressions, the snippet's syntax, finite numbers).
Every problem in a file is reported at once: one ``CaseError`` whose ``problems`` each name
the file, line and key.
"""
from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import re
from typing import Any, List, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..errors import CaseError, Problem
from ..vocabulary import DEFAULT_TIMEOUT, DEVICES, MAX_TIMEOUT, MODES
from . import yamlsource
from .model import Case, Expect, Step, Variant

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                           "case.schema.json")

_validator = None


def schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def _get_validator():
    global _validator
    if _validator is None:
        import jsonschema  # ~70 ms: only when a case file is loaded

        _validator = jsonschema.Draft7Validator(schema())
    return _validator


def case_id(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if rel.startswith(".."):
        rel = os.path.basename(path)
    rel = rel.replace(os.sep, "/")
    stem, ext = os.path.splitext(rel)
    return stem if ext.lower() in CASE_SUFFIXES else rel


CASE_SUFFIXES = (".yaml", ".yml")


def load_case(path: str, root: str, display: Optional[str] = None) -> Case:
    """Load and validate one case file. ``display`` is the path used in messages."""
    file = display or path
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CaseError(file, 1, "", "cannot read: %s" % (exc.strerror or exc)) from None
    if len(raw) > MAX_BYTES:
        raise CaseError(file, 1, "", "larger than %d bytes: not a case" % MAX_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseError(file, line, "", "not UTF-8 text: %s" % exc.reason) from None
    data, lines = yamlsource.load(text, file)
    if not isinstance(data, dict):
        raise CaseError(file, 1, "", "a case is a YAML mapping, got %s" % _describe(data))
    problems = _schema_problems(data, lines, file)
    if problems:
        # What the schema accepted is still checked, so that every problem is told.
        problems += _Builder(data, lines, file, "", lenient=True).problems()
        raise CaseError(file, problems=_sorted(problems))
    # The checks a schema cannot make (specifiers, regexes, syntax, finite numbers).
    builder = _Builder(data, lines, file, case_id(path, root))
    case = builder.build()
    if builder.found:
        raise CaseError(file, problems=_sorted(builder.found))
    return case


MAX_BYTES = 1 << 20  # a case is a few KB


def _sorted(problems: List[Problem]) -> List[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.key))


# ---------------------------------------------------------------- schema validation


def _schema_problems(data: dict, lines: yamlsource.LineMap, file: str) -> List[Problem]:
    """Every schema violation, one problem each (the most specific error of each)."""
    problems = []
    for err in _get_validator().iter_errors(data):
        err = _deepest(err)
        path = tuple(err.absolute_path)
        if "propertyNames" in err.schema_path:  # a mapping key refused by name
            name_path = path + (err.instance,)
            problems.append(Problem(file, _line_of(name_path, lines), yamlsource.dotted(
                name_path), "not a valid name %r: letters, digits and _ only, not starting "
                "with a digit (no '=', no spaces)" % err.instance))
            continue
        if err.validator == "additionalProperties":  # one problem per unknown key
            for key, message, line_path in _unknown_keys(err, path):
                problems.append(Problem(file, _line_of(line_path, lines), key, message))
            continue
        key, message, line_path = _explain(err, path)
        problems.append(Problem(file, _line_of(line_path, lines), key, message))
    return problems


def _unknown_keys(err, path: tuple):
    allowed = sorted(err.schema.get("properties", {}))
    for bad in [k for k in err.instance if k not in allowed]:
        hint = difflib.get_close_matches(str(bad), allowed, n=1)
        message = "unknown key %r" % bad + (
            " (did you mean %r?)" % hint[0] if hint else " (allowed: %s)" % ", ".join(allowed))
        yield yamlsource.dotted(path + (bad,)), message, path + (bad,)


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
    if kind == "required":
        # Told under the missing key's own path, on the line of the mapping that lacks it.
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return yamlsource.dotted(path + (missing,)), "missing required key %r" % missing, path
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


class _Builder:
    """Builds the Case from data the schema accepted, making the checks a schema cannot
    (syntax, expressions, regexes, version specifiers, numbers); every problem is kept in
    ``found``. ``lenient``: the data did not pass the schema, so look only at what is
    there and of the right type (to tell those problems too)."""

    def __init__(self, data: dict, lines: yamlsource.LineMap, file: str, cid: str,
                 lenient: bool = False) -> None:
        self.data, self.lines, self.file, self.cid = data, lines, file, cid
        self.lenient = lenient
        self.found: List[Problem] = []

    def problems(self) -> List[Problem]:
        # What the schema refused raises here: those problems are already told.
        with contextlib.suppress(KeyError, TypeError, AttributeError, ValueError, OverflowError):
            self.build()
        return self.found

    def fail(self, path: tuple, message: str) -> None:
        self.found.append(Problem(self.file, _line_of(path, self.lines),
                                  yamlsource.dotted(path), message))

    def build(self) -> Case:
        data, lines = self.data, self.lines
        steps = self.steps()
        timeout = data.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, float) and math.isnan(timeout):  # the schema's bounds let NaN by
            self.fail(("timeout",), "expected seconds in (0, %g], got nan" % MAX_TIMEOUT)
            timeout = DEFAULT_TIMEOUT
        variants = []
        for i, raw in enumerate(data.get("variants") or []):
            if isinstance(raw, dict):
                variants.append(self.variant(i, raw))
        expect = self.expect(data.get("expect"), ("expect",))
        if self.lenient:
            return None  # type: ignore[return-value]
        last = steps[-1]  # the step the case's expectation is about: main or consume
        paired = len(steps) > 1
        return Case(
            id=self.cid, file=self.file, title=data["title"],
            line=lines.get(("consume" if paired else "code",), 1),
            source=data.get("source"), code=last.code, code_line=last.line,
            tags=tuple(data.get("tags", ())), note=data.get("note"),
            modes=tuple(data.get("modes", MODES)),
            # An artifact does not depend on the device: a pair case runs on the CPU unless
            # it says otherwise (the GPU columns would double its grid for nothing).
            devices=tuple(data.get("devices", ("cpu",) if paired else DEVICES)),
            env=dict(data.get("env", {})), timeout=float(timeout),
            expect=expect, variants=variants, steps=steps,
        )

    def steps(self) -> Tuple[Step, ...]:
        """The case's code: ``code`` (one main step) or ``produce`` + ``consume``; each
        compiled, so that a syntax error is told at its line."""
        data, lines = self.data, self.lines
        given = [k for k in ("code", "produce", "consume") if k in data]
        if given == ["code"] or not given:
            if not given:  # told as the schema told it when `code` was required
                self.found.append(Problem(self.file, _line_of((), lines), "code",
                                          "missing required key 'code'"))
            names = ("code",)
        elif "code" in given:
            self.fail(("code",), "a case has either 'code' or 'produce' and 'consume', "
                      "not both")
            names = ("code",)
        else:
            names = ("produce", "consume")
            for name in names:
                if name not in data:
                    self.found.append(Problem(
                        self.file, _line_of((), lines), name, "missing required key %r (a "
                        "producer/consumer case has 'produce' and 'consume')" % name))
        if names == ("code",):
            for key in ("produce_modes", "produce_env", "consume_env"):
                if key in data:
                    self.fail((key,), "only for a producer/consumer case ('produce' and "
                              "'consume' instead of 'code')")
            for i, raw in enumerate(data.get("variants") or []):
                if isinstance(raw, dict) and "step" in raw:
                    self.fail(("variants", i, "step"), "only for a producer/consumer case")
                when = raw.get("when") if isinstance(raw, dict) else None
                for key in ("producer_tf", "consumer_tf"):
                    if isinstance(when, dict) and key in when:
                        self.fail(("variants", i, "when", key),
                                  "only for a producer/consumer case")
        steps = []
        for name in names:
            code = data.get(name)
            line = lines.get((name, "<content>"), lines.get((name,), 1))
            if isinstance(code, str):
                try:
                    compile("\n" * (line - 1) + code, self.file, "exec")
                except SyntaxError as exc:  # (a NUL in the code: no line number from Python)
                    self.found.append(Problem(self.file, exc.lineno or line, name,
                                              "Python syntax error: %s" % exc.msg))
                except ValueError as exc:  # e.g. a NUL character
                    self.fail((name,), "cannot compile: %s" % exc)
            env = data.get("%s_env" % name)
            modes = data.get("produce_modes") if name == "produce" else None
            step_name = "main" if name == "code" else name
            steps.append(Step(step_name, code if isinstance(code, str) else "", line,
                              tuple(sorted(env.items())) if isinstance(env, dict) else (),
                              tuple(modes) if isinstance(modes, list) else None))
        return tuple(steps)

    def variant(self, i: int, raw: dict) -> Variant:
        when = raw.get("when") if isinstance(raw.get("when"), dict) else {}
        specs = {}
        for k in ("tf", "python", "keras", "producer_tf", "consumer_tf"):
            if isinstance(when.get(k), str):
                try:
                    specs[k] = SpecifierSet(when[k])
                except InvalidSpecifier:
                    self.fail(("variants", i, "when", k),
                              "invalid version specifier %r (PEP 440, e.g. '>=2.16,<2.18')"
                              % when[k])
        expect = raw.get("expect")
        return Variant(
            index=i, line=self.lines.get(("variants", i), 1),
            modes=tuple(when["modes"]) if "modes" in when else None,
            devices=tuple(when["devices"]) if "devices" in when else None,
            expect=self.expect(expect, ("variants", i, "expect")) if "expect" in raw else None,
            xfail=raw.get("xfail"), note=raw.get("note"), step=raw.get("step"), **specs)

    def expect(self, raw: Any, path: tuple) -> Expect:
        if not isinstance(raw, dict):
            return Expect()
        for k in ("names", "values", "equals"):
            if isinstance(raw.get(k), dict):
                for expr in raw[k]:
                    self.expr(expr, path + (k, expr))
        for k in ("same", "distinct"):
            for i, group in enumerate(raw.get(k) or []):
                for j, expr in enumerate(group if isinstance(group, list) else []):
                    self.expr(expr, path + (k, i, j))
        error = raw.get("error")
        if isinstance(error, dict) and isinstance(error.get("match"), str):
            try:
                re.compile(error["match"])
            except re.error as exc:
                self.fail(path + ("error", "match"), "invalid regular expression: %s" % exc)
            else:
                nested = nested_quantifier(error["match"])
                if nested:
                    self.fail(path + ("error", "match"), "%s: a repeat inside a repeat can take "
                              "exponential time on a long message; write it without" % nested)
        try:
            return Expect.from_dict(raw)
        except (TypeError, ValueError, AttributeError):
            return Expect()

    def expr(self, expr: Any, path: tuple) -> None:
        if not isinstance(expr, str):
            return
        try:
            compile(expr, "<expect>", "eval")
        except (SyntaxError, ValueError):
            self.fail(path, "%r is not a Python expression" % expr)


def nested_quantifier(pattern: str) -> Optional[str]:
    """A repeated group that itself holds an unbounded repeat (``(a+)+``, ``(a*)*``): the
    shape whose backtracking is catastrophic. The pattern is searched in the executor under
    the cell's time limit anyway; this tells the author before anything runs."""
    try:  # the stdlib's own regex parser: re._parser from 3.11, sre_parse before
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        tree = parser.parse(pattern)
    except Exception:
        return None
    repeats = {parser.MAX_REPEAT, parser.MIN_REPEAT}

    def children(op, av) -> list:
        if op is parser.SUBPATTERN:
            return [av[-1]]
        if op is parser.BRANCH:
            return list(av[1])
        return []

    def walk(items, inside: bool) -> bool:
        for op, av in items:
            if op in repeats:
                _low, high, sub = av
                unbounded = high == parser.MAXREPEAT or high > 1000
                if (inside and unbounded) or walk(sub, inside or unbounded):
                    return True
            elif any(walk(child, inside) for child in children(op, av)):
                return True
        return False

    return "nested quantifiers in %r" % pattern if walk(tree, False) else None
