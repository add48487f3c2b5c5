"""A stand-in for tox.run.run, for tests/test_toxfork.py: its arguments say what to do."""
from __future__ import annotations

import os
import sys
import time


def run(args):
    print("ran %s pid %d parent %d" % (" ".join(args), os.getpid(), os.getppid()))
    print("to stderr", file=sys.stderr)
    what = args[0]
    if what == "wait-for":  # wait-for FILE: block until another run creates FILE
        deadline = time.monotonic() + 10
        while not os.path.exists(args[1]):
            if time.monotonic() > deadline:
                raise SystemExit(9)
            time.sleep(0.01)
        raise SystemExit(0)
    if what == "create":
        open(args[1], "w").close()
        raise SystemExit(0)
    if what == "message":
        raise SystemExit("a message")
    if what == "return":
        return None
    raise SystemExit(int(what))


if __name__ == "__main__":  # the fallback: a process of its own
    try:
        run(sys.argv[1:])
    finally:
        sys.stdout.flush()
