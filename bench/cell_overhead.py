"""Per-cell overhead of the runner over a bare `exec` of the same code in a fresh graph.

Run with an environment's Python (TF installed), from the project root:

    .tox/tf2.21-cpu/bin/python bench/cell_overhead.py [--n 300]

bare:    in this process, TF1 behaviour: g = tf.Graph(); with g.as_default(): exec(code)
runner:  the same code as a v1 cell through the executor (client -> executor -> graph
         worker, observation of every bound name, the isolation guard's fingerprint after
         the cell, typed messages both ways), timed at the client.
guard:   the fingerprint alone (isolation.Guard.check), in this process.
Also reports an eager cell in the reused (reset) worker and, for comparison, in a fresh
fork per cell (CONFORMANCE_ISOLATION=fork). Prints medians in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CODE = """\
with tf.variable_scope("my_scope") as scope:
    v1 = tf.get_variable("my_var", shape=[1], initializer=tf.constant_initializer(1.0))
with tf.variable_scope(scope, reuse=True):
    v2 = tf.get_variable("my_var")
"""


def request(mode: str):
    from conformance.execution.wire import Request

    return Request(id=0, code=CODE, code_line=1, file="<bench>", mode=mode, device="cpu",
                   probe={"exprs": ["v1", "v2"], "values": [], "equals": [], "matches": []},
                   timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from conformance.execution.pool import Server

    server = Server(("v1", "cpu", ()))
    for _ in range(20):  # warm up the worker (lazy imports inside TF)
        server.run(request("v1"))
    runner = []
    for _ in range(args.n):
        t = time.perf_counter()
        reply = server.run(request("v1"))
        runner.append(time.perf_counter() - t)
        assert reply.outcome == "ok", reply
    server.stop()

    def eager_times(n: int) -> list:
        server = Server(("tf2", "cpu", ()))
        times = []
        for _ in range(n):
            t = time.perf_counter()
            reply = server.run(request("eager"))
            times.append(time.perf_counter() - t)
            assert reply.outcome == "ok", reply
        server.stop()
        return times

    reused = eager_times(args.n)
    os.environ["CONFORMANCE_ISOLATION"] = "fork"
    forked = eager_times(max(20, args.n // 5))
    del os.environ["CONFORMANCE_ISOLATION"]

    from conformance.execution import executor, isolation

    executor.setup("v1")
    tf = executor.tf
    code = compile(CODE, "<bench>", "exec")
    for _ in range(20):
        g = tf.Graph()
        with g.as_default():
            exec(code, {"tf": tf})
    bare = []
    for _ in range(args.n):
        t = time.perf_counter()
        g = tf.Graph()
        with g.as_default():
            exec(code, {"tf": tf})
        bare.append(time.perf_counter() - t)

    guard = isolation.Guard((0, 1, 2), executor.state)
    checks = []
    for _ in range(args.n):
        t = time.perf_counter()
        assert guard.check() is None
        checks.append(time.perf_counter() - t)

    med = {k: statistics.median(v) * 1000 for k, v in
           (("bare", bare), ("runner", runner), ("reused", reused), ("forked", forked),
            ("guard", checks))}
    print("TF %s, n=%d" % (tf.VERSION if hasattr(tf, "VERSION") else "?", args.n))
    print("bare exec in fresh graph   median %.3f ms" % med["bare"])
    print("runner v1 cell (in-worker) median %.3f ms" % med["runner"])
    print("overhead per in-process cell      %.3f ms  (goal <= 1 ms)"
          % (med["runner"] - med["bare"]))
    print("runner eager cell, reused worker  median %.3f ms" % med["reused"])
    print("runner eager cell, fork per cell  median %.3f ms" % med["forked"])
    print("isolation guard check             median %.3f ms" % med["guard"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
