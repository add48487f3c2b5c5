"""The executor pool's start-up order, with stand-in processes (no TF)."""
from __future__ import annotations

import json
import os
import time

import pytest

from conformance.case.load import load_case
from conformance.errors import ExecutorError
from conformance.execution import cell, wire
from conformance.execution import pool as pool_mod


class FakeServer:
    spawned: list = []
    broken: set = set()

    def __init__(self, key) -> None:
        self.key = key
        self.facts = None
        self.alive = True
        FakeServer.spawned.append(key)

    def wait_ready(self) -> None:
        if self.key in FakeServer.broken:
            raise ExecutorError("the executor process (%s) did not start" % self.key[0])
        self.facts = {"tf": "2.21.0"}

    def ask_exit(self) -> None:
        pass

    def stop(self) -> None:
        self.alive = False


@pytest.fixture
def pool(monkeypatch):
    FakeServer.spawned, FakeServer.broken = [], set()
    monkeypatch.setattr(pool_mod, "Server", FakeServer)
    monkeypatch.setattr(pool_mod, "tf_bytecode_cached", lambda: False)
    return pool_mod.Pool()


V1, TF2, LEGACY = ("v1", "cpu", ()), ("tf2", "cpu", ()), ("tf2", "cpu", (("K", "1"),))


def test_first_profile_starts_alone_and_the_rest_once_it_is_ready(pool):
    pool.start([V1, TF2, LEGACY])
    assert FakeServer.spawned == [V1]          # the others wait for its bytecode cache
    assert pool.get(V1).facts is not None
    assert FakeServer.spawned == [V1, TF2, LEGACY]
    assert pool.get(LEGACY).key == LEGACY      # started ahead, not started again
    assert FakeServer.spawned == [V1, TF2, LEGACY]


def test_with_a_bytecode_cache_every_profile_starts_at_once(pool, monkeypatch):
    monkeypatch.setattr(pool_mod, "tf_bytecode_cached", lambda: True)
    pool.start([V1, TF2, LEGACY])
    assert FakeServer.spawned == [V1, TF2, LEGACY]
    assert pool.get(TF2).facts is not None
    assert FakeServer.spawned == [V1, TF2, LEGACY]


def test_a_profile_that_cannot_start_fails_its_cells_and_still_releases_the_rest(pool):
    FakeServer.broken = {V1}
    pool.start([V1, TF2])
    with pytest.raises(ExecutorError, match="did not start"):
        pool.get(V1)
    assert FakeServer.spawned == [V1, TF2]
    with pytest.raises(ExecutorError, match="did not start"):
        pool.get(V1)                           # remembered: no second attempt
    assert FakeServer.spawned == [V1, TF2]
    assert pool.get(TF2).facts is not None


def test_a_dead_process_is_replaced_on_next_use(pool):
    first = pool.get(TF2)
    first.alive = False
    assert pool.get(TF2) is not first
    assert FakeServer.spawned == [TF2, TF2]


# ------------------------------------------------- pipelining, with a stand-in process
FAKE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support",
                    "fake_sandbox.py")


@pytest.fixture
def fake_program(monkeypatch):
    monkeypatch.setattr(pool_mod.Server, "program", [FAKE])


def ask(**what) -> wire.Request:
    return wire.Request(id=0, code=json.dumps(what), code_line=1, file="f", mode="v1",
                        device="cpu", probe={}, timeout=5)


def test_requests_sent_ahead_are_answered_in_order_without_blocking_the_sender(fake_program):
    server = pool_mod.Server(V1)
    try:
        server.wait_ready()  # the process is up: what is timed is the two submits alone
        started = time.perf_counter()
        slow = server.submit(ask(echo=1, sleep=2.0))
        fast = server.submit(ask(echo=2))
        assert time.perf_counter() - started < 1.0  # submit does not wait for the reply
        assert server.queued == 2 and fast == slow + 1  # each request has its own id
        assert server.receive(fast).observed == {"echo": 2}  # read past the first ...
        assert server.receive(slow).observed == {"echo": 1}  # ... which is kept
        assert server.queued == 0 and server.up
    finally:
        server.stop()


def test_a_death_fails_the_running_request_and_loses_the_ones_behind_it(fake_program):
    server = pool_mod.Server(V1)
    try:
        before = server.submit(ask(echo=0))
        dying = server.submit(ask(die=True))
        behind = server.submit(ask(echo=2))
        assert server.receive(before).observed == {"echo": 0}
        reply = server.receive(dying)
        # The process died under it (exit 3): a crash, named; not a hang.
        assert reply.outcome == "crash" and "died (exited with status 3)" in reply.reason
        assert server.receive(behind).outcome == "lost"  # it never ran
        assert not server.up
        assert server.receive(server.submit(ask(echo=3))).outcome == "error"
    finally:
        server.stop()


def test_a_request_sent_after_the_process_died_under_an_earlier_one_is_lost(fake_program):
    """Its write fails (the process is gone): it never ran, so it is run again elsewhere,
    like the ones queued behind; as an `error` its verdict would depend on timing (CI saw
    the test above get one)."""
    server = pool_mod.Server(V1)
    try:
        dying = server.submit(ask(die=True))
        server.proc.wait(timeout=10)  # gone before the next request is written
        behind = server.submit(ask(echo=2))
        assert server.receive(dying).outcome == "crash"
        assert server.receive(behind).outcome == "lost"
        # with nothing of ours running before it, a dead process is an error
        assert server.receive(server.submit(ask(echo=3))).outcome == "error"
    finally:
        server.stop()


def test_a_reply_out_of_turn_fails_that_request_and_loses_the_rest(fake_program):
    """A reply whose id is not the request's (a case wrote into the pipe, say) is never
    taken for the answer: every later reply would be off by one."""
    server = pool_mod.Server(V1)
    try:
        bad = server.submit(ask(echo=1, wrong_id=True))
        behind = server.submit(ask(echo=2))
        reply = server.receive(bad)
        assert reply.outcome == "error" and "answered out of turn" in reply.reason
        assert server.receive(behind).outcome == "lost"
    finally:
        server.stop()


def test_a_lost_cell_runs_again_on_a_fresh_process(fake_program, tmp_path):
    (tmp_path / "c.yaml").write_text(
        "title: t\nsource: s\nmodes: [v1]\ncode: x = 1\nexpect: {equals: {x: 1}}\n")
    case = load_case(str(tmp_path / "c.yaml"), str(tmp_path))
    pool = pool_mod.Pool()
    try:
        first = pool.get(V1)
        first.submit(ask(die=True, sleep=1))  # dies while the cell waits behind it
        started = cell.start(case, "v1", "cpu", pool, local_versions={"tf": "2.21.0"})
        assert started.server is first
        record = cell.finish(started)
        assert pool.get(V1) is not first
        # The stand-in echoes nothing useful, so the cell fails, but it ran and was judged.
        assert record.outcome == "fail" and record.observed.to_json() == {"echo": None}
    finally:
        pool.close()
