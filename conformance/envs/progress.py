"""What ``./run matrix`` prints while it runs.

Up front, the plan: the environments that will run and the cells each will run (counted
from the corpus: case files x their modes, without loading them), and, once per reason,
the environments that will not run ("gpu: not run: no GPU visible (23 envs)"). Then a line
per event of an environment (building, built, running, done), each with the time and the
environments finished of those that run: ``[ 54s  3/23]``. While environments run, a
line every ``interval`` seconds says how many cells each running one has
recorded: each environment's pytest writes that number to ``$CONFORMANCE_PROGRESS/<env>``
(``pytest_plugin.writer``), a folder this class makes and removes.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, TextIO, Tuple

from ..vocabulary import MODES

_MODES_LINE = re.compile(r"^modes:\s*\[([^\]]*)\]", re.M)
_PRODUCE_LINE = re.compile(r"^produce\s*:", re.M)


def corpus_files(paths) -> List[str]:
    found: List[str] = []
    for path in paths:
        found += ([path] if os.path.isfile(path) else
                  glob.glob(os.path.join(path, "**", "*.y*ml"), recursive=True))
    return found


def pair_cases(paths) -> List[str]:
    """The case files among ``paths`` that are producer/consumer cases (a top-level
    ``produce:``): their cells are pairs of environments (pytest_plugin.pairs). A quick
    scan; the loader is what decides."""
    out = []
    for path in corpus_files(paths):
        try:
            with open(path, encoding="utf-8") as f:
                if _PRODUCE_LINE.search(f.read()):
                    out.append(path)
        except (OSError, UnicodeDecodeError):
            pass
    return out


def corpus_cells(cases_dir: str) -> Tuple[int, int]:
    """(case files, cells per device) of a corpus: each file's top-level ``modes: [...]``,
    else every mode. A quick count for the plan; the loader is what decides."""
    files = cells = 0
    found = ([cases_dir] if os.path.isfile(cases_dir) else
             glob.glob(os.path.join(cases_dir, "**", "*.y*ml"), recursive=True))
    for path in found:
        files += 1
        try:
            with open(path, encoding="utf-8") as f:
                match = _MODES_LINE.search(f.read())
        except (OSError, UnicodeDecodeError):
            match = None
        listed = [m.strip() for m in match.group(1).split(",") if m.strip()] if match else []
        cells += len(listed) or len(MODES)
    return files, cells


class Progress:
    def __init__(self, out: Optional[TextIO] = None, interval: float = 10.0) -> None:
        self.out = out or sys.stdout
        self.interval = interval
        self.total = 0  # environments that run
        self.cells = 0  # cells each of them runs
        self.done = 0
        self.running: Dict[str, float] = {}  # env -> when its run started
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.last = self.started  # when the last heartbeat was printed
        self.folder = ""  # made by start()
        self.stopping = threading.Event()
        self.thread: Optional[threading.Thread] = None

    def _print(self, text: str) -> None:  # with the lock held
        print(text, file=self.out, flush=True)

    def _stamp(self) -> str:
        return "[%5.0fs %2d/%d]" % (time.monotonic() - self.started, self.done, self.total)

    def plan(self, runnable: List[str], idle: List[Tuple[str, str]], files: int,
             cells: int) -> None:
        """``idle``: (env name, "not run: no GPU visible") of the envs that will not run."""
        self.total, self.cells = len(runnable), cells
        with self.lock:
            if runnable:
                self._print("plan: %d environment%s to run (%s), %d cells each (%d case "
                            "files): %d cells" % (len(runnable), "s"[:len(runnable) > 1],
                                                  _names(runnable), cells, files,
                                                  cells * len(runnable)))
            else:
                self._print("plan: no environment can run here")
            grouped: Dict[Tuple[str, str], List[str]] = {}
            for name, text in idle:
                device = "gpu" if "-gpu" in name else name.rsplit("-", 1)[-1]
                grouped.setdefault((device, text), []).append(name)
            for (device, text), names in grouped.items():
                self._print("%s: %s (%s)" % (device, text, "%d envs" % len(names)
                                             if len(names) > 3 else ", ".join(names)))

    def say(self, name: str, text: str, finished: bool = False) -> None:
        with self.lock:
            if text == "running":
                self.running[name] = time.monotonic()
            if finished:
                self.done += 1
                self.running.pop(name, None)
            self._print("%s %-12s %s" % (self._stamp(), name, text))

    def cells_done(self, name: str) -> Optional[int]:
        if not self.folder:
            return None
        try:
            with open(os.path.join(self.folder, name), encoding="utf-8") as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return None

    def heartbeat(self) -> None:
        """One line: the cells each running environment has recorded."""
        with self.lock:
            self.last = time.monotonic()
            if not self.running:
                return
            parts = []
            for name in sorted(self.running, key=self.running.__getitem__):
                n = self.cells_done(name)
                parts.append("%s starting" % name if n is None else
                             "%s %d/%d" % (name, n, self.cells))
            waiting = self.total - self.done - len(self.running)
            self._print("%s running: %s%s" % (self._stamp(), ", ".join(parts),
                                              "; %d waiting" % waiting if waiting else ""))

    def start(self) -> Dict[str, str]:
        """Start the heartbeat; returns the environment variables the runs need."""
        self.folder = tempfile.mkdtemp(prefix="conformance-progress-")
        def beat() -> None:
            while not self.stopping.wait(1.0):
                if time.monotonic() - self.last >= self.interval:
                    self.heartbeat()
        self.thread = threading.Thread(target=beat, name="progress", daemon=True)
        self.thread.start()
        return {"CONFORMANCE_PROGRESS": self.folder}

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _names(names: List[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else "%s … %s" % (
        ", ".join(sorted(names, key=_version)[:2]), sorted(names, key=_version)[-1])


def _version(name: str) -> Tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", name))
