"""Processes a case starts (a subprocess, an asyncio child, a fork, a double fork that left
its session, a multiprocessing worker) end with its cell, and are recorded on it; a fork
of the case never serves as a worker.

Cells go straight to an executor process (``pool.Server``), in the reused worker
(``isolate=False``: what the static gate would not allow, to test the worker itself) and in
a worker of their own (``isolate=True``)."""
from __future__ import annotations

import os
import textwrap
import time

import pytest

from conformance.execution.pool import Server
from conformance.execution.wire import Request

pytestmark = pytest.mark.tf

# name: code that leaves a process running `sleep <marker>` (a unique number of seconds).
LEAVERS = {
    "subprocess": """
        import subprocess
        subprocess.Popen(["sleep", "{marker}"])
        """,
    "asyncio-child": """
        import asyncio
        async def start():
            return await asyncio.create_subprocess_exec("sleep", "{marker}")
        loop = asyncio.new_event_loop()
        loop.run_until_complete(start())
        """,
    "fork-exec": """
        import os
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "{marker}"])
        """,
    "double-fork-new-session": """
        import os
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "{marker}"])
            os._exit(0)
        os.waitpid(pid, 0)
        """,
    "multiprocessing": """
        import multiprocessing, subprocess
        p = multiprocessing.get_context("fork").Process(
            target=subprocess.call, args=(["sleep", "{marker}"],))
        p.start()
        """,
}


def _request(code: str, isolate: bool) -> Request:
    return Request(id=0, code=textwrap.dedent(code).strip() + "\n", code_line=1,
                   file="<children>", mode="eager", device="cpu",
                   probe={"exprs": [], "values": [], "equals": [], "matches": []},
                   timeout=60, isolate=isolate)


def _running(marker: str) -> list:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % pid) as f:
                zombie = f.read().rsplit(")", 1)[-1].split()[0] == "Z"
        except OSError:
            continue
        if marker.encode() in argv and not zombie:
            found.append(int(pid))
    return found


@pytest.fixture(scope="module")
def server():
    s = Server(("tf2", "cpu", ()))
    yield s
    s.stop()


@pytest.mark.parametrize("isolate", [False, True], ids=["reused-worker", "own-process"])
@pytest.mark.parametrize("name", sorted(LEAVERS))
def test_a_process_the_case_started_ends_with_its_cell(server, name, isolate):
    marker = "%d.%d" % (1000 + sorted(LEAVERS).index(name) * 2 + isolate,
                        os.getpid() % 1000)
    reply = server.run(_request(LEAVERS[name].format(marker=marker), isolate))
    try:
        assert reply.outcome == "ok", reply
        deadline = time.monotonic() + 3  # a reply is sent after the kill; a moment's slack
        while _running(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(marker), "still running after the cell"
        assert "killed" in (reply.retire or ""), reply.retire  # recorded on this cell
    finally:
        for pid in _running(marker):
            os.kill(pid, 9)
    after = server.run(_request("y = 2", False))  # the run goes on, nothing recorded on it
    assert after.outcome == "ok" and after.retire is None, after


def test_a_fork_in_a_reused_worker_is_recorded_on_its_cell_and_never_serves(server):
    reply = server.run(_request("import os\npid = os.fork()\nx = 1\n", False))
    assert reply.outcome == "ok", reply
    assert reply.observed["objects"]["pid"]["value"] != 0  # the parent's reply, not the child's
    assert reply.retire and "process" in reply.retire, reply.retire
    replies = [server.run(_request("y = %d" % i, False)) for i in range(5)]
    for i, r in enumerate(replies):
        assert r.outcome == "ok" and r.retire is None, r
        assert r.observed["objects"]["y"]["value"] == i
