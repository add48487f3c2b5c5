"""Running environment tasks side by side: at most ``jobs`` at once, highest rank first."""
from __future__ import annotations

import threading


class Scheduler:
    """Runs tasks as they are added, at most `jobs` at once, the highest `rank` first.

    One exception, the tail: when the last task would wait for a slot and then run alone
    while a core idles (an environment's run keeps ~1.2 of 2 cores busy), it starts at once,
    beside the others (`jobs` + 1 at once for that stretch). Only when jobs >= 2: with one
    job, the user asked for one at a time. Call `close()` once every task is added, then
    `join()`; join re-raises the first exception a task raised."""

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self.cond = threading.Condition()
        self.ready: list = []       # (rank, seq, fn, arg)
        self.running = 0
        self.closed = False
        self.threads: list = []
        self.errors: list = []
        self.seq = 0

    def add(self, rank: float, fn, arg) -> None:
        with self.cond:
            self.ready.append((rank, self.seq, fn, arg))
            self.seq += 1
            self._dispatch()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self._dispatch()

    def _limit(self) -> int:
        tail = self.closed and len(self.ready) == 1 and self.jobs >= 2
        return self.jobs + 1 if tail else self.jobs

    def _dispatch(self) -> None:  # with self.cond held
        while self.ready and self.running < self._limit():
            task = min(self.ready, key=lambda t: t[:2])
            self.ready.remove(task)
            self.running += 1
            thread = threading.Thread(target=self._run, args=task[2:], daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, fn, arg) -> None:
        try:
            fn(arg)
        except BaseException as exc:  # re-raised by join()
            self.errors.append(exc)
        finally:
            with self.cond:
                self.running -= 1
                self._dispatch()
                self.cond.notify_all()

    def join(self) -> None:
        with self.cond:
            while self.ready or self.running:
                self.cond.wait()
        for thread in list(self.threads):
            thread.join()
        if self.errors:
            raise self.errors[0]
