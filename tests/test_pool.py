"""The executor pool's start-up order, with stand-in processes (no TF)."""
from __future__ import annotations

import pytest

from conformance import pool as pool_mod


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
            raise RuntimeError("the executor process (%s) did not start" % self.key[0])
        self.facts = {"tf": "2.21.0"}

    def ask_exit(self) -> None:
        pass

    def stop(self) -> None:
        self.alive = False


@pytest.fixture
def pool(monkeypatch):
    FakeServer.spawned, FakeServer.broken = [], set()
    monkeypatch.setattr(pool_mod, "Server", FakeServer)
    return pool_mod.Pool()


V1, TF2, LEGACY = ("v1", "cpu", ()), ("tf2", "cpu", ()), ("tf2", "cpu", (("K", "1"),))


def test_first_profile_starts_alone_and_the_rest_once_it_is_ready(pool):
    pool.start([V1, TF2, LEGACY])
    assert FakeServer.spawned == [V1]          # the others wait for its bytecode cache
    assert pool.get(V1).facts is not None
    assert FakeServer.spawned == [V1, TF2, LEGACY]
    assert pool.get(LEGACY).key == LEGACY      # started ahead, not started again
    assert FakeServer.spawned == [V1, TF2, LEGACY]


def test_a_profile_that_cannot_start_fails_its_cells_and_still_releases_the_rest(pool):
    FakeServer.broken = {V1}
    pool.start([V1, TF2])
    with pytest.raises(RuntimeError, match="did not start"):
        pool.get(V1)
    assert FakeServer.spawned == [V1, TF2]
    with pytest.raises(RuntimeError, match="did not start"):
        pool.get(V1)                           # remembered: no second attempt
    assert FakeServer.spawned == [V1, TF2]
    assert pool.get(TF2).facts is not None


def test_a_dead_process_is_replaced_on_next_use(pool):
    first = pool.get(TF2)
    first.alive = False
    assert pool.get(TF2) is not first
    assert FakeServer.spawned == [TF2, TF2]
