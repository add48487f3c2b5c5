"""The table of bad case files: what each file holds and every problem the plugin must
report for it.

A fixture is ``Bad(name, files, problems)``:
- ``files``: {path relative to the cases dir: text | bytes}, or a callable(cases_dir)
  that builds what text cannot (symlinks);
- ``problems``: one ``P(rel, line, key, message_regex)`` per problem the plugin must
  report, each as its own output line ``<path>:<line>: <key>: <message>`` (``key=""``:
  a whole-file problem, ``<path>:<line>: <message>``) and as one entry of the results
  file's ``errors`` list. ``key`` is the dotted path of the offending key (a ``re.Pattern``
  where its printed form may vary, e.g. an escaped newline); ``message_regex`` is
  ``re.search``ed on the message: specific to the problem, not to its wording.

Conventions the table assumes (see the report of the branch):
- a problem that belongs to no line (empty file, unreadable file, symlink loop, duplicate
  case id) is reported on line 1;
- a missing required key is reported on the line of the mapping that lacks it, under the
  dotted path of the missing key (``variants.0.when``);
- a YAML syntax/reader error is a whole-file problem (key "") on the line where it is.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable, List, Union

# Five lines of a valid case; fixtures append their bad part from line 6 on.
B = "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: x = 1\n"
# The same with a code that raises, for the `expect.error` fixtures (lines 1-5).
R = ("title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\n"
     "code: raise ValueError('a' * 3000 + '!')\n")


@dataclass
class P:
    rel: str
    line: int
    key: Union[str, re.Pattern[str]]
    message: str


@dataclass
class Bad:
    name: str
    files: Union[dict, Callable]
    problems: List[P] = field(default_factory=list)


def alias_bomb() -> str:
    """8 levels of 9 aliases each (9**9 strings if expanded) inside `note` (a string
    field): the only problem is that `note` is not a string."""
    lines = ["  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        lines.append("  - &l%d [%s]" % (level, ", ".join(["*l%d" % (level - 1)] * 9)))
    return B + "note:\n" + "\n".join(lines) + "\n"


def self_loop_symlink(cases_dir) -> None:
    os.symlink("x.yaml", str(cases_dir / "x.yaml"))


def dir_symlink_loop(cases_dir) -> None:
    (cases_dir / "sub").mkdir()
    os.symlink("..", str(cases_dir / "sub" / "loop"))  # cases/sub/loop -> cases


UNKNOWN = r"(?i)unknown key"
MISSING = r"(?i)missing|required"
NOT_STRING = r"(?i)string"
NOT_NUMBER = r"(?i)number"
TIMEOUT_RANGE = r"(?i)finite|range|at most|too (large|long|big)|maximum|<=|inf"
SPECIFIER = r"(?i)specifier|PEP ?440"

BAD: List[Bad] = [
    # ------------------------------------------------------------- resource exhaustion
    Bad("alias-bomb", {"x.yaml": alias_bomb()},
        [P("x.yaml", 6, "note", r"(?i)string|alias|expan")]),
    Bad("deep-nesting-990", {"x.yaml": B + "note: " + "[" * 990 + "]" * 990 + "\n"},
        [P("x.yaml", 6, "note", r"(?i)nest|deep|depth|string")]),
    Bad("catastrophic-regex", {"x.yaml": R + "expect:\n  error:\n    type: ValueError\n"
                                             "    match: \"^(a+)+$\"\n"},
        [P("x.yaml", 9, "expect.error.match",
           r"(?i)backtrack|nested|catastroph|exponential|redos|quantifier")]),
    Bad("env-value-200kb", {"x.yaml": B + "env: {BIG: " + "x" * 200_000 + "}\n"},
        [P("x.yaml", 6, "env.BIG", r"(?i)long|large|size|bytes|characters|limit")]),
    # ------------------------------------------------------------- values JSON cannot hold
    Bad("date-value", {"x.yaml": B + "expect:\n  equals: {d: 2024-01-01}\n"},
        [P("x.yaml", 7, "expect.equals.d", r"(?i)date|timestamp|quot")]),
    Bad("binary-value", {"x.yaml": B + "expect:\n  equals: {b: !!binary aGVsbG8=}\n"},
        [P("x.yaml", 7, "expect.equals.b", r"(?i)binary|bytes")]),
    Bad("python-object-tag",
        {"x.yaml": B + "note: !!python/object/apply:os.system [echo hi]\n"},
        [P("x.yaml", 6, "note", r"(?i)tag|constructor")]),
    # ------------------------------------------------------------- env
    Bad("env-name-with-equals", {"x.yaml": B + 'env: {"A=B": "1"}\n'},
        [P("x.yaml", 6, "env.A=B", r"(?i)name|'='|\"=\"|contain")]),
    Bad("env-nul-in-value", {"x.yaml": B + 'env: {X: "a\\0b"}\n'},
        [P("x.yaml", 6, "env.X", r"(?i)NUL|null|\\x00|\\0")]),
    Bad("env-value-not-string", {"x.yaml": B + "env: {X: 1}\n"},
        [P("x.yaml", 6, "env.X", NOT_STRING)]),
    # ------------------------------------------------------------- timeout
    Bad("timeout-inf", {"x.yaml": B + "timeout: .inf\n"},
        [P("x.yaml", 6, "timeout", TIMEOUT_RANGE)]),
    Bad("timeout-nan", {"x.yaml": B + "timeout: .nan\n"},
        [P("x.yaml", 6, "timeout", r"(?i)finite|nan|range|not a number")]),
    Bad("timeout-1e308", {"x.yaml": B + "timeout: 1.0e+308\n"},
        [P("x.yaml", 6, "timeout", TIMEOUT_RANGE)]),
    Bad("timeout-400-digit-int", {"x.yaml": B + "timeout: " + "9" * 400 + "\n"},
        [P("x.yaml", 6, "timeout", TIMEOUT_RANGE)]),
    Bad("timeout-negative", {"x.yaml": B + "timeout: -1\n"},
        [P("x.yaml", 6, "timeout", r"(?i)positive|greater|> ?0|minimum|at least")]),
    Bad("timeout-zero", {"x.yaml": B + "timeout: 0\n"},
        [P("x.yaml", 6, "timeout", r"(?i)positive|greater|> ?0|minimum|at least")]),
    Bad("timeout-string", {"x.yaml": B + 'timeout: "5"\n'},
        [P("x.yaml", 6, "timeout", NOT_NUMBER)]),
    Bad("timeout-bool", {"x.yaml": B + "timeout: true\n"},
        [P("x.yaml", 6, "timeout", NOT_NUMBER)]),
    # ------------------------------------------------------------- keys
    Bad("key-with-newline", {"x.yaml": B + '"ti\\ntle": x\n'},
        [P("x.yaml", 6, re.compile(r"'?ti\\ntle'?"), UNKNOWN)]),
    Bad("two-problems-typo-and-unknown",
        {"x.yaml": B + "titel: t\nexpct:\n  names: {x: y}\n"},
        [P("x.yaml", 6, "titel", UNKNOWN + r".*title"),
         P("x.yaml", 7, "expct", UNKNOWN + r".*expect")]),
    Bad("three-problems-nested",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1, eagre]\ndevices: [cpu]\ncode: x = 1\n"
                   "expect:\n  nmaes: {x: y}\nvariants:\n  - when: {tff: '>=2'}\n"
                   "    expect: {}\n"},
        [P("x.yaml", 3, "modes.1", r"(?i)eagre"),
         P("x.yaml", 7, "expect.nmaes", UNKNOWN + r".*names"),
         P("x.yaml", 9, "variants.0.when.tff", UNKNOWN + r".*tf")]),
    Bad("duplicate-key-top", {"x.yaml": B + "title: again\n"},
        [P("x.yaml", 6, "title", r"(?i)duplicate")]),
    Bad("duplicate-key-nested", {"x.yaml": B + "expect:\n  names: {x: a}\n  names: {x: b}\n"},
        [P("x.yaml", 8, "expect.names", r"(?i)duplicate")]),
    Bad("non-string-key", {"x.yaml": B + "1: x\n"},
        [P("x.yaml", 6, "1", UNKNOWN)]),
    Bad("missing-code", {"x.yaml": "title: t\nsource: s\nmodes: [v1]\n"},
        [P("x.yaml", 1, "code", MISSING)]),
    # ------------------------------------------------------------- wrong types
    Bad("modes-not-a-list",
        {"x.yaml": "title: t\nsource: s\nmodes: v1\ndevices: [cpu]\ncode: x = 1\n"},
        [P("x.yaml", 3, "modes", r"(?i)list|array|sequence")]),
    Bad("tags-not-a-list", {"x.yaml": B + "tags: 3\n"},
        [P("x.yaml", 6, "tags", r"(?i)list|array|sequence")]),
    Bad("expect-a-list", {"x.yaml": B + "expect: []\n"},
        [P("x.yaml", 6, "expect", r"(?i)mapping|object|dict")]),
    Bad("code-not-string",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: 42\n"},
        [P("x.yaml", 5, "code", NOT_STRING)]),
    Bad("code-empty",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: ''\n"},
        [P("x.yaml", 5, "code", r"(?i)empty")]),
    Bad("variants-not-a-list", {"x.yaml": B + "variants: {when: {modes: [v1]}}\n"},
        [P("x.yaml", 6, "variants", r"(?i)list|array|sequence")]),
    Bad("names-value-not-string", {"x.yaml": B + "expect:\n  names: {x: 3}\n"},
        [P("x.yaml", 7, "expect.names.x", NOT_STRING)]),
    Bad("values-not-number", {"x.yaml": B + "expect:\n  values: {x: abc}\n"},
        [P("x.yaml", 7, "expect.values.x", NOT_NUMBER)]),
    # ------------------------------------------------------------- modes / devices / tags
    Bad("unknown-mode",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1, eagre]\ndevices: [cpu]\ncode: x = 1\n"},
        [P("x.yaml", 3, "modes.1", r"(?i)eagre")]),
    Bad("unknown-device",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1]\ndevices: [tpu]\ncode: x = 1\n"},
        [P("x.yaml", 4, "devices.0", r"(?i)tpu")]),
    Bad("empty-modes",
        {"x.yaml": "title: t\nsource: s\nmodes: []\ndevices: [cpu]\ncode: x = 1\n"},
        [P("x.yaml", 3, "modes", r"(?i)empty|at least")]),
    Bad("tag-with-space", {"x.yaml": B + 'tags: ["a b"]\n'},
        [P("x.yaml", 6, "tags.0", r"(?i)match|letters|pattern|allowed")]),
    # ------------------------------------------------------------- variants
    Bad("bad-specifier-tf",
        {"x.yaml": B + "variants:\n  - when: {tf: '>>2.1'}\n    expect: {}\n"},
        [P("x.yaml", 7, "variants.0.when.tf", SPECIFIER)]),
    Bad("bad-specifier-python",
        {"x.yaml": B + "variants:\n  - when: {python: '=3'}\n    expect: {}\n"},
        [P("x.yaml", 7, "variants.0.when.python", SPECIFIER)]),
    Bad("bad-specifier-keras",
        {"x.yaml": B + "variants:\n  - when: {keras: '3.x'}\n    expect: {}\n"},
        [P("x.yaml", 7, "variants.0.when.keras", SPECIFIER)]),
    Bad("variant-expect-and-xfail",
        {"x.yaml": B + "variants:\n  - when: {modes: [v1]}\n    expect: {}\n    xfail: bug\n"},
        [P("x.yaml", 7, "variants.0", r"(?i)exactly one|both|either")]),
    Bad("variant-without-when", {"x.yaml": B + "variants:\n  - expect: {}\n"},
        [P("x.yaml", 7, "variants.0.when", MISSING)]),
    Bad("variant-empty-xfail",
        {"x.yaml": B + "variants:\n  - when: {modes: [v1]}\n    xfail: ''\n"},
        [P("x.yaml", 8, "variants.0.xfail", r"(?i)empty")]),
    # ------------------------------------------------------------- expect
    Bad("invalid-regex",
        {"x.yaml": R + "expect:\n  error:\n    type: ValueError\n    match: \"(\"\n"},
        [P("x.yaml", 9, "expect.error.match", r"(?i)regular expression|regex")]),
    Bad("error-type-not-identifier",
        {"x.yaml": R + "expect:\n  error: {type: \"Value Error\"}\n"},
        [P("x.yaml", 7, "expect.error.type", r"(?i)match|identifier|pattern|class name")]),
    Bad("error-without-type", {"x.yaml": R + "expect:\n  error: {match: x}\n"},
        [P("x.yaml", 7, "expect.error.type", MISSING)]),
    Bad("same-group-of-one", {"x.yaml": B + "expect:\n  same: [[x]]\n"},
        [P("x.yaml", 7, "expect.same.0", r"(?i)at least|two|\b2\b")]),
    Bad("names-key-not-an-expression", {"x.yaml": B + "expect:\n  names: {\"x +\": a}\n"},
        [P("x.yaml", 7, "expect.names.x +", r"(?i)expression")]),
    # ------------------------------------------------------------- code
    Bad("syntax-error-in-code",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: |\n"
                   "  x = 1\n  y = (\n"},
        [P("x.yaml", 7, "code", r"(?i)syntax")]),
    Bad("indentation-error-in-code",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: |\n"
                   "  x = 1\n      y = 2\n"},
        [P("x.yaml", 7, "code", r"(?i)indent")]),
    Bad("nul-in-code",
        {"x.yaml": "title: t\nsource: s\nmodes: [v1]\ndevices: [cpu]\ncode: \"x = '\\0'\"\n"},
        [P("x.yaml", 5, "code", r"(?i)null|NUL|\\x00|\\0")]),
    # ------------------------------------------------------------- the file as a whole
    Bad("empty-file", {"x.yaml": ""}, [P("x.yaml", 1, "", r"(?i)empty")]),
    Bad("comments-only", {"x.yaml": "# nothing here\n"}, [P("x.yaml", 1, "", r"(?i)empty")]),
    Bad("top-level-list", {"x.yaml": "- a\n- b\n"}, [P("x.yaml", 1, "", r"(?i)mapping")]),
    Bad("top-level-scalar", {"x.yaml": "just a string\n"},
        [P("x.yaml", 1, "", r"(?i)mapping")]),
    Bad("invalid-utf8", {"x.yaml": (B + "note: caf").encode() + b"\xe9\n"},
        [P("x.yaml", 6, "", r"(?i)utf-?8|decode|encoding")]),
    Bad("raw-nul-byte", {"x.yaml": (B + "note: a\x00b\n").encode()},
        [P("x.yaml", 6, "", r"(?i)NUL|null|\\x00|#x0000|special char|control char|allowed")]),
    Bad("two-documents", {"x.yaml": B + "---\n" + B},
        [P("x.yaml", 6, "", r"(?i)document")]),
    Bad("undefined-alias", {"x.yaml": B + "note: *nope\n"},
        [P("x.yaml", 6, "", r"(?i)alias|anchor")]),
    Bad("unclosed-flow-sequence",
        {"x.yaml": "title: t\nsource: [s, t\nmodes: [v1]\ndevices: [cpu]\ncode: x = 1\n"},
        [P("x.yaml", 3, "", r"(?i)YAML|expected|']'")]),
    Bad("tab-indentation", {"x.yaml": B + "expect:\n\tnames: {x: y}\n"},
        [P("x.yaml", 7, "", r"(?i)YAML|tab|token|character")]),
    # ------------------------------------------------------------- names and paths
    Bad("yml-extension-collected", {"odd/typo.yml": B + "expect:\n  nmaes: {x: y}\n"},
        [P("odd/typo.yml", 7, "expect.nmaes", UNKNOWN + r".*names")]),
    Bad("upper-YAML-extension-collected",
        {"odd/typo.YAML": B + "expect:\n  nmaes: {x: y}\n"},
        [P("odd/typo.YAML", 7, "expect.nmaes", UNKNOWN + r".*names")]),
    Bad("duplicate-case-id-yml-beside-yaml",
        {"good/captured.yml": None},  # filled in by the test: a copy of the good case
        [P("good/captured.yml", 1, "", r"(?i)duplicate|same (case )?id")]),
    Bad("self-looping-symlink", self_loop_symlink,
        [P("x.yaml", 1, "", r"(?i)symlink|symbolic link|loop|levels|cannot read")]),
    Bad("directory-symlink-loop", dir_symlink_loop,
        [P("sub/loop", 1, "", r"(?i)symlink|symbolic link|loop|cycle")]),
]

assert len({b.name for b in BAD}) == len(BAD), "fixture names must be unique"
