"""Exceptions of the conformance package.

    ConformanceError              base of everything raised on purpose
     ├── CaseError                a case file is malformed; carries file, line and key
     ├── UsageError               bad command-line input (CLI); states the valid form
     ├── ExecutorError            the executor process could not run a cell
     │    ├── CellCrashed         the process running the cell died (signal / exit)
     │    └── CellTimedOut        the cell ran past its time limit and was killed
     └── ResultsError             a results file cannot be read or written

A user mistake (CaseError, UsageError) is shown as one line, never a traceback; anything
else escaping is a bug in the runner and keeps its traceback.
"""
from __future__ import annotations


class ConformanceError(Exception):
    """Base class of all errors raised by this package on purpose."""


class CaseError(ConformanceError):
    """A case file cannot be loaded: ``<file>:<line>: <key>: <what was wrong>``."""

    def __init__(self, file: str, line: int | None, key: str, message: str) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else "%s:%d" % (self.file, self.line)
        return "%s: %s: %s" % (where, self.key, self.message) if self.key else "%s: %s" % (
            where,
            self.message,
        )


class UsageError(ConformanceError):
    """Bad command-line input."""


class ExecutorError(ConformanceError):
    """The executor could not run a cell."""


class CellCrashed(ExecutorError):
    """The process running a cell died."""


class CellTimedOut(ExecutorError):
    """A cell ran past its time limit."""


class ResultsError(ConformanceError):
    """A results file cannot be read or written."""
