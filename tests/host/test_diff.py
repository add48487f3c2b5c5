"""``python -m conformance diff OLD NEW``: synthetic result sets, output and exit codes."""
from __future__ import annotations

import json

import pytest
from rawfactory import RawDir, big_scenario, cell, raw

from conformance.cli import main
from conformance.matrix.combine import combine
from conformance.matrix.report import json_out


def _sets(tmp_path, old_cells, new_cells, minors=("2.15", "2.15"), **top):
    old = RawDir(tmp_path, "old").add(raw("tf%s-cpu" % minors[0], minors[0], cells=old_cells,
                                          **top))
    new = RawDir(tmp_path, "new").add(raw("tf%s-cpu" % minors[1], minors[1], cells=new_cells,
                                          **top))
    return old, new


def _load(path):
    with open(str(path), encoding="utf-8") as f:
        return json.load(f)


def _diff(capsys, *args):
    status = main(["diff", *args])
    out, err = capsys.readouterr()
    return status, out, err


BASE = [cell("a/one", "v1", names={"v": "s/v:0"}), cell("a/two", "eager", names={"v": "s/v"}),
        cell("b/known", "graph", outcome="xfail", names={"v": "x:0"})]


def test_the_same_results_are_no_difference(tmp_path, capsys):
    old, new = _sets(tmp_path, BASE, BASE)
    status, out, _ = _diff(capsys, old, new, "--fail-on", "changed")
    assert status == 0 and "no differences" in out and "3 cells compared" in out
    status, out, _ = _diff(capsys, old, new, "--format", "md")
    assert status == 0 and out.startswith("## Conformance diff: no differences\n")
    assert "Full list" not in out


@pytest.mark.parametrize("before, after, status", [
    ("pass", "fail", 1), ("pass", "error", 1), ("pass", "crash", 1), ("pass", "timeout", 1),
    ("xfail", "xpass", 1), ("xfail", "fail", 1),
    # not worse: already failing, or no longer run
    ("fail", "error", 0), ("fail", "pass", 0), ("pass", "skip", 0), ("pass", "xfail", 0),
])
def test_exit_1_only_when_a_cell_got_worse(tmp_path, capsys, before, after, status):
    old, new = _sets(tmp_path, [cell("a/one", outcome=before, names={"v": "s/v:0"})],
                     [cell("a/one", outcome=after, names={"v": "s/v:0"})])
    got, out, _ = _diff(capsys, old, new)
    assert got == status, out
    assert "a/one  2.15/v1/cpu  %s → %s" % (before, after) in out
    assert out.count("WORSE:") == status


def test_a_name_change_is_semantic_and_worse_when_it_fails(tmp_path, capsys):
    new_cells = [cell("a/one", "v1", names={"v": "s/v"}, outcome="fail"), BASE[1],
                 cell("b/known", "graph", outcome="xfail", names={"v": "y:0"})]
    old, new = _sets(tmp_path, BASE, new_cells)
    status, out, _ = _diff(capsys, old, new)
    assert status == 1
    assert "WORSE: v: s/v:0 → s/v; outcome: pass → fail — 1 cell (TF 2.15)" in out
    assert "SEMANTIC: v: x:0 → y:0 — 1 cell" in out
    assert out.index("WORSE") < out.index("SEMANTIC")


def test_fail_on_levels(tmp_path, capsys):
    wording = [cell("a/one", error="ValueError: it is meaningless")]
    reworded = [cell("a/one", error="ValueError: it is undefined")]
    old, new = _sets(tmp_path, wording, reworded)
    assert _diff(capsys, old, new)[0] == 0
    assert _diff(capsys, old, new, "--fail-on", "semantic")[0] == 0
    status, out, _ = _diff(capsys, old, new, "--fail-on", "changed")
    assert status == 1 and "WORDING: ValueError message 'it is meaningless' → " in out
    renamed = [cell("a/one", error="TypeError: it is meaningless")]
    old, new = _sets(tmp_path, wording, renamed)
    assert _diff(capsys, old, new)[0] == 0
    assert _diff(capsys, old, new, "--fail-on", "semantic")[0] == 1


def test_uid_counters_are_no_difference(tmp_path, capsys):
    old, new = _sets(tmp_path, [cell("a/one", error="FailedPreconditionError: r/w_1027 gone")],
                     [cell("a/one", error="FailedPreconditionError: r/w_1024 gone")])
    assert _diff(capsys, old, new, "--fail-on", "changed")[0] == 0


def test_format_1_files_and_a_matrix_json_still_diff(tmp_path, capsys):
    old, new = _sets(tmp_path, BASE, [cell("a/one", names={"v": "s/v"}, outcome="fail")],
                     format_version=1)
    assert _load(old)["format_version"] == 1
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json_out.render(combine([old])))
    for a in (old, str(matrix), str(tmp_path / "old")):
        status, out, _ = _diff(capsys, a, new, "--format", "json")
        data = json.loads(out)
        assert status == 1 and data["counts"]["worse"] == 1 and data["counts"]["removed"] == 2
        assert data["groups"][0]["cells"][0] == {"case": "a/one", "tf_minor": "2.15",
                                                 "mode": "v1", "device": "cpu",
                                                 "before": "pass", "after": "fail"}


def test_single_versions_are_matched_across_tf_versions(tmp_path, capsys):
    old, new = _sets(tmp_path, BASE, BASE[:2] + [cell("b/known", "graph", outcome="xpass")],
                     minors=("2.15", "2.16"))
    status, out, _ = _diff(capsys, old, new)
    assert status == 1 and "matched across TF versions: 2.15 → 2.16" in out
    assert "b/known  2.16/graph/cpu  xfail → xpass" in out


@pytest.mark.parametrize("args", [["nowhere.json", "x"], ["--format", "html", "a", "b"],
                                  ["only-one"]])
def test_usage_errors_exit_2(tmp_path, capsys, args):
    assert _diff(capsys, *args)[0] == 2


def test_a_file_that_is_not_results_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    status, _, err = _diff(capsys, str(bad), str(bad))
    assert status == 2 and "bad.json: cannot read as JSON" in err


def test_markdown_fits_a_pull_request_comment(tmp_path, capsys):
    old = big_scenario(tmp_path / "old", n_cases=30).dir
    new = RawDir(tmp_path, "new")
    for doc_path in sorted((tmp_path / "old" / "raw").glob("*.json")):
        doc = _load(doc_path)
        for i, c in enumerate(doc["cells"]):
            if c["outcome"] == "pass":
                c["outcome"] = "fail" if i % 2 else "error"
                c["observed"]["objects"]["v"]["name"] = "n%d/v:0" % i
        new.add(doc)
    status, out, err = _diff(capsys, old, new.dir, "--format", "md")
    assert status == 1 and len(out) <= 60000
    assert out.startswith("## Conformance diff: ")
    assert "more groups not shown" in out and "Full list: `python -m conformance diff " in out
    status, text, _ = _diff(capsys, old, new.dir)
    cells = [line for line in text.splitlines() if line.startswith("  ")]
    assert len(text) > 60000 and sum("pass → " in line for line in cells) == json.loads(
        _diff(capsys, old, new.dir, "--format", "json")[1])["counts"]["worse"]


# -- failures are never hidden behind "no differences" ---------------------------------

FAILING_BOTH = [cell("a/one", "v1", names={"v": "s/v:0"}),
                cell("a/two", "v1", outcome="fail", error="ModuleNotFoundError: No module "
                     "named 'modeling'\nmore"),
                cell("a/three", "v1", outcome="error", names={"v": "x:0"},
                     reason="executor error: TF failed to import")]


def test_cells_failing_on_both_sides_are_counted_and_listed(tmp_path, capsys):
    old, new = _sets(tmp_path, FAILING_BOTH, FAILING_BOTH, minors=("2.15", "2.16"))
    status, out, _ = _diff(capsys, old, new)
    assert status == 0  # nothing got worse
    lines = out.splitlines()
    assert lines[0].endswith("(3 cells, TF 2.15): 1 error, 1 fail, 1 pass")
    assert lines[1].endswith("(3 cells, TF 2.16): 1 error, 1 fail, 1 pass")
    assert "3 cells compared: 0 worse" in out and "; 2 failing on both sides" in out
    assert "FAILING ON BOTH SIDES — 2 cells" in out
    assert ("  a/two  2.16/v1/cpu  fail → fail: ModuleNotFoundError: No module named "
            "'modeling'") in lines
    assert "  a/three  2.16/v1/cpu  error → error: executor error: TF failed to import" in lines
    assert lines[-1] == ("no differences between the two sides, but 2 cells fail on both "
                         "(listed above)")
    status, out, _ = _diff(capsys, old, new, "--format", "md")
    assert "### Failing on both sides (2 cells)" in out and "`a/two` 2.16/v1/cpu" in out
    status, out, _ = _diff(capsys, old, new, "--format", "json")
    doc = json.loads(out)
    assert doc["new"]["outcomes"] == {"error": 1, "fail": 1, "pass": 1}
    assert [c["case"] for c in doc["failing_both"]] == ["a/three", "a/two"]


def test_fail_on_failing_exits_1_when_any_new_cell_fails(tmp_path, capsys):
    old, new = _sets(tmp_path, FAILING_BOTH, FAILING_BOTH)
    assert _diff(capsys, old, new, "--fail-on", "failing")[0] == 1
    passing = [FAILING_BOTH[0]]
    old, new = _sets(tmp_path / "p", FAILING_BOTH[1:] + passing, passing)
    # every failing cell is gone from NEW (removed): nothing fails there
    assert _diff(capsys, old, new, "--fail-on", "failing")[0] == 0
