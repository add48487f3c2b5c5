"""conformance.report and the matrix command: renderers of one Matrix, gold-file checked."""
from __future__ import annotations

import json
import os
import re

import pytest
from goldfile import check_gold
from rawfactory import XSS_TITLE, RawDir, big_scenario, cell, raw, scenario

import conformance.matrix.report as report
from conformance.cli import main as cli_main
from conformance.cli.matrix import main as matrix_main
from conformance.matrix.combine import combine
from conformance.matrix.report import (
    atomic_write,
    badges,
    behaviour,
    html,
    json_out,
    markdown,
    view,
    write_all,
)


@pytest.fixture
def gold_matrix(tmp_path, monkeypatch):
    """The scenario read through relative paths, so problems name "raw/..." everywhere."""
    monkeypatch.chdir(tmp_path)
    return combine(scenario("").paths)


def test_report_api_is_pinned():
    assert report.__all__ == ["atomic_write", "write_all"]


# -- gold files ------------------------------------------------------------------------

def test_markdown_gold(request, gold_matrix):
    check_gold(request, "matrix.md", markdown.render(gold_matrix))


def test_html_gold(request, gold_matrix):
    check_gold(request, "index.html", html.render(gold_matrix))


@pytest.mark.parametrize("name", ["tf-2.16-cpu", "tf-2.16-gpu", "tf-2.2-cpu", "tf-2.9-cpu",
                                  "cpu", "gpu", "overall"])
def test_badge_gold(request, gold_matrix, name):
    (badge,) = [b for b in view.badges(gold_matrix) if b.name == name]
    check_gold(request, "badges/%s.svg" % name, badges.svg(badge))


# -- model-level facts the renderers show ------------------------------------------------

def test_summary_keeps_unavailable_and_not_run_apart_from_fail(gold_matrix):
    counts = view.summary(gold_matrix)
    assert list(counts) == ["1.15/cpu", "1.15/gpu", "2.2/cpu", "2.9/cpu", "2.9/gpu",
                            "2.10/cpu", "2.10/gpu", "2.16/cpu", "2.16/gpu"]
    assert counts["2.16/gpu"]["unavailable"] == 6 and counts["2.16/gpu"]["fail"] == 0
    assert counts["2.2/cpu"]["not_run"] == 6 and counts["2.2/cpu"]["fail"] == 0
    assert counts["2.16/cpu"]["fail"] == 2 and counts["2.16/cpu"]["pass"] == 3
    assert counts["2.10/cpu"]["xpass"] == 1


def test_badges_colour_and_message(gold_matrix):
    got = {b.name: (b.label, b.message, b.color) for b in view.badges(gold_matrix)}
    assert got["tf-2.16-cpu"] == ("tf 2.16 cpu", "3/5", "red")
    assert got["tf-2.9-cpu"] == ("tf 2.9 cpu", "5/5", "brightgreen")  # xfail counts as ok
    assert got["tf-2.10-cpu"] == ("tf 2.10 cpu", "4/5", "red")  # xpass is a failure
    assert got["tf-2.16-gpu"] == ("tf 2.16 gpu", "unavailable", "lightgrey")
    assert got["tf-2.2-cpu"] == ("tf 2.2 cpu", "not run", "lightgrey")
    assert got["tf-2.9-gpu"] == ("tf 2.9 gpu", "no cells ran", "lightgrey")
    assert got["cpu"] == ("tf scope cpu", "17/20", "red")
    assert got["gpu"] == ("tf scope gpu", "not run", "lightgrey")
    assert got["overall"] == ("tf scope conformance", "cpu 17/20", "red")


def test_overall_badge_names_the_devices_that_ran_and_gpu_is_never_green_unrun(tmp_path):
    got = {b.name: (b.message, b.color) for b in view.badges(combine(big_scenario(
        tmp_path, n_cases=10).paths))}
    assert got["overall"] == ("cpu 893/900", "red")  # 10 x 23 x 4 - 20 skipped; 7 fail
    assert got["gpu"] == ("not run", "lightgrey")
    d = RawDir(tmp_path / "two")
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x")]))
    d.add(raw("tf2.9-gpu", "2.9", "gpu", cells=[cell("a/x", device="gpu")]))
    got = {b.name: (b.message, b.color) for b in view.badges(combine(d.paths))}
    assert got["overall"] == ("cpu 1/1 · gpu 1/1", "brightgreen")
    assert got["gpu"] == ("1/1", "brightgreen")


def test_repro_names_the_environment():
    from conformance.matrix import Cell
    old = Cell("pass", env="tf2.16-cpu", repro="python -m conformance run cases/a/x.yaml "
                                                "--modes eager --devices cpu --no-out --show")
    assert view.repro(old) == "./run cell tf2.16-cpu cases/a/x.yaml --modes eager --devices cpu"
    new = Cell("pass", env="tf2.9-cpu", repro="./run cell tf2.9-cpu cases/a/x.yaml --modes v1 "
                                              "--devices cpu")
    assert view.repro(new) == new.repro
    assert view.repro(Cell("pass", repro="python -m conformance run x")) == (
        "python -m conformance run x")


def test_explain_prefers_reason_then_first_mismatch():
    from conformance.matrix import Cell
    assert view.explain(Cell("fail", reason="boom\nmore")) == "boom"
    mm = [{"key": "names.v", "expected": "a:0", "observed": "a", "message": None}]
    assert view.explain(Cell("fail", mismatches=mm)) == "names.v: expected 'a:0', observed 'a'"
    mm[0]["message"] = "names.v: expected 'a:0', got 'a'"
    assert view.explain(Cell("fail", mismatches=mm)) == "names.v: expected 'a:0', got 'a'"
    assert view.explain(Cell("pass")) == ""


def test_badge_endpoint_json_and_svg_width_follow_text():
    short = view.Badge("x", "tf 2.9 cpu", "1/1", "brightgreen")
    wide = view.Badge("x", "tf 2.9 cpu", "1234/1234", "brightgreen")
    assert json.loads(badges.endpoint_json(short)) == {
        "schemaVersion": 1, "label": "tf 2.9 cpu", "message": "1/1", "color": "brightgreen"}
    width = lambda svg: int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))  # noqa: E731
    assert width(badges.svg(wide)) - width(badges.svg(short)) == 6 * badges.CHAR_WIDTH


def test_badge_text_is_escaped():
    svg = badges.svg(view.Badge("x", "a<b>&\"", "<script>", "red"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&lt;b&gt;&amp;&quot;" in svg


def test_matrix_json_shape(gold_matrix):
    doc = json.loads(json_out.render(gold_matrix))
    assert (doc["format"], doc["format_version"]) == ("conformance-matrix", 1)
    assert [c["key"] for c in doc["columns"]][:3] == ["1.15/cpu", "1.15/gpu", "2.2/cpu"]
    cells = doc["cases"]["naming/dense-kernel"]["cells"]
    assert list(cells)[:2] == ["1.15/v1/cpu", "1.15/eager/cpu"]
    fail = cells["2.16/eager/cpu"]
    assert fail["outcome"] == "fail" and fail["mismatches"][0]["observed"] == "dense/kernel"
    assert fail["change"] == ("changed in 2.16: layer.kernel: dense/kernel:0 → dense/kernel; "
                              "outcome: pass → fail")
    assert set(fail) >= {"outcome", "reason", "observed", "variant", "note", "repro", "mismatches"}
    assert cells["2.16/v1/gpu"]["outcome"] == "unavailable"
    assert doc["cases"]["seed/xss"]["title"] == XSS_TITLE
    assert doc["summary"]["2.16/gpu"]["unavailable"] == 6
    assert doc["problems"] == ["raw/zz-broken.json: unreadable JSON: Expecting property name "
                               "enclosed in double quotes: line 1 column 2 (char 1); skipped"]
    assert [c["tf_minor"] for c in doc["changes"]] == ["2.16", "2.16"]


# -- escaping ----------------------------------------------------------------------------

def test_markdown_escapes_text(gold_matrix):
    md = markdown.render(gold_matrix)
    assert "<script>" not in md
    assert markdown.text("a|b *c* [d](e) <f>") == r"a\|b \*c\* \[d\](e) &lt;f&gt;"


def test_html_embeds_data_inertly(gold_matrix):
    page = html.render(gold_matrix)
    assert XSS_TITLE not in page
    assert len(re.findall(r"<script\b", page)) == 2  # the JSON data and the page script
    data = re.search(r'<script type="application/json" id="matrix-data">(.*?)</script>',
                     page, re.S).group(1)
    assert "<" not in data and ">" not in data and "&" not in data
    doc = json.loads(data)
    (xss,) = [c for c in doc["cases"] if c["id"] == "seed/xss"]
    assert xss["title"] == XSS_TITLE
    # 1.15, 2.2 (not run: no cell), 2.9 (the xfail), 2.10 + 2.16: runs of [verdict, record, n]
    runs = xss["rows"]["v1/cpu"]["cells"]
    assert [n for _, _, n in runs] == [1, 1, 1, 2] and runs[1][1] == -1
    assert doc["verdicts"][runs[1][0]]["outcome"] == "not_run"
    assert doc["verdicts"][runs[2][0]]["note"] == "known bug <b>"


def test_page_data_stores_each_record_once_and_bands_say_what_changed(gold_matrix):
    doc = html.page_data(gold_matrix)
    assert (doc["format"], doc["format_version"]) == ("conformance-page", 1)
    records = [json.dumps(r, sort_keys=True) for r in doc["records"]]
    assert len(records) == len(set(records))
    assert not [r for r in doc["records"] if any(k.endswith("_seconds") for k in r)]
    (kernel,) = [c for c in doc["cases"] if c["id"] == "naming/dense-kernel"]
    eager = kernel["rows"]["eager/cpu"]
    # minors 1.15 2.2 2.9 2.10 2.16: 2.2 did not run, 2.9-2.10 as 1.15, 2.16 renamed
    assert [b[:5] for b in eager["bands"]] == [
        [0, 0, 0, "pass", ""], [1, 1, None, "not_run", ""], [2, 3, 0, "pass", ""],
        [4, 4, 1, "fail", "semantic"]]
    assert eager["bands"][0][6] == "layer.kernel: dense/kernel:0"
    assert eager["bands"][2][6] == "layer.kernel: dense/kernel:0"  # after the gap
    assert eager["bands"][3][6] == "layer.kernel: dense/kernel"
    assert behaviour.summary_line(gold_matrix.minors, [behaviour.Band(*b[:4], *b[4:]) for b in
                                                       eager["bands"]]) == (
        "≤ 1.15: layer.kernel: dense/kernel:0 | 2.9–2.10: layer.kernel: dense/kernel:0 | "
        "≥ 2.16: layer.kernel: dense/kernel")
    verdict = doc["verdicts"][eager["cells"][-1][0]]
    assert verdict["repro"] == ("./run cell @ENV@ cases/naming/dense-kernel.yaml "
                                "--modes eager --devices cpu")
    assert doc["envs"][doc["columns"][-2]["env"]] == "tf2.16-cpu"


def test_full_matrix_page_is_light(tmp_path):
    page = html.render(combine(big_scenario(tmp_path).paths))
    assert len(page.encode("utf-8")) <= 3_000_000 / 5  # the synthetic records are small


@pytest.mark.parametrize("name", ["page.js", "page_details.js"])
def test_page_script_never_uses_inner_html(name):
    with open(os.path.join(os.path.dirname(html.__file__), name), encoding="utf-8") as f:
        script = f.read()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script)
    assert len(script.splitlines()) <= 400


# -- size --------------------------------------------------------------------------------

def test_full_size_markdown_fits_a_pr_comment_with_one_row_per_version(tmp_path):
    m = combine(big_scenario(tmp_path).paths)
    md = markdown.render(m)
    assert len(md) <= 60_000
    rows = [line for line in md.splitlines() if re.match(r"\| [12]\.\d+ \|", line)]
    assert [r.split(" | ")[0][2:] for r in rows] == [
        "1.15"] + ["2.%d" % i for i in range(22)]
    assert rows[0] == "| 1.15 | 1.15.1 | 600 ✅ | unavailable |"
    assert md.count("no GPU visible") == 1  # said once, under the table
    assert "gpu: unavailable: no GPU visible (23 TF versions)." in md
    assert "## Behaviour changes (60 semantic, 0 wording)" in md
    assert "### 2.14 → 2.15 (60)" in md
    # identical changes across cases share a line: 15 cases x 3 modes, 15 x eager
    (names,) = [ln for ln in md.splitlines() if ln.startswith("- v: s/v:0 → s/v — ")]
    assert names.count("(v1, graph, function)") == 15
    assert "](index.html)" in md
    failures = [ln for ln in md.splitlines() if ln.startswith("- ❌ ")]
    assert len(failures) == 15 and failures[0].count("/eager/cpu") == 7  # every failure


# -- writing -----------------------------------------------------------------------------

def test_write_all_writes_every_artefact_and_removes_stale_badges(tmp_path, gold_matrix):
    out = tmp_path / "out"
    (out / "badges").mkdir(parents=True)
    (out / "badges" / "tf-0.9-cpu.svg").write_text("old")
    (out / "badges" / "custom.svg").write_text("not ours")
    written = write_all(gold_matrix, str(out))
    names = sorted(os.path.relpath(p, str(out)) for p in written)
    assert names[:5] == ["badges/cpu.json", "badges/cpu.svg", "badges/gpu.json",
                         "badges/gpu.svg", "badges/overall.json"]
    assert {"matrix.json", "matrix.md", "index.html", "badges/tf-2.16-gpu.svg"} <= set(names)
    assert sorted(os.listdir(str(out / "badges"))) == sorted(
        ["custom.svg"] + [n[len("badges/"):] for n in names if n.startswith("badges/")])
    assert not [n for n in os.listdir(str(out)) if n.endswith(".tmp")]
    assert os.stat(str(out / "matrix.md")).st_mode & 0o044  # readable by others (umask 022)
    endpoint = json.loads((out / "badges" / "tf-2.16-cpu.json").read_text())
    assert endpoint == {"schemaVersion": 1, "label": "tf 2.16 cpu", "message": "3/5",
                        "color": "red"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")
def test_atomic_write_keeps_the_old_file_when_replacing_fails(tmp_path, monkeypatch):
    target = tmp_path / "matrix.md"
    target.write_text("old report")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        atomic_write(str(target), "new report")
    assert target.read_text() == "old report"
    assert os.listdir(str(tmp_path)) == ["matrix.md"]


# -- python -m conformance matrix ----------------------------------------------------------

def test_matrix_command_writes_and_summarises(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario("")
    assert matrix_main(["--raw", "raw", "--out", "reports"]) == 0
    out, err = capsys.readouterr()
    assert "wrote 27 files to reports" in out  # 3 + 2 x (9 columns + cpu, gpu, overall)
    assert "  gpu: unavailable: no GPU visible (TF 2.16)" in out
    assert "tf 2.16  cpu 3 pass, 2 fail" in out
    assert "tf 2.9   gpu no gpu environment; 1 skip" in out
    assert err.splitlines() == [
        "problem: raw/zz-broken.json: unreadable JSON: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1); skipped",
        "case file did not load: cases/bad/typo.yaml:7: expect: unknown key 'nmaes' "
        "(did you mean 'names'?)",
    ]
    assert (tmp_path / "reports" / "index.html").exists()


def test_matrix_command_says_a_shared_reason_once(tmp_path, capsys):
    big_scenario(tmp_path, n_cases=3)
    assert matrix_main(["--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(set(lines))
    assert "  gpu: unavailable: no GPU visible (23 TF versions)" in lines
    assert len([ln for ln in lines if " cpu " in ln]) == 23


def test_matrix_strict_fails_on_failed_cells_and_lists_them(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario("")
    assert matrix_main(["--raw", "raw", "--out", "reports", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert ("FAIL naming/dense-kernel 2.16/eager/cpu: layer.kernel: expected name "
            "'dense/kernel:0', observed 'dense/kernel'") in out
    assert "XPASS reuse/reenter 2.10/v1/cpu: TF bug 12345 is fixed here" in out
    assert "FAIL reuse/reenter 2.16/graph/cpu: ValueError: Variable v already exists" in out
    assert "strict: 3 failed cells, 1 problems, 1 case files not loaded" in err


def test_matrix_strict_passes_when_only_unavailable_and_not_run(tmp_path, capsys):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x"), cell("a/y", outcome="xfail")]))
    d.add(raw("tf2.9-gpu", "2.9", "gpu", status="unavailable", reason="no GPU visible"))
    d.add(raw("tf2.2-cpu", "2.2", status="not_run", reason="skipped by --only"))
    assert matrix_main(["--raw", d.dir, "--out", str(tmp_path / "o"), "--strict"]) == 0
    assert capsys.readouterr().err == ""


def test_matrix_strict_limits_the_listing(tmp_path, capsys):
    d = RawDir(tmp_path)
    d.add(raw("tf2.9-cpu", "2.9", cells=[cell("a/x%02d" % i, outcome="fail") for i in range(60)]))
    assert matrix_main(["--raw", d.dir, "--out", str(tmp_path / "o"), "--strict"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len([x for x in lines if x.startswith("FAIL ")]) == 50
    assert lines[-1] == "... and 10 more"


def test_matrix_command_user_errors_are_one_line(tmp_path, capsys):
    assert matrix_main(["--raw", str(tmp_path / "missing")]) == 2
    assert matrix_main(["--raw", str(tmp_path)]) == 1
    assert cli_main(["matrix", "--bogus"]) == 2  # argparse's exit: the dispatcher's to turn into 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "missing: not a directory" in err
    assert "no *.json result files in %s" % tmp_path in err
    assert "unrecognized arguments: --bogus" in err
