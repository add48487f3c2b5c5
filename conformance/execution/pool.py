"""Client side of the executor processes: one per (behaviour, device, case env) profile.

Runs in the pytest process (or xdist worker); starts ``conformance.sandbox`` processes on
demand, keeps them for the session, and restarts one that died. Never imports TensorFlow.
"""
from __future__ import annotations

import collections
import contextlib
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

from ..errors import ExecutorError
from . import wire
from .forking import describe_exit

IMPORT_TIMEOUT = 600.0    # importing TF can take a while on a cold disk
GRACE = 30.0              # the sandbox enforces cell timeouts; this is the backstop

ProfileKey = Tuple[str, str, Tuple[Tuple[str, str], ...]]


def gpu_absent_reason() -> Optional[str]:
    """Why no GPU can be visible, decided without importing TF; None if one may be."""
    if os.environ.get("CONFORMANCE_PROBE_GPU") == "1":
        return None
    if glob.glob("/dev/nvidia[0-9]*") or glob.glob("/dev/dxg"):
        return None
    return "no GPU visible (no /dev/nvidia* device on this machine)"


def tf_bytecode_cached() -> bool:
    """Whether an earlier import of TensorFlow by this Python left its bytecode cache (found
    without importing TF)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("tensorflow")
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return False
        return os.path.exists(importlib.util.cache_from_source(spec.origin))
    except (ImportError, ValueError, NotImplementedError):
        return False


class Server:
    """One sandbox process (a zygote with TF imported under one behaviour profile)."""

    program = ["-m", "conformance.execution.sandbox"]  # run by this Python; tests: a stand-in

    def __init__(self, key: ProfileKey) -> None:
        behaviour, device, env_items = key
        self.key = key
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.update(dict(env_items))
        if device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = ""  # hide GPUs from TF in this process
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(
            [package_parent] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        # The log lives as long as the process, so no context manager.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="conformance-%s-%s-" % (behaviour, device), suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable] + self.program + [behaviour, device, str(req_r), str(resp_w)],
            pass_fds=(req_r, resp_w), stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, env=env, start_new_session=True)
        os.close(req_r)
        os.close(resp_w)
        self._receiver = wire.Receiver(self._resp_r)
        self._exit_asked = False
        self._sent = 0                          # request ids handed out by submit()
        self._waiting = collections.deque()     # (id, timeout) not yet answered, in order
        self._replies: Dict[int, wire.Reply] = {}  # answered, not yet collected
        self._gone = False                      # stopped answering: nothing more will come
        self._spawned = time.perf_counter()
        self.facts: Optional[dict] = None
        self.startup_seconds = 0.0

    def wait_ready(self) -> None:
        """Wait for the process to have imported TF. Raises ExecutorError with the reason
        if it could not; returns at once if it already has."""
        if self.facts is not None:
            return
        behaviour, device, _ = self.key
        hello = self._read(IMPORT_TIMEOUT)
        self.startup_seconds = time.perf_counter() - self._spawned
        if not isinstance(hello, wire.Hello) or hello.facts is None:
            reason = (hello.reason if isinstance(hello, wire.Hello) else None) or ""
            why = why_it_failed(reason + "\n" + self.log_tail(40))  # before stop() removes it
            self.stop()
            raise ExecutorError("the executor process (%s, %s) did not start: %s"
                                % (behaviour, device, why))
        self.facts = hello.facts

    def run(self, request: wire.Request) -> wire.Reply:
        return self.receive(self.submit(request))

    def submit(self, request: wire.Request) -> int:
        """Send a request without waiting for its reply; it gets the next request id, which
        is returned to receive() the reply with. The process answers requests one at a time,
        in the order they were sent, so a request sent ahead runs as soon as the one before
        it is done."""
        self.wait_ready()
        self._sent += 1
        request.id = self._sent
        try:
            if self._gone:
                raise OSError("gone")
            wire.send(self._req_w, request)
        except OSError:
            if self._waiting:  # a request sent before it ended the process: it never ran
                self._replies[request.id] = wire.Reply(
                    request.id, "lost", reason="the executor process died before this request")
            else:  # nothing of ours was running: the process ended on its own
                self._replies[request.id] = wire.Reply(
                    request.id, "error", reason="executor process is gone: " + self.log_tail())
        else:
            self._waiting.append((request.id, request.timeout))
        return request.id

    def receive(self, ident: int) -> wire.Reply:
        """The reply to a submitted request. If the process dies or answers out of turn,
        the request it was running gets an error, and the ones queued behind it are
        ``lost`` (they never ran)."""
        while ident not in self._replies and self._waiting:
            head, timeout = self._waiting.popleft()
            if self._gone:
                reply = wire.Reply(head, "lost", reason="the executor process died before "
                                   "this request")
            else:
                reply = self._read(timeout + GRACE)
                if not isinstance(reply, wire.Reply) or reply.id != head:
                    reply = self._broken(head, reply)
            self._replies[head] = reply
        return self._replies.pop(ident, None) or wire.Reply(
            ident, "lost", reason="the executor process died before this request")

    def _broken(self, ident: int, got) -> wire.Reply:
        """The reply of a request whose executor process died, hung or spoke out of turn;
        the process is stopped (requests behind it are lost, and run again elsewhere)."""
        self._gone = True
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=1)  # a killed process closes its pipes before it is reaped
        died = self.proc.returncode is not None
        tail = self.log_tail()
        self.stop()
        if died:  # a case can kill the process it runs under: a crash, named
            how = describe_exit(self.proc.returncode)
            return wire.Reply(ident, "crash", reason="the executor process died (%s) while "
                              "running this cell" % how)
        why = ("stopped answering" if got is None else
               "answered out of turn (%s)" % type(got).__name__)
        return wire.Reply(ident, "error", reason="executor process %s: %s" % (why, tail))

    @property
    def queued(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._waiting)

    @property
    def up(self) -> bool:
        """Has imported TF and still answers."""
        return self.facts is not None and not self._gone and self.alive

    def _read(self, timeout: float) -> Optional[wire.Message]:
        """The next message, or None if none came in time, the process is gone, or it sent
        something that is not a message."""
        try:
            return self._receiver.receive(timeout)
        except (wire.Timeout, wire.Closed, wire.ProtocolError):
            return None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 5) -> str:
        try:
            with open(self.log.name, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def ask_exit(self) -> None:
        if self.alive and not self._exit_asked:
            self._exit_asked = True
            with contextlib.suppress(OSError):
                wire.send(self._req_w, wire.Exit())

    def stop(self) -> None:
        if self.alive:
            self.ask_exit()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for fd in (self._req_w, self._resp_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


class Pool:
    """The executor processes of one pytest process, started lazily, kept for the session."""

    def __init__(self) -> None:
        self.servers: Dict[ProfileKey, Server] = {}
        self.failed: Dict[ProfileKey, str] = {}
        self.announced: set = set()
        self.pending: List[ProfileKey] = []

    def start(self, keys) -> None:
        """Start the executor processes of these profiles ahead of their first cells, without
        waiting for them. In a fresh environment the first now and the others side by side
        once it has imported TF, because that first import writes the bytecode cache (~4 s
        of compiling on TF 2.21) that the later ones then read; all at once when the cache
        is there already."""
        keys = [k for k in keys if k not in self.servers and k not in self.failed]
        if keys:
            self.servers[keys[0]] = Server(keys[0])
            self.pending = keys[1:]
            if tf_bytecode_cached():
                self._start_pending()

    def _start_pending(self) -> None:
        pending, self.pending = self.pending, []
        for key in pending:
            if key not in self.servers and key not in self.failed:
                self.servers[key] = Server(key)

    def ready(self, key: ProfileKey) -> Optional[Server]:
        """The profile's process if it is up and has at most one request in hand (so a
        request sent now is at most second in line), else None (never starts or waits for
        one)."""
        server = self.servers.get(key)
        return server if server is not None and server.up and server.queued <= 1 else None

    def get(self, key: ProfileKey) -> Server:
        """Raises ExecutorError (with the reason) if the profile cannot start."""
        server = self.servers.get(key)
        if server is not None and server.facts is not None and not server.alive:
            server = None  # it died after it was ready: start a fresh one
        if server is None:
            if key in self.failed:
                raise ExecutorError(self.failed[key])
            server = self.servers[key] = Server(key)
        try:
            server.wait_ready()
        except ExecutorError as exc:
            self.failed[key] = str(exc)
            del self.servers[key]
            raise
        finally:
            self._start_pending()
        return server

    def close(self) -> None:
        for server in self.servers.values():  # all at once: each exit takes a moment
            server.ask_exit()
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


# Lines of an interpreter's dying words that say nothing about why.
_NOISE = ("<no Python frame>", "Current thread", "Python runtime state", "Traceback",
          "Thread 0x", "Extension modules:", "File ", "  ")


def why_it_failed(log: str) -> str:
    """The line of a process's last output that names why it failed: a fatal error or
    the exception line of a traceback, not a frame or a thread dump."""
    lines = [ln.rstrip() for ln in log.strip().splitlines() if ln.strip()]
    for line in lines:
        if line.startswith("Fatal Python error"):
            detail = [ln for ln in lines if ln.startswith(("ModuleNotFoundError",
                                                           "ImportError", "  PYTHONHOME"))]
            return line + ("; " + detail[0].strip() if detail else "")
    meaningful = [ln for ln in lines if not ln.startswith(_NOISE)]
    return meaningful[-1] if meaningful else (lines[-1] if lines else "no output")

