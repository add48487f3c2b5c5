"""The executor process: imports TF once, then runs cells in forked workers.

    python -m conformance.execution.sandbox BEHAVIOUR DEVICE REQUEST_FD RESPONSE_FD

Process layout, chosen so that no cell can see what an earlier cell left behind:

    client (pytest) ──wire── executor: imported TF, behaviour fixed, never runs a cell
                               ├── graph worker (forked, reused): v1 / graph cells,
                               │   each in a fresh tf.Graph (graph state is per graph)
                               ├── eager worker (forked, reused): eager / function cells,
                               │   the global default graph (where eager keeps its
                               │   variable and scope stores) reset before each
                               └── one-cell workers: a cell whose code reaches process
                                   state by name (isolation.own_process_reason), forked
                                   for it and gone after it

A reused worker retires (exits after its reply; the next cell gets a fresh fork) when a
cell left process-wide state changed (isolation.Guard). CONFORMANCE_ISOLATION=fork runs
every eager/function cell in a one-cell worker (a fresh-process reference: a test checks
both give the same results).

The executor never executes TF ops, so forking it is safe and cheap (no runtime threads
yet). A worker that dies is a `crash`, one that runs past its limit is killed: a
`timeout`. Either way the executor survives and the run goes on.
"""
from __future__ import annotations

import gc
import os
import sys
import time
import traceback

from ..vocabulary import GRAPH_MODES
from . import children, wire
from .worker import Worker


def _probe_gpus() -> dict:
    """List GPUs in a throwaway child: CUDA must not be initialised in the executor."""
    from . import executor

    def probe() -> int:
        wire.send(w, wire.Hello({"gpus": executor.list_gpus()}))
        return 0

    r, w = os.pipe()
    from .forking import fork

    pid = fork(probe)
    os.close(w)
    try:
        hello = wire.Receiver(r).receive(120)
        gpus, why = (hello.facts or {}).get("gpus", []), None
    except (wire.Timeout, wire.Closed, wire.ProtocolError) as exc:
        gpus, why = [], "the GPU probe failed: %s" % type(exc).__name__
    os.close(r)
    os.waitpid(pid, 0)
    return {"gpus": gpus, "gpu_probe": why}


def start(behaviour: str, device: str) -> dict:
    """Import TF under ``behaviour`` and gather the facts the client is told."""
    from . import executor

    started, started_cpu = time.perf_counter(), time.process_time()
    facts = executor.setup(behaviour)
    facts["import_seconds"] = round(time.perf_counter() - started, 3)
    # CPU time is what L in bench/matrix_time.py counts: unlike wall time, it does not grow
    # when several imports share the cores.
    facts["import_cpu_seconds"] = round(time.process_time() - started_cpu, 3)
    # TF's import leaves ~250k long-lived objects; freeze them so the collector stops
    # re-scanning them (and stops copying the pages shared with forked workers).
    gc.freeze()
    facts["python"] = sys.version.split()[0]
    facts["device"] = device
    if device == "gpu":
        facts.update(_probe_gpus())
    else:
        facts["gpus"] = []  # hidden from this process (CUDA_VISIBLE_DEVICES="")
    return facts


class Executor:
    """Hands each request to the worker for its kind of mode and relays the reply."""

    def __init__(self, gpu: bool, client_fds) -> None:
        self.gpu = gpu
        self.client_fds = tuple(client_fds)
        self.workers = {}
        # "reuse" (default): one reused worker per kind. "fork": every eager/function
        # cell in a one-cell worker.
        self.fork_each = os.environ.get("CONFORMANCE_ISOLATION", "reuse") == "fork"

    def run(self, request: wire.Request) -> wire.Reply:
        started = time.perf_counter()
        kind = "graph" if request.mode in GRAPH_MODES else "eager"
        if request.isolate or (self.fork_each and kind == "eager"):
            worker = self._worker(once=True)
        else:
            worker = self.workers.get(kind)
            if worker is None or not worker.alive:
                worker = self.workers[kind] = self._worker(once=False)
        reply = worker.ask(request)
        if not worker.alive:
            # Processes the case started and its worker left behind (a timeout's kill, a
            # crash) are re-parented to this process: they end with the cell.
            left = children.kill_all(keep=self.worker_pids())
            if left:
                note = "the case left %d process%s running (killed)" % (
                    left, "es" * (left != 1))
                reply.retire = "; ".join(filter(None, (reply.retire, note)))
        reply.seconds = time.perf_counter() - started  # the cell's own wall time
        return reply

    def worker_pids(self) -> set:
        return {w.pid for w in self.workers.values() if w.alive}

    def _worker(self, once: bool) -> Worker:
        others = tuple(fd for w in self.workers.values() if w.alive
                       for fd in (w.requests, w.responses))
        return Worker(once, self.gpu, close=self.client_fds + others)

    def close(self) -> None:
        for worker in self.workers.values():
            worker.kill()
        children.kill_all()


def main(argv) -> int:
    behaviour, device, req_fd, resp_fd = argv[0], argv[1], int(argv[2]), int(argv[3])
    try:
        facts = start(behaviour, device)
    except BaseException:
        wire.send(resp_fd, wire.Hello(None, traceback.format_exc(limit=3)))
        return 1
    wire.send(resp_fd, wire.Hello(facts))
    children.become_subreaper()
    executor = Executor(device == "gpu", (req_fd, resp_fd))
    receiver = wire.Receiver(req_fd)
    while True:
        try:
            message = receiver.receive()
        except (wire.Closed, wire.ProtocolError):
            break
        if not isinstance(message, wire.Request):
            break  # Exit
        wire.send(resp_fd, executor.run(message))
    executor.close()
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Skip the interpreter's teardown of an imported TF: stop() took 0.11 s, now 0.03 s.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
