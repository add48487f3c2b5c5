"""The executor processes' wire format: one JSON object per line on a pipe.

Shared by the pytest side (``pool``) and the executor processes (``sandbox``); imports
nothing heavy, as the executor loads it before TensorFlow.
"""
from __future__ import annotations

import json
import os
import select
import time


class Timeout(Exception):
    """No complete message before the deadline."""


class Closed(Exception):
    """The other end closed the pipe (the process exited or died)."""


class Receiver:
    """Reads the messages arriving on a pipe's read end."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = b""

    def receive(self, timeout: float) -> dict:
        return json.loads(self.receive_line(timeout).decode("utf-8"))

    def receive_line(self, timeout: float) -> bytes:
        """The next message as it came (without its newline), not decoded."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    raise Closed()
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line
