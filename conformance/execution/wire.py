"""The messages between the pytest side (``pool``), the executor process (``sandbox``)
and its workers: typed, one JSON object per line on a pipe, each carrying a request id.

``send`` is the one place a message is written and ``Receiver`` the one place one is read.
Imports nothing heavy: the executor loads it before TensorFlow.

    Request  client -> executor -> worker   a cell to run
    Reply    worker -> executor -> client   what became of request ``id``
    Hello    executor -> client             TF is imported (its facts), or why not
    Exit     client -> executor             finish and exit
"""
from __future__ import annotations

import json
import os
import select
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Union


class ProtocolError(Exception):
    """A line that is not a message of this protocol."""


@dataclass
class Request:
    id: int
    code: str
    code_line: int
    file: str
    mode: str
    device: str
    probe: Dict[str, Any]
    timeout: float
    # Run in a fresh process of its own, thrown away after it (the code may change
    # process-wide state: see execution.isolation).
    isolate: bool = False
    # Directories the code may import modules from, first on sys.path while it runs (the
    # case root, then configured ones: environment.importable).
    paths: List[str] = field(default_factory=list)
    # A producer/consumer case: which step ("produce", "consume"; "main" for a plain
    # case), the cell's artifact directory (the produce step writes it; a consumer gets
    # its own copy of the producer's), and what the producer published.
    step: str = "main"
    artifacts: Optional[str] = None
    produced: Optional[Dict[str, Any]] = None


@dataclass
class Reply:
    id: int
    outcome: str  # one of vocabulary.REPLY_OUTCOMES
    observed: Optional[Dict[str, Any]] = None
    reason: Optional[str] = None
    seconds: Optional[float] = None
    retire: Optional[str] = None  # why the worker that ran it was replaced after it
    # A worker's secret, which its executor checks and drops: a line a case wrote into the
    # worker's pipe cannot pass for the worker's reply.
    token: Optional[str] = None


@dataclass
class Hello:
    facts: Optional[Dict[str, Any]] = None  # None: the executor could not start
    reason: Optional[str] = None


@dataclass
class Exit:
    pass


Message = Union[Request, Reply, Hello, Exit]
_TYPES = {cls.__name__.lower(): cls for cls in (Request, Reply, Hello, Exit)}


def encode(message: Message) -> bytes:
    data = asdict(message)
    data["type"] = type(message).__name__.lower()
    return (json.dumps(data, allow_nan=False) + "\n").encode("utf-8")


def decode(line: bytes) -> Message:
    try:
        data = json.loads(line.decode("utf-8"))
        cls = _TYPES[data.pop("type")]
        return cls(**data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProtocolError("not a message: %r (%s)" % (line[:80], exc)) from None


def send(fd: int, message: Message) -> None:
    """Write one message to a file descriptor, whole (unbuffered: a forked child must not
    inherit half-sent output)."""
    data = encode(message)
    while data:
        data = data[os.write(fd, data):]


class Timeout(Exception):
    """No complete message before the deadline."""


class Closed(Exception):
    """The other end closed the pipe (the process exited or died)."""


@dataclass
class Receiver:
    """Reads the messages arriving on a pipe's read end."""

    fd: int
    _buffer: bytes = field(default=b"", repr=False)

    def receive(self, timeout: Optional[float] = None) -> Message:
        """The next message; Timeout if none is complete in time (None: wait for ever),
        Closed if the writer is gone, ProtocolError for a line that is not a message."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise Timeout()
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    raise Closed()
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return decode(line)
