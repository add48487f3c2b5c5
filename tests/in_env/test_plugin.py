"""The pytest plugin, driven through pytester (as pytest-xdist's acceptance tests do)."""
from __future__ import annotations

import json
import os
import re

import pytest
from casetexts import CAPTURED

TYPO = """
title: t
source: s
code: x = 1
expect:
  nmaes: {x: y}
"""


def test_collects_one_item_per_mode_and_device_with_ids(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/reuse/captured": CAPTURED.replace("devices: [cpu]", "")})
    result = p.runpytest("cases", "--collect-only", "-q", "--no-conformance-out")
    result.stdout.fnmatch_lines([
        "cases/reuse/captured.yaml::reuse/captured[[]v1-cpu[]]",
        "cases/reuse/captured.yaml::reuse/captured[[]v1-gpu[]]",
        "cases/reuse/captured.yaml::reuse/captured[[]graph-cpu[]]",
        "cases/reuse/captured.yaml::reuse/captured[[]graph-gpu[]]",
        "4 tests collected*",
    ])


def test_bad_file_is_a_collection_error_for_that_file_only(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/a/good": CAPTURED, "cases/a/typo": TYPO})
    result = p.runpytest("cases", "--collect-only", "-q", "--no-conformance-out")
    result.stdout.fnmatch_lines([
        "*cases/a/typo.yaml:5: expect.nmaes: unknown key 'nmaes' (did you mean 'names'?)*",
        "*2 tests collected, 1 error*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_duplicate_case_ids_are_reported(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"one/cases/x": CAPTURED, "two/cases/x": CAPTURED})
    result = p.runpytest("--case-root", "one/cases", "--case-root", "two/cases", "one/cases",
                         "two/cases", "--collect-only", "-q", "--no-conformance-out")
    result.stdout.fnmatch_lines(["*duplicate case id 'x' (also one/cases/x.yaml)*"])


def test_bad_command_line_option_is_a_usage_error(pytester_conformance):
    result = pytester_conformance.runpytest("--modes", "v1,eagre")
    result.stderr.fnmatch_lines(["*--modes: expected a comma-separated subset of "
                                 "v1,graph,eager,function, got 'v1,eagre'*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.tf
def test_results_file_written_once_with_observed_and_env(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/reuse/captured": CAPTURED, "cases/bad/typo": TYPO})
    result = p.runpytest("cases", "--conformance-out", "out.json", "--conformance-env", "e1")
    result.assert_outcomes(passed=2, errors=1)
    data = json.loads((p.path / "out.json").read_text())
    assert data["format_version"] == 3 and data["env"]["name"] == "e1"
    assert set(data["env"]["profiles"]) == {"v1-cpu", "tf2-cpu"}
    assert [c["outcome"] for c in data["cells"]] == ["pass", "pass"]
    cell = data["cells"][1]
    assert cell["case"] == "reuse/captured" and cell["mode"] == "v1"
    assert cell["observed"]["objects"]["v2"]["name"] == "my_scope/my_var:0"
    assert cell["observed"]["groups"] == [["v1", "v2"]]
    assert cell["observed"]["values"] == {"v2": [1.0]}
    assert data["errors"][0]["line"] == 5 and "nmaes" in data["errors"][0]["message"]


@pytest.mark.tf
def test_progress_file_counts_the_cells_recorded(pytester_conformance, monkeypatch):
    p = pytester_conformance
    (p.path / "progress").mkdir()
    monkeypatch.setenv("CONFORMANCE_PROGRESS", str(p.path / "progress"))
    p.makefile(".yaml", **{"cases/reuse/captured": CAPTURED})
    result = p.runpytest("cases", "--conformance-out", "out.json", "--conformance-env", "e1")
    result.assert_outcomes(passed=2)
    assert (p.path / "progress" / "e1").read_text() == "2\n"
    assert sorted(os.listdir(str(p.path / "progress"))) == ["e1"]


@pytest.mark.tf
def test_failing_cell_report_shows_expected_observed_location_and_repro(pytester_conformance):
    p = pytester_conformance
    wrong = CAPTURED.replace("v2: my_scope/my_var:0}", "v2: my_scope/my_var}").replace(
        "modes: [v1, graph]", "modes: [v1]")
    p.makefile(".yaml", **{"cases/reuse/wrong": wrong})
    result = p.runpytest("cases", "--no-conformance-out")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "cases/reuse/wrong.yaml:5: reuse/wrong [[]v1-cpu[]] FAIL",
        "*names.v2*my_scope/my_var *my_scope/my_var:0*",
        "*reproduce: python -m conformance run cases/reuse/wrong.yaml --modes v1 "
        "--devices cpu --no-out --show",
    ])


@pytest.mark.tf
def test_interrupted_run_keeps_the_earlier_complete_file(pytester_conformance):
    p = pytester_conformance
    wrong = CAPTURED.replace("v1: my_scope/my_var:0,", "v1: nope,")
    p.makefile(".yaml", **{"cases/a/good": CAPTURED, "cases/b/wrong": wrong})
    first = p.runpytest("cases/a", "--conformance-out", "out.json")
    first.assert_outcomes(passed=2)
    before = (p.path / "out.json").read_text()
    second = p.runpytest("cases", "-x", "-p", "no:randomly", "--conformance-out", "out.json")
    assert second.ret == 1
    assert (p.path / "out.json").read_text() == before
    partial = json.loads((p.path / "out.json.partial").read_text())
    assert any(c["outcome"] == "fail" for c in partial["cells"])


@pytest.mark.tf
def test_no_progress_drops_the_letters_but_keeps_failures_and_counts(pytester_conformance):
    p = pytester_conformance
    wrong = CAPTURED.replace("v2: my_scope/my_var:0}", "v2: my_scope/my_var}").replace(
        "modes: [v1, graph]", "modes: [v1]")
    p.makefile(".yaml", **{"cases/a/good": CAPTURED, "cases/b/wrong": wrong})
    loud = p.runpytest("cases", "-q", "-rf", "--no-conformance-out")
    quiet = p.runpytest("cases", "-q", "-rf", "--no-conformance-out", "--no-progress")
    for result in (loud, quiet):
        result.assert_outcomes(passed=2, failed=1)
        result.stdout.fnmatch_lines(["FAILED cases/b/wrong.yaml::b/wrong[[]v1-cpu[]]*"])
    letters = re.compile(r"^[.FEsxX]+ *(\[ *\d+%\])?$")  # a progress line: "..F  [100%]"
    assert any(letters.match(line) for line in loud.stdout.lines)
    assert not any(letters.match(line) for line in quiet.stdout.lines)


def test_show_prints_the_whole_observation():
    """./run cell (--show): every value in full, the whole error message and what the code
    printed; the same for a case with no expectations (its namespace's names)."""
    from conformance.pytest_plugin.failure_text import show
    from conformance.results.observed import Observed
    from conformance.results.record import CellRecord

    names = ["bert/encoder/layer_%d/attention/self/query/kernel" % i for i in range(12)]
    rec = CellRecord(case="c", file="c.yaml", line=1, title="t", tags=[], mode="v1",
                     device="cpu", repro="r", outcome="pass", observed=Observed.from_json({
                         "objects": {"v": {"type": "RefVariable", "name": "a/w:0"}},
                         "groups": [], "values": {}, "equals": {"names": names},
                         "error": {"type": "ValueError", "message": "first\nsecond"},
                         "stdout": "hello\n"}))
    text = show(rec)
    assert "..." not in text and "…" not in text
    assert '  observed equals: {"names": [%s]}' % ", ".join('"%s"' % n for n in names) in text
    assert "  observed error: ValueError: first\n    second" in text
    assert "  observed names: v=a/w:0" in text and "  printed: hello" in text
