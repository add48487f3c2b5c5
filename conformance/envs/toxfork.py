"""`tox run` without starting tox from scratch each time.

The orchestrator runs `tox run -e <env>` once per environment. Importing tox (and
virtualenv, tox-uv) is most of what a tox process costs before it starts pytest: 0.30
CPU-s for `tox run -e tf2.2-cpu --skip-pkg-install --notest`, against 0.13 s when the same
run is forked from a process that has imported tox already. This module is that process:

    python -m conformance.envs.toxfork [MODULE:FUNCTION]     (default tox.run:run)

It reads one JSON request per line on stdin, ``{"id": N, "args": [...], "out": PATH}``,
forks a child that runs ``tox.run.run(args)`` with its output going to PATH, and answers
``{"id": N, "status": EXIT_STATUS}`` on stdout when that child has exited. It stays single
threaded (so forking it is safe), runs any number of children at once, reaps them all
(their CPU time reaches whoever waits for this process), and exits once stdin is closed
and its children are done. `Launcher` is the client: same result as running tox as a
subprocess (exit status and output), which is what it falls back to if the helper is gone.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Dict, List, Optional, Tuple

from ..execution.forking import fork

DEFAULT = "tox.run:run"


def _child(function, args: List[str], out: str, closing: List[int]) -> None:  # pragma: no cover
    """In the forked child: run ``function(args)`` with stdout/stderr going to ``out``
    (forking.fork turns its SystemExit into the exit status, as the interpreter would)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in closing:
        with contextlib.suppress(OSError):
            os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    target = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(target, 1)
    os.dup2(target, 2)
    function(args)


def serve(spec: str = DEFAULT) -> int:
    module, _, name = spec.partition(":")
    function = getattr(importlib.import_module(module), name)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wakeup fd fires
    requests, replies = sys.stdin.fileno(), sys.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(requests, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    running: Dict[int, int] = {}  # pid -> request id
    buffer, closed = b"", False

    def reply(message: dict) -> None:  # unbuffered: a child must not inherit pending output
        os.write(replies, (json.dumps(message) + "\n").encode("utf-8"))

    while not closed or running:
        for key, _ in selector.select(timeout=1.0):
            if key.fd == wake_r:
                with contextlib.suppress(BlockingIOError, InterruptedError):
                    os.read(wake_r, 4096)
                continue
            chunk = os.read(requests, 1 << 16)
            if not chunk:
                closed = True
                selector.unregister(requests)
                continue
            buffer += chunk
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                request = json.loads(line.decode("utf-8"))
                pid = fork(functools.partial(_child, function, request["args"],
                                             request["out"], [wake_r, wake_w, requests, replies]))
                running[pid] = request["id"]
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
                else (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status))
            reply({"id": running.pop(pid), "status": code})
    return 0


class Launcher:
    """Runs `tox` (``command``) for several callers at once, each call like
    ``subprocess.run(command + args, capture_output=True)``: forked from a `serve` helper
    when this Python has tox, else (or if the helper is gone) as a fresh process."""

    def __init__(self, command: List[str], cwd: str, env: Dict[str, str],
                 helper: Optional[List[str]] = None) -> None:
        self.command, self.cwd, self.env = command, cwd, env
        self.lock = threading.Condition()
        self.results: Dict[int, int] = {}
        self.next_id = 0
        self.proc: Optional[subprocess.Popen] = None
        self.up = False  # the helper answers
        if helper is None and _same_installation(command):
            helper = [sys.executable, "-m", "conformance.envs.toxfork"]
        if helper is not None:
            self.proc = subprocess.Popen(helper, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
            self.up = True
            self.reader = threading.Thread(target=self._read, daemon=True)
            self.reader.start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line.decode("utf-8"))
            with self.lock:
                self.results[message["id"]] = message["status"]
                self.lock.notify_all()
        self.proc.stdout.close()
        with self.lock:
            self.up = False
            self.lock.notify_all()

    def run(self, args: List[str]) -> Tuple[int, str]:
        """(exit status, stdout and stderr together) of ``tox args``."""
        fd, out = tempfile.mkstemp(prefix="conformance-tox-", suffix=".log")
        os.close(fd)
        try:
            sent, status = self._forked(args, out)
            if not sent:  # no helper (any more): a tox process of its own
                proc = subprocess.run(self.command + args, cwd=self.cwd, env=self.env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                return proc.returncode, proc.stdout.decode("utf-8", "replace")
            with open(out, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if status is None:  # not run again: its child may still be running
                return 1, text + "\nthe tox helper process exited before this run ended"
            return status, text
        finally:
            os.unlink(out)

    def _forked(self, args: List[str], out: str) -> Tuple[bool, Optional[int]]:
        """(sent to the helper, exit status or None if the helper went away first)."""
        with self.lock:
            if not self.up or self.proc is None or self.proc.stdin is None:
                return False, None
            ident = self.next_id
            self.next_id += 1
            try:
                self.proc.stdin.write((json.dumps({"id": ident, "args": args, "out": out})
                                       + "\n").encode("utf-8"))
                self.proc.stdin.flush()
            except OSError:
                return False, None
            while ident not in self.results and self.up:
                self.lock.wait()
            return True, self.results.pop(ident, None)

    def close(self) -> None:
        """Let the helper finish and wait for it (its children's CPU time then counts as
        this process's children's)."""
        if self.proc is not None:
            with self.lock, contextlib.suppress(OSError):
                self.proc.stdin.close()
            self.proc.wait()
            self.reader.join()


def _same_installation(command: List[str]) -> bool:
    """Whether ``command`` is the tox script of this Python's installation (so that
    importing tox here gives the same tox, with the same plugins)."""
    if len(command) != 1:
        return False
    here = os.path.dirname(os.path.abspath(sys.executable))
    if os.path.dirname(os.path.abspath(command[0])) != here:
        return False
    import importlib.util

    return importlib.util.find_spec("tox") is not None


if __name__ == "__main__":
    sys.exit(serve(*sys.argv[1:2]))
