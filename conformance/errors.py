"""Exceptions of the conformance package.

    ConformanceError          base of everything raised on purpose
     ├── CaseError            a case file is malformed: every problem found in it, each
     │                        with file, line and key (``Problem``)
     ├── UsageError           bad command-line input (CLI); states the valid form
     ├── ExecutorError        an executor process could not start (its cells are `error`)
     └── ResultsError         a results file cannot be read or written

A user mistake (CaseError, UsageError) is shown as one line per problem, never a
traceback; anything else escaping is a bug in the runner and keeps its traceback. A cell
that crashes or times out is a result (``crash``, ``timeout``), not an exception.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


class ConformanceError(Exception):
    """Base class of all errors raised by this package on purpose."""


def escape(text: str, keep: str = "") -> str:
    """``text`` safe to show, the one rule for the terminal, matrix.md and the page: every
    character that is not printable is written as its Python escape, visibly: control
    characters (ESC ``\\x1b``, BEL ``\\x07``, NUL, a newline unless ``keep`` has it), bidi
    controls (RLO ``\\u202e``) and other format characters. A case id, a reason or an error
    message can then neither drive the terminal nor reorder the text around it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def one_line(text: str) -> str:
    """``text`` on one line: control characters (a newline in a key, a NUL) escaped."""
    return escape(text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a case file: ``<file>:<line>: <key>: <message>``."""

    file: str
    line: Optional[int]
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else "%s:%d" % (self.file, self.line)
        parts = [one_line(where)] + ([one_line(self.key)] if self.key else []) + [
            one_line(self.message)]
        return ": ".join(parts)

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "key": one_line(self.key),
                "message": str(self)}


class CaseError(ConformanceError):
    """A case file cannot be loaded; ``problems`` lists everything wrong with it, in line
    order. ``CaseError(file, line, key, message)`` is the one-problem form."""

    def __init__(self, file: str, line: Optional[int] = None, key: str = "",
                 message: str = "", problems: Optional[List[Problem]] = None) -> None:
        self.problems = list(problems) if problems else [Problem(file, line, key, message)]
        first = self.problems[0]
        self.file, self.line, self.key, self.message = (first.file, first.line, first.key,
                                                         first.message)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class UsageError(ConformanceError):
    """Bad command-line input."""


class ExecutorError(ConformanceError):
    """An executor process could not start; the message says why."""


class ResultsError(ConformanceError):
    """A results file cannot be read or written."""
