"""Case code that misbehaves ends as a contained result of its own cells.

One run (module fixture) holds every fault of ``faults.FAULTS`` and the good case; each
parametrized test then checks one fault's cells in the results file."""
from __future__ import annotations

import re

import pytest
from faults import FAULTS, SPAM, F
from rhelpers import (
    GOOD_CELLS,
    cells_by_key,
    load_results,
    reap_leftovers,
    run_cases,
    run_pytest,
    write_files,
    write_good,
)

# A run of every fault (~35 s of TF runs): with the full-corpus checks, in CI after the
# matrix (`./run tests -m slow`), so that ./run tests stays quick.
pytestmark = pytest.mark.slow

FAULT_RUN_BOUND = 900.0  # all faults, their timeouts (5 s each) and restarts included


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("faults")
    cases = base / "cases"
    write_good(cases)
    write_files(cases, {"faults/%s.yaml" % f.name: f.text() for f in FAULTS})
    out = base / "out.json"
    run = run_pytest(base, "--case-root", cases, cases, "--conformance-out", out,
                     "-p", "no:cacheprovider", bound=FAULT_RUN_BOUND)
    doc = load_results(out) if out.exists() else None
    run.lingering = reap_leftovers(base)  # the executor processes end with pytest
    return run, doc


def test_there_are_enough_faults():
    assert len(FAULTS) >= 28
    assert {f.outcome for f in FAULTS} >= {"pass", "fail", "error", "crash", "timeout"}


@pytest.mark.tf
def test_the_run_with_every_fault_finishes_and_the_good_case_passes(fault_run):
    run, doc = fault_run
    assert "INTERNALERROR" not in run.output, run.output[-3000:]
    assert run.returncode == 1, (run.returncode, run.output[-3000:])
    assert doc is not None, "no results file: " + run.output[-3000:]
    cells = cells_by_key(doc)
    for key in GOOD_CELLS:
        assert cells[key]["outcome"] == "pass", cells[key]
    assert doc.get("status") == "complete"
    assert not run.lingering, "processes outlived the run: %s" % run.lingering


@pytest.mark.tf
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_is_contained_in_its_own_cells(fault_run, fault: F):
    run, doc = fault_run
    assert doc is not None, "no results file: " + run.output[-3000:]
    cells = {k: c for k, c in cells_by_key(doc).items() if k[0] == fault.case_id}
    assert set(cells) == {(fault.case_id, m, "cpu") for m in fault.modes}, sorted(cells)
    for key, cell in sorted(cells.items()):
        assert cell["outcome"] == fault.outcome, (key, cell["outcome"], cell["reason"])
        if fault.reason is not None:
            assert re.search(fault.reason, cell["reason"] or ""), (key, cell["reason"])
        if fault.outcome in ("crash", "timeout"):  # one line that names the cause
            assert "\n" not in (cell["reason"] or "").strip(), (key, cell["reason"])
        if fault.check is not None:
            fault.check(cell)


PRINTER = """\
title: a thread that keeps printing after its cell ended
source: tests/reliability
modes: [v1, graph, eager, function]
devices: [cpu]
code: |
  import threading, time
  def spam():
      while True:
          print('%s')
          time.sleep(0.005)
  threading.Thread(target=spam, daemon=True).start()
  time.sleep(0.1)
""" % SPAM

AFTER = """\
title: prints its own line, after the printer
source: tests/reliability
modes: [v1, graph, eager, function]
devices: [cpu]
code: |
  import time
  print('mine')
  time.sleep(0.3)
"""


@pytest.mark.tf
def test_a_printing_thread_does_not_leak_into_other_cells_stdout(conformance_runner):
    p = conformance_runner
    cases = p.path / "cases"
    files = {"a/printer.yaml": PRINTER}
    files.update({"b/after-%d.yaml" % i: AFTER for i in range(4)})
    write_files(cases, files)
    out = p.path / "out.json"
    result, _ = run_cases(p, cases, out, "-n", "0")
    doc = load_results(out)
    after = [c for c in doc["cells"] if c["case"].startswith("b/")]
    assert len(after) == 16, [c["case"] for c in doc["cells"]]
    for cell in after:
        assert cell["outcome"] == "pass", cell
        stdout = cell["observed"]["stdout"]
        assert SPAM not in stdout, (cell["case"], cell["mode"], stdout[:200])
        assert stdout == "mine\n", (cell["case"], cell["mode"], stdout[:200])
    assert result.ret == 0

