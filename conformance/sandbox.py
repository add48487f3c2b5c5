"""The executor process: imports TF once, then runs cells in forked children.

    python -m conformance.sandbox BEHAVIOUR DEVICE REQUEST_FD RESPONSE_FD

Process layout, chosen so that no cell can see what an earlier cell left behind:

    client (pytest) ──JSON lines── zygote: imported TF, behaviour fixed, never runs a cell
                                     ├── graph worker (forked, reused): v1 / graph cells,
                                     │   each in a fresh tf.Graph (graph state is per graph)
                                     └── eager worker (forked, reused): eager / function cells,
                                         the global default graph (where eager keeps its
                                         variable and scope stores) reset before each

Both workers also drop Keras 3's global name counters before each cell, and retire (exit
after replying; the zygote forks a fresh one) when a cell leaves state no reset can undo:
an open name scope, a switched execution mode, a foreign default graph.
CONFORMANCE_ISOLATION=fork runs every eager/function cell in a fresh fork instead (a
fresh-process reference; a test checks both give the same results on the corpus).

The zygote never executes TF ops, so forking it is safe and cheap (no runtime threads yet).
A child that dies is a `crash`, one that runs past its limit is killed: a `timeout`. Either
way the zygote survives and the run goes on.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sys
import time
import traceback

from . import wire

GRAPH_MODES = ("v1", "graph")
RETIRING = b'{"retire": '  # how a worker's reply starts when it exits after it (_serve)


class Child:
    """A forked process answering JSON-line requests on a pipe pair."""

    def __init__(self, serve) -> None:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                os.close(req_w)
                os.close(resp_r)
                serve(os.fdopen(req_r, "r"), os.fdopen(resp_w, "w"))
            except BaseException:  # a bug in the executor: say so, then go
                traceback.print_exc()
                code = 70
            finally:
                os._exit(code)
        os.close(req_r)
        os.close(resp_w)
        self.pid = pid
        self.requests = os.fdopen(req_w, "w")
        self.responses = resp_r
        self.receiver = wire.Receiver(resp_r)

    def ask(self, request: dict, timeout: float) -> dict:
        reply = self.ask_line(request, timeout)
        return json.loads(reply.decode("utf-8")) if isinstance(reply, bytes) else reply

    def ask_line(self, request: dict, timeout: float):
        """The child's reply as the line it wrote (bytes), or the zygote's own reply (a
        dict) if it died or timed out."""
        try:
            self.requests.write(json.dumps(request) + "\n")
            self.requests.flush()
        except OSError:
            return self._died()
        try:
            return self.receiver.receive_line(timeout)
        except wire.Timeout:
            self.kill()
            return {"outcome": "timeout", "reason": "killed after %gs" % timeout}
        except wire.Closed:
            return self._died()

    def _died(self) -> dict:
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        self.close()
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            return {"outcome": "crash", "reason": "killed by signal %s" % name}
        return {"outcome": "crash", "reason": "exited with status %d" % os.WEXITSTATUS(status)}

    def kill(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = None
        self.close()

    def close(self) -> None:
        for closer in (self.requests.close, lambda: os.close(self.responses)):
            with contextlib.suppress(OSError):
                closer()

    @property
    def alive(self) -> bool:
        return self.pid is not None


def _serve(requests, responses, once: bool, gpu: bool) -> None:
    from . import executor

    if gpu:
        executor.prepare_gpus()  # share the GPU with other executors: grow memory on demand
    for line in requests:
        request = json.loads(line)
        leftover = None
        try:
            executor.reset_between_cells(request["mode"])
            observed = executor.run_cell(request)
            reply = {"outcome": "ok", "observed": observed}
            leftover = executor.leftover_state(request["mode"], observed)
        except Exception:  # a bug in the executor, not in the case
            reply = {"outcome": "error", "reason": traceback.format_exc(limit=5)}
            leftover = "executor error"
        if leftover:  # first, so that the zygote sees it without decoding the reply
            reply = dict(retire=leftover, **reply)
        responses.write(json.dumps(reply) + "\n")
        responses.flush()
        if once or leftover:
            return  # the zygote forks a fresh worker for the next cell


def _probe_gpus() -> dict:
    """List GPUs in a throwaway child: CUDA must not be initialised in the zygote."""
    from . import executor

    def serve(requests, responses):
        json.loads(requests.readline())
        responses.write(json.dumps({"gpus": executor.list_gpus()}) + "\n")
        responses.flush()

    child = Child(serve)
    reply = child.ask({}, timeout=120)
    child.kill()
    return {"gpus": reply.get("gpus", []), "gpu_probe": reply.get("reason")}


def main(argv) -> int:
    behaviour, device, req_fd, resp_fd = argv[0], argv[1], int(argv[2]), int(argv[3])
    requests = os.fdopen(req_fd, "r")
    responses = os.fdopen(resp_fd, "wb")

    def send_line(line: bytes) -> None:
        responses.write(line + b"\n")
        responses.flush()

    def send(message: dict) -> None:
        send_line(json.dumps(message).encode("utf-8"))

    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        from . import executor

        facts = executor.setup(behaviour)
    except BaseException:
        send({"hello": None, "reason": traceback.format_exc(limit=3)})
        return 1
    facts["import_seconds"] = round(time.perf_counter() - started, 3)
    # CPU time is what L in bench/matrix_time.py counts: unlike wall time, it does not grow
    # when several imports share the cores.
    facts["import_cpu_seconds"] = round(time.process_time() - started_cpu, 3)
    # TF's import leaves ~250k long-lived objects; freeze them so the collector stops
    # re-scanning them (and stops copying the pages shared with forked workers). No
    # gc.collect() first: measured on TF 2.21 it finds nothing to free and costs 0.09 s.
    gc.freeze()
    facts["python"] = sys.version.split()[0]
    facts["device"] = device
    if device == "gpu":
        facts.update(_probe_gpus())
    else:
        facts["gpus"] = []  # hidden from this process (CUDA_VISIBLE_DEVICES="")
    send({"hello": facts})

    gpu = device == "gpu"
    # "reuse" (default): one worker per kind, reset between cells, retired when a cell
    # leaves state a reset cannot undo. "fork": every eager/function cell in a fresh fork.
    fork_each = os.environ.get("CONFORMANCE_ISOLATION", "reuse") == "fork"
    workers = {}
    for line in requests:
        request = json.loads(line)
        if request.get("op") == "exit":
            break
        timeout = float(request.get("timeout", 60))
        kind = "graph" if request["mode"] in GRAPH_MODES else "eager"
        started = time.perf_counter()
        if fork_each and kind == "eager":
            child = Child(lambda q, r: _serve(q, r, once=True, gpu=gpu))
            reply = child.ask_line(request, timeout)
            if child.alive:
                os.waitpid(child.pid, 0)
                child.close()
        else:
            worker = workers.get(kind)
            if worker is None or not worker.alive:
                worker = workers[kind] = Child(lambda q, r: _serve(q, r, once=False, gpu=gpu))
            reply = worker.ask_line(request, timeout)
            if isinstance(reply, bytes) and reply.startswith(RETIRING):
                reply = json.loads(reply.decode("utf-8"))
            if isinstance(reply, dict) and reply.get("retire") and worker.alive:
                os.waitpid(worker.pid, 0)  # it exits by itself after replying
                worker.pid = None
                worker.close()
        seconds = time.perf_counter() - started  # the cell's own wall time
        if isinstance(reply, bytes) and reply.startswith(b"{") and len(reply) > 2:
            # Relayed as the worker wrote it, with the time added in front: decoding and
            # encoding every observed record here would cost more than the rest of the relay.
            send_line(b'{"seconds": %r, ' % seconds + reply[1:])
        else:
            reply = reply if isinstance(reply, dict) else json.loads(reply.decode("utf-8"))
            reply["seconds"] = seconds
            send(reply)
    for worker in workers.values():
        if worker.alive:
            worker.kill()
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Skip the interpreter's teardown of an imported TF: stop() took 0.11 s, now 0.03 s.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
