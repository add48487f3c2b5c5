"""A worker: a process forked from the executor process that runs cells, one at a time.

``Worker`` is the executor's handle on one (the pipes, the pid, what became of it);
``serve`` is what runs inside it. A worker that is reused checks, after every cell, that
the cell left no process-wide state behind (``isolation.Guard``), and retires (exits
after its reply) when one did; one forked for a single cell exits after it anyway.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
import traceback
from typing import Optional, Tuple

from . import children, forking, isolation, snapshot, wire


class Worker:
    """A forked process answering requests on a pipe pair (see ``serve``)."""

    def __init__(self, once: bool, gpu: bool, close: Tuple[int, ...] = ()) -> None:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        # The child closes the parent's ends and every descriptor the executor talks to
        # its own client on: a case cannot write into those conversations.
        parent_side = (req_w, resp_r) + tuple(close)
        self.token = os.urandom(16).hex()
        token = self.token
        self.pid: Optional[int] = forking.fork(
            lambda: serve(req_r, resp_w, once, gpu, parent_side, token))
        os.close(req_r)
        os.close(resp_w)
        self.requests, self.responses = req_w, resp_r
        self.receiver = wire.Receiver(resp_r)
        self.once = once

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def ask(self, request: wire.Request) -> wire.Reply:
        """Run one request; the reply, or the executor's own word if the worker died, ran
        past the request's time limit, or answered something else."""
        deadline = time.monotonic() + request.timeout
        try:
            wire.send(self.requests, request)
            reply = self._reply(request.id, deadline)
        except OSError:
            return self._died(request.id)
        except wire.Timeout:
            self.kill()
            return wire.Reply(request.id, "timeout", reason="killed after %gs" % request.timeout)
        except wire.Closed:
            return self._died(request.id)
        if reply.retire or self.once:
            self.reap()  # it exits by itself after this reply
        return reply

    def _reply(self, ident: int, deadline: float) -> wire.Reply:
        """The worker's reply to request ``ident``: lines that are not it (a case that wrote
        into the pipe) are passed over, and the worker is retired after the cell."""
        forged = 0
        while True:
            try:
                reply = self.receiver.receive(max(0.0, deadline - time.monotonic()))
            except wire.ProtocolError:
                reply = None
            if (isinstance(reply, wire.Reply) and reply.token == self.token
                    and reply.id == ident):
                reply.token = None
                if forged and not (reply.retire or self.once):
                    # It would serve on: stop it (a reap would wait for it for ever).
                    reply.retire = "the case wrote into the worker's pipe"
                    self.kill()
                return reply
            forged += 1

    def _died(self, request_id: int) -> wire.Reply:
        status = self.reap()
        return wire.Reply(request_id, "crash", reason=describe_status(status))

    def reap(self) -> int:
        status = 0
        if self.pid is not None:
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
        self.close()
        return status

    def kill(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.reap()

    def close(self) -> None:
        for fd in (self.requests, self.responses):
            with contextlib.suppress(OSError):
                os.close(fd)


def describe_status(status: int) -> str:
    """Why a process ended, from its wait status."""
    if os.WIFSIGNALED(status):
        return forking.describe_exit(-os.WTERMSIG(status))
    return forking.describe_exit(os.WEXITSTATUS(status))


def serve(requests: int, replies: int, once: bool, gpu: bool, close: Tuple[int, ...],
          token: str) -> int:
    """The worker's loop: run each request's cell, reply, and retire when told to."""
    for fd in close:
        with contextlib.suppress(OSError):
            os.close(fd)
    from . import executor

    children.become_subreaper()  # orphans of the case's processes come back to us
    me = os.getpid()
    if gpu:
        executor.prepare_gpus()  # share the GPU with other executors: grow memory on demand
    receiver = wire.Receiver(requests)
    guard = None
    fresh_random = snapshot.RandomStates()
    while True:
        try:
            request = receiver.receive()
        except (wire.Closed, wire.ProtocolError):
            return 0
        if not isinstance(request, wire.Request):
            return 0
        retire = None
        observed = None
        try:
            cleared = executor.reset_between_cells(request.mode)
            fresh_random.restore()
            if guard is None and not once:
                guard = isolation.Guard((0, 1, 2, requests, replies), executor.state)
            elif guard is not None:
                guard.modules.retake(cleared)
            observed = executor.run_cell(request)
            reply = wire.Reply(request.id, "ok", observed)
        except executor.Fatal as exc:
            reply = wire.Reply(request.id, "crash", reason=str(exc))
            retire = "the case tried to end its process"
        except Exception:  # a bug in the executor, not in the case
            reply = wire.Reply(request.id, "error", reason=traceback.format_exc(limit=5))
            retire = "executor error"
        if os.getpid() != me:  # a fork the case made, back here: it never serves
            os._exit(0)
        isolation.neutralise()
        started = _kill_children()
        if retire is None and guard is not None:
            retire = started or _import_failed(observed) or guard.check()
        reply.retire = started if once else retire
        reply.token = token
        wire.send(replies, reply)
        if once or retire:
            return 0


def _kill_children() -> Optional[str]:
    """Kill the processes the case started that still run (or ended unreaped); say so."""
    if not children.any_children():
        return None
    killed = children.kill_all()
    return ("the case left %d process%s running (killed)" % (killed, "es" * (killed != 1))
            if killed else "the case left ended processes unreaped")


def _import_failed(observed: Optional[dict]) -> Optional[str]:
    error = (observed or {}).get("error") or {}
    if "ImportError" in (error.get("types") or ()):
        return "an import failed (half-initialised modules may remain)"
    return None
