"""Case code that misbehaves: each must end as a contained cell result, and must not
change what any other cell observes (test_fault_mix.py).

``F(name, code, outcome, reason=None, ...)``: the case ``faults/<name>`` runs ``code`` in
``modes`` on cpu; each of its cells must end with ``outcome`` (pass / fail / error / crash /
timeout) and, where ``reason`` is given, a ``reason`` that ``re.search``es it. ``check``
is an extra assertion on each cell record. Nothing here may harm the machine: no fork
bombs, nothing that signals a process other than the cell's own or its parent (and never
pid 1).
"""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

TIMEOUT = 5  # seconds, for the faults that hang


@dataclass
class F:
    name: str
    code: str
    outcome: str
    reason: Optional[str] = None
    modes: Tuple[str, ...] = ("v1", "eager")
    env: dict = field(default_factory=dict)
    timeout: Optional[float] = None
    expect: Optional[dict] = None
    check: Optional[Callable[[dict], None]] = None

    @property
    def case_id(self) -> str:
        return "faults/" + self.name

    def text(self) -> str:
        lines = ["title: fault %s" % self.name, "source: tests/reliability/faults.py",
                 "modes: %s" % json.dumps(list(self.modes)), "devices: [cpu]"]
        if self.env:
            lines.append("env: %s" % json.dumps(self.env))
        if self.timeout is not None:
            lines.append("timeout: %s" % self.timeout)
        lines.append("code: |")
        lines += ["  " + line for line in textwrap.dedent(self.code).strip("\n").splitlines()]
        if self.expect is not None:
            lines.append("expect: %s" % json.dumps(self.expect))
        return "\n".join(lines) + "\n"


def _not_status_70(cell: dict) -> None:
    assert "status 70" not in (cell["reason"] or ""), cell["reason"]


def _stdout_bounded(cell: dict) -> None:
    assert len(cell["observed"]["stdout"]) < 1_000_000


def _saw_real_reply(cell: dict) -> None:
    # the fake `{"outcome": "ok", "observed": {}}` lines were not taken for the reply
    assert cell["observed"]["equals"] == {"x": 42}, cell["observed"]


def _no_frame_placeholder(cell: dict) -> None:
    assert "<no Python frame>" not in (cell["reason"] or ""), cell["reason"]


def _error_type(name: str) -> Callable[[dict], None]:
    def check(cell: dict) -> None:
        assert cell["observed"]["error"]["type"] == name, cell["observed"]["error"]
    return check


def _killed_on_this_cell(cell: dict) -> None:
    assert "killed" in (cell.get("worker_retired") or ""), cell.get("worker_retired")


def _in_reused_worker_then_retired(cell: dict) -> None:
    # the static gate let it through; the guard retired the worker after it
    assert "relu" in (cell.get("worker_retired") or ""), cell.get("worker_retired")


FAULTS = [
    # ------------------------------------------------- state a later cell must not see
    F("get-variable-set-to-none",
      "import tensorflow\ntensorflow.compat.v1.get_variable = None\n", "pass"),
    F("tensorflow-removed-from-sys-modules",
      "import sys\ndel sys.modules['tensorflow']\n", "pass"),
    F("disable-resource-variables",
      "import tensorflow\ntensorflow.compat.v1.disable_resource_variables()\n", "pass"),
    F("keras-floatx-float16",
      "import tensorflow\ntensorflow.keras.backend.set_floatx('float16')\n", "pass"),
    F("chdir-root", "import os\nos.chdir('/')\n", "pass"),
    F("run-functions-eagerly",
      "import tensorflow\ntensorflow.config.run_functions_eagerly(True)\n", "pass",
      modes=("eager", "function")),
    F("random-seed-changed-at-end",
      "import tensorflow\ntensorflow.random.set_seed(1234)\n", "pass",
      modes=("graph", "eager", "function")),
    F("environ-set", "import os\nos.environ['X'] = 'y'\n", "pass"),
    F("umask-zero", "import os\nos.umask(0)\n", "pass"),
    F("gc-disabled", "import gc\ngc.disable()\n", "pass"),
    F("recursion-limit-50", """
      import sys
      depth, frame = 0, sys._getframe()
      while frame is not None:
          depth, frame = depth + 1, frame.f_back
      sys.setrecursionlimit(max(50, depth + 10))
      """, "pass"),
    F("sys-stdout-replaced", "import os, sys\nsys.stdout = open(os.devnull, 'w')\n", "pass"),
    F("tf-variable-monkeypatched",
      "import tensorflow\ntensorflow.Variable = None\ntf.Variable = None\n", "pass"),
    F("settrace", "import sys\nsys.settrace(lambda *a: None)\n", "pass"),
    F("setsid", "import os\nos.setsid()\n", "pass"),
    F("nofile-limit-lowered", """
      import resource
      soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
      resource.setrlimit(resource.RLIMIT_NOFILE, (32, hard))
      """, "pass"),
    F("sigterm-ignored", "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n",
      "pass"),
    F("non-daemon-thread-never-ends",
      "import threading, time\nthreading.Thread(target=time.sleep, args=(10**6,)).start()\n",
      "pass"),
    F("thread-keeps-printing", """
      import threading, time
      def spam():
          while True:
              print('SPAM-FROM-THREAD')
              time.sleep(0.01)
      threading.Thread(target=spam, daemon=True).start()
      time.sleep(0.1)
      """, "pass"),
    F("leftover-itimer", "import signal\nsignal.setitimer(signal.ITIMER_REAL, 0.05)\n", "pass"),
    F("close-fd-1", "import os\nos.close(1)\n", "pass"),
    F("close-fd-2", "import os\nos.close(2)\n", "pass"),
    F("prints-10mb", "for _ in range(10 * 1024):\n    print('x' * 1023)\n", "pass",
      check=_stdout_bounded),
    F("fake-reply-on-every-fd", """
      import os
      x = 41 + 1
      for fd in range(3, 51):
          try:
              os.write(fd, b'{"outcome": "ok", "observed": {}}\\n')
          except OSError:
              pass
      """, "pass", expect={"equals": {"x": 42}}, check=_saw_real_reply),
    # ------------------------------------------------- isolation, second round (issue 17)
    F("numpy-seed-set", "np.random.seed(5)\n", "pass"),
    F("numpy-printoptions", "np.set_printoptions(precision=2)\n", "pass"),
    F("numpy-seterr-raise", "np.seterr(all='raise')\n", "pass"),
    F("op-determinism", "tf2.config.experimental.enable_op_determinism()\n", "pass",
      modes=("eager",)),
    F("check-numerics", "tf.debugging.enable_check_numerics()\n", "pass", modes=("eager",)),
    F("v1-tensorshape", "tf.disable_v2_tensorshape()\n", "pass"),
    F("module-attribute-via-alias", "m = [tf.nn][0]\nm.relu = None\n", "pass",
      check=_in_reused_worker_then_retired),
    F("harness-patched-via-alias",
      "import conformance.execution.observe as ob\no = ob\n"
      "o.error_record = lambda *a, **k: None\n", "pass"),
    F("fsize-limit-via-ctypes", """
      import ctypes, resource
      class Limit(ctypes.Structure):
          _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]
      soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
      ctypes.CDLL(None).setrlimit(resource.RLIMIT_FSIZE, ctypes.byref(Limit(1 << 20, hard)))
      """, "pass"),
    F("subprocess-left-running",
      "import subprocess\nsubprocess.Popen(['sleep', '600'])\n", "pass",
      check=_killed_on_this_cell),
    F("double-fork-setsid-left-running", """
      import os
      pid = os.fork()
      if pid == 0:
          os.setsid()
          if os.fork() == 0:
              os.execvp('sleep', ['sleep', '600'])
          os._exit(0)
      os.waitpid(pid, 0)
      """, "pass", check=_killed_on_this_cell),
    # ------------------------------------------------- exceptions the case raises
    F("memory-error-raised", "raise MemoryError('pretend')\n", "fail",
      check=_error_type("MemoryError")),
    F("exception-whose-str-raises", """
      class Unprintable(Exception):
          def __str__(self):
              raise RuntimeError('no str for you')
      raise Unprintable()
      """, "fail", check=_error_type("Unprintable")),
    F("10mb-exception-message", "raise ValueError('x' * 10_000_000)\n", "fail",
      check=_error_type("ValueError")),
    # ------------------------------------------------- the process ends
    F("os-abort", "import os\nos.abort()\n", "crash", r"SIGABRT"),
    F("os-exit-7", "import os\nos._exit(7)\n", "crash", r"exited with status 7\b"),
    F("sys-exit-0", "import sys\nsys.exit(0)\n", "crash", r"SystemExit", check=_not_status_70),
    F("raise-systemexit-3", "raise SystemExit(3)\n", "crash",
      r"SystemExit.*\b3\b|\b3\b.*SystemExit", check=_not_status_70),
    F("raise-keyboardinterrupt", "raise KeyboardInterrupt\n", "crash", r"KeyboardInterrupt",
      check=_not_status_70),
    F("raise-baseexception-subclass",
      "class Boom(BaseException):\n    pass\nraise Boom('boom')\n", "crash", r"Boom",
      check=_not_status_70),
    F("segfault", "import ctypes\nctypes.string_at(0)\n", "crash", r"SIGSEGV"),
    F("kill-parent-sigkill", """
      import os, signal
      ppid = os.getppid()
      assert ppid > 1, ppid  # never signal init
      os.kill(ppid, signal.SIGKILL)
      """, "crash", r"(?i)kill|died|lost|exit|crash"),
    F("pythonhome-nonexistent", "x = 1\n", "error", r"PYTHONHOME|encodings|Fatal Python error",
      env={"PYTHONHOME": "/nonexistent"}, check=_no_frame_placeholder),
    # ------------------------------------------------- the cell never ends
    F("infinite-loop", "while True:\n    pass\n", "timeout", r"after %ds" % TIMEOUT,
      timeout=TIMEOUT),
    F("sleep-forever", "import time\ntime.sleep(10**6)\n", "timeout", r"after %ds" % TIMEOUT,
      timeout=TIMEOUT),
    F("sigterm-ignored-then-hang",
      "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass\n",
      "timeout", r"after %ds" % TIMEOUT, timeout=TIMEOUT),
    F("sigstop-self", "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n", "timeout",
      r"after %ds" % TIMEOUT, timeout=TIMEOUT),
]

assert len({f.name for f in FAULTS}) == len(FAULTS), "fault names must be unique"
SPAM = "SPAM-FROM-THREAD"
