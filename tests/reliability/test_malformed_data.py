"""Host tools on malformed data (issue 17, part 3): one line, never a hang or a traceback.

Each entry of a table is a bad input beside good ones; the test asserts the one line that
names it and that the rest of the run went on (the good cells combined, the reports
written, the diff printed). ``matrix`` and ``diff`` run in this process where a traceback
would fail the test, and as a bounded subprocess where the bug was a hang.
"""
from __future__ import annotations

import copy
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import time

import pytest
from rawfactory import RawDir, cell, raw
from rhelpers import ROOT, RunTooLong, pytest_command, pytest_env, write_files, write_good

from conformance.case.load import load_case
from conformance.cli import main
from conformance.errors import CaseError
from conformance.matrix.combine import combine
from conformance.results import raw as raw_format

BOUND = 60.0  # seconds: a hang fails one test
LIMIT = getattr(raw_format, "MAX_BYTES", 256 << 20)  # the largest file read

GOOD = [cell("a/one", "v1", names={"v": "s/v:0"}), cell("a/two", "eager", names={"v": "s/v"}),
        cell("b/three", "graph", names={"w": "w:0"})]


def good_doc(name="tf2.15-cpu", minor="2.15", cells=GOOD):
    return raw(name, minor, cells=copy.deepcopy(cells))


def run_cli(*args, bound=BOUND):
    """``python -m conformance ARGS`` as a subprocess, stopped after ``bound`` seconds."""
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "conformance"] + [str(a) for a in args],
                              cwd=str(ROOT), env=pytest_env(), capture_output=True, text=True,
                              errors="replace", timeout=bound)
    except subprocess.TimeoutExpired:
        raise RunTooLong("python -m conformance %s took longer than %gs" % (
            " ".join(map(str, args)), bound)) from None
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started


def cli(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def problems(err):
    return [line for line in err.splitlines() if line.startswith("problem: ")]


def no_traceback(*texts):
    for text in texts:
        assert "Traceback" not in text, text[-2000:]


# ------------------------------------------------- files in a raw folder that are not files

def _fifo(path):
    os.mkfifo(path)


def _dev_zero(path):
    os.symlink("/dev/zero", path)


def _directory(path):
    os.mkdir(path)


def _over_the_limit(path):  # sparse: costs no disk
    with open(path, "wb") as f:
        f.truncate(LIMIT + 1)


SPECIAL = [
    ("fifo", _fifo, "a FIFO, not a regular file"),
    ("link-to-dev-zero", _dev_zero, "a character device, not a regular file"),
    ("directory", _directory, "a directory, not a regular file"),
    ("over-the-size-limit", _over_the_limit, "larger than %d MB" % (LIMIT >> 20)),
]


@pytest.mark.parametrize("make,why", [s[1:] for s in SPECIAL], ids=[s[0] for s in SPECIAL])
def test_matrix_skips_what_is_not_a_regular_file(tmp_path, make, why):
    d = RawDir(tmp_path)
    d.add(good_doc())
    make(os.path.join(d.dir, "tf2.16-cpu.json"))
    status, out, err, _ = run_cli("matrix", "--raw", d.dir, "--out", tmp_path / "out")
    no_traceback(out, err)
    assert status == 0, err
    assert len(problems(err)) == 1, err
    line = problems(err)[0]
    assert line.startswith("problem: %s: " % os.path.join(d.dir, "tf2.16-cpu.json"))
    assert why in line and line.endswith("; skipped")
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text(encoding="utf-8"))
    assert sorted(doc["cases"]) == ["a/one", "a/two", "b/three"]
    assert (tmp_path / "out" / "index.html").exists() and (tmp_path / "out" / "matrix.md").exists()


@pytest.mark.parametrize("make,why", [s[1:] for s in SPECIAL], ids=[s[0] for s in SPECIAL])
def test_diff_against_what_is_not_a_regular_file_exits_2(tmp_path, make, why):
    old = RawDir(tmp_path, "old")
    old.add(good_doc())
    new = RawDir(tmp_path, "new")
    new.add(good_doc())
    make(os.path.join(new.dir, "tf2.16-cpu.json"))
    status, out, err, _ = run_cli("diff", old.dir, new.dir)
    no_traceback(out, err)
    assert status == 2, (out, err)
    assert len(problems(err)) == 1 and why in problems(err)[0]
    assert "3 cells compared" in out  # the readable file was still compared


# ----------------------------------------------------------- wrongly typed fields

def _set(path, value):
    def change(rec):
        target = rec
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


TYPED = [  # (id, change to the second cell, the key the line names)
    ("objects-a-list", _set(("observed", "objects"), [1, 2]), "observed.objects"),
    ("groups-an-int", _set(("observed", "groups"), 3), "observed.groups"),
    ("equals-a-list", _set(("observed", "equals"), [1]), "observed.equals"),
    ("error-a-string", _set(("observed", "error"), "boom"), "observed.error"),
    ("object-name-a-list", _set(("observed", "objects", "v"), {"name": ["x"]}),
     "observed.objects.v.name"),
    ("tags-an-int", _set(("tags",), 3), "tags"),
    ("repro-an-int", _set(("repro",), 3), "repro"),
    ("mismatches-an-object", _set(("mismatches",), {"key": "x"}), "mismatches"),
]


@pytest.mark.parametrize("change,key", [t[1:] for t in TYPED], ids=[t[0] for t in TYPED])
def test_matrix_skips_a_cell_with_a_wrongly_typed_field(tmp_path, capsys, change, key):
    cells = copy.deepcopy(GOOD)
    change(cells[1])
    d = RawDir(tmp_path)
    path = d.add(good_doc(cells=cells))
    status, out, err = cli(capsys, "matrix", "--raw", d.dir, "--out", tmp_path / "out")
    assert status == 0, err
    assert len(problems(err)) == 1, err
    assert problems(err)[0].startswith("problem: %s: cells[1]: %s: " % (path, key))
    assert problems(err)[0].endswith("; cell skipped")
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text(encoding="utf-8"))
    assert sorted(doc["cases"]) == ["a/one", "b/three"]  # the rest was combined ...
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "b/three" in html  # ... and the whole report written


@pytest.mark.parametrize("change,key", [t[1:] for t in TYPED], ids=[t[0] for t in TYPED])
def test_diff_of_a_wrongly_typed_cell_says_so_and_exits_2(tmp_path, capsys, change, key):
    cells = copy.deepcopy(GOOD)
    change(cells[1])
    old = RawDir(tmp_path, "old").add(good_doc())
    new = RawDir(tmp_path, "new").add(good_doc(cells=cells))
    status, out, err = cli(capsys, "diff", old, new)
    assert status == 2, (out, err)
    assert len(problems(err)) == 1 and "cells[1]: %s: " % key in problems(err)[0]
    assert "2 cells compared" in out


MATRIX_CELLS = [  # (id, change to matrix.json's "cases", what the line says)
    ("cell-a-string", lambda cases: cases["a/one"]["cells"].__setitem__("2.15/v1/cpu", "x"),
     "cases.a/one.cells.2.15/v1/cpu: expected an object, found str"),
    ("key-without-slashes", lambda cases: cases["a/one"]["cells"].__setitem__(
        "2.15-v1-cpu", cases["a/one"]["cells"].pop("2.15/v1/cpu")),
     "cases.a/one.cells.2.15-v1-cpu: expected a key <tf_minor>/<mode>/<device>"),
    ("cells-an-int", lambda cases: cases["a/one"].__setitem__("cells", 1),
     "cases.a/one: expected an object with cells"),
    ("groups-an-int", lambda cases: cases["a/one"]["cells"]["2.15/v1/cpu"]["observed"]
     .__setitem__("groups", 1), "observed.groups: 1 is not of type 'array'"),
    ("repro-an-int", lambda cases: cases["a/one"]["cells"]["2.15/v1/cpu"]
     .__setitem__("repro", 7), "repro: 7 is not of type"),
]


@pytest.mark.parametrize("change,says", [t[1:] for t in MATRIX_CELLS],
                         ids=[t[0] for t in MATRIX_CELLS])
def test_diff_of_a_bad_matrix_json_cell_says_so_and_exits_2(tmp_path, capsys, change, says):
    d = RawDir(tmp_path)
    d.add(good_doc())
    assert cli(capsys, "matrix", "--raw", d.dir, "--out", tmp_path / "out")[0] == 0
    matrix = tmp_path / "out" / "matrix.json"
    doc = json.loads(matrix.read_text(encoding="utf-8"))
    change(doc["cases"])
    bad = tmp_path / "bad-matrix.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    status, out, err = cli(capsys, "diff", matrix, bad)
    assert status == 2, (out, err)
    assert len(problems(err)) == 1 and says in problems(err)[0], err
    assert "2 cells compared" in out


# ------------------------------------------------------------------- given twice

def test_the_same_cell_twice_in_one_file_is_reported(tmp_path, capsys):
    d = RawDir(tmp_path)
    again = dict(copy.deepcopy(GOOD[0]), outcome="fail")
    path = d.add(good_doc(cells=GOOD + [again]))
    status, out, err = cli(capsys, "matrix", "--raw", d.dir, "--out", tmp_path / "out")
    assert status == 0
    assert problems(err) == ["problem: %s: cells[3]: the same cell as cells[0] (a/one v1/cpu); "
                             "the first kept; cell skipped" % path]
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text(encoding="utf-8"))
    assert doc["cases"]["a/one"]["cells"]["2.15/v1/cpu"]["outcome"] == "pass"
    assert len(doc["cases"]) == 3


def test_a_top_level_key_twice_refuses_the_file(tmp_path, capsys):
    d = RawDir(tmp_path)
    d.add(good_doc("tf2.16-cpu", "2.16"))
    text = json.dumps(good_doc())
    # a second "cells" key after the first: JSON would silently keep only the empty one
    twice = d.write_text("tf2.15-cpu.json", text[:-1] + ', "cells": []}')
    status, out, err = cli(capsys, "matrix", "--raw", d.dir, "--out", tmp_path / "out")
    assert status == 0
    assert problems(err) == ["problem: %s: (top level): duplicate key 'cells' (JSON keeps only "
                             "the last); skipped" % twice]
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text(encoding="utf-8"))
    assert [c["key"] for c in doc["columns"]] == ["2.16/cpu"]


def test_a_key_twice_in_a_cell_costs_that_cell(tmp_path, capsys):
    d = RawDir(tmp_path)
    text = json.dumps(good_doc())
    first = text.index('"outcome": "pass"')  # the first cell's outcome, given twice
    path = d.write_text("tf2.15-cpu.json", text[:first] + '"outcome": "fail", ' + text[first:])
    status, out, err = cli(capsys, "matrix", "--raw", d.dir, "--out", tmp_path / "out")
    assert status == 0
    assert problems(err) == ["problem: %s: cells[0]: duplicate key 'outcome' (JSON keeps only "
                             "the last); cell skipped" % path]
    doc = json.loads((tmp_path / "out" / "matrix.json").read_text(encoding="utf-8"))
    assert sorted(doc["cases"]) == ["a/two", "b/three"]


# --------------------------------------------------- diff: an unreadable side is exit 2

@pytest.mark.parametrize("side", ["new", "old"])
def test_diff_exits_2_when_a_side_cannot_be_read_in_full(tmp_path, capsys, side):
    """Before: the unreadable file's cells were "removed" (or "added"), exit 0."""
    dirs = {s: RawDir(tmp_path, s) for s in ("old", "new")}
    for s in dirs:
        dirs[s].add(good_doc())
        dirs[s].add(good_doc("tf2.16-cpu", "2.16"))
    broken = dirs[side].write_text("tf2.16-cpu.json", '{"format": "conformance-raw", "form')
    status, out, err = cli(capsys, "diff", dirs["old"].dir, dirs["new"].dir)
    assert status == 2, (out, err)
    assert len(problems(err)) == 1 and problems(err)[0].startswith("problem: %s: " % broken)
    assert "the comparison is incomplete, exit status 2" in err
    assert ("3 removed" if side == "new" else "3 added") in out  # the diff is still shown
    status, out, err = cli(capsys, "diff", dirs["old"].dir, dirs["new"].dir, "--format", "json")
    assert status == 2 and json.loads(out)["status"] == 2


# -------------------------------------------------------------- plugin options

def _pytest(cwd, *args):
    proc = subprocess.run(pytest_command(*args), cwd=str(cwd), env=pytest_env(),
                          capture_output=True, text=True, errors="replace", timeout=BOUND)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "0", "-1", "-inf", "soon"])
def test_cell_timeout_outside_its_range_is_a_usage_error(tmp_path, value):
    write_good(tmp_path / "cases")
    status, output = _pytest(tmp_path, "--case-root", tmp_path / "cases", tmp_path / "cases",
                             "--cell-timeout=" + value, "--collect-only", "-q",
                             "-p", "no:cacheprovider", "--no-conformance-out")
    assert status == 4, output
    assert "argument --cell-timeout: expected seconds in (0, 3600], got %r" % value in output
    no_traceback(output)


def test_cell_timeout_in_range_is_taken(tmp_path):
    write_good(tmp_path / "cases")
    status, output = _pytest(tmp_path, "--case-root", tmp_path / "cases", tmp_path / "cases",
                             "--cell-timeout=2.5", "--collect-only", "-q",
                             "-p", "no:cacheprovider", "--no-conformance-out")
    assert status == 0 and "2 tests collected" in output, output


@pytest.mark.parametrize("what", ["missing", "a-file"])
def test_case_root_that_is_not_a_directory_says_so(tmp_path, what):
    root = tmp_path / "nonexistent"
    if what == "a-file":
        root.write_text("", encoding="utf-8")
    status, output = _pytest(tmp_path, "--case-root", root, "-q", "-p", "no:cacheprovider")
    assert status == 4, output
    says = "no such directory" if what == "missing" else "not a directory"
    assert "--case-root %s: %s (expected a directory of case files)" % (root, says) in output
    no_traceback(output)


# ------------------------------------------------- terminal escapes and bidi controls

NASTY = [("esc", "\x1b[2J", "\\x1b[2J"), ("bel", "\x07", "\\x07"), ("rlo", "\u202e", "\\u202e")]


def _nasty_set(tmp_path, char):
    case = "x/evil%scase" % char
    bad = cell(case, "v1", outcome="fail", names={"v": "v:0"}, error="ValueError: bad%sthing"
               % char, reason="reason%shere" % char)
    d = RawDir(tmp_path)
    d.add(good_doc(cells=GOOD + [bad]))
    d.add(good_doc("tf2.16-cpu", "2.16", cells=GOOD + [dict(bad, outcome="pass", reason=None)]))
    return d


@pytest.mark.parametrize("char,shown", [n[1:] for n in NASTY], ids=[n[0] for n in NASTY])
def test_control_characters_are_escaped_visibly_everywhere(tmp_path, capsys, char, shown):
    d = _nasty_set(tmp_path, char)
    status, out, err = cli(capsys, "matrix", "--raw", d.dir, "--out", tmp_path / "out",
                           "--strict")
    assert status == 1  # the failing cell: the run went on to the end
    terminal = out + err
    assert char not in terminal and "x/evil%scase" % shown in terminal
    assert "reason%shere" % shown in terminal
    md = (tmp_path / "out" / "matrix.md").read_text(encoding="utf-8")
    assert char not in md and "`x/evil%scase`" % shown in md
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="matrix-data">(.*?)'
                                r'</script>', page, re.S).group(1))
    text = json.dumps(data, ensure_ascii=False)
    assert char not in text
    ids = [c["id"] for c in data["cases"]]
    assert "x/evil%scase" % shown in ids  # shown as the escape, e.g. \x1b
    assert "bad%sthing" % shown in [(r.get("error") or {}).get("message")
                                    for r in data["records"]]
    assert any(v["reason"] == "reason%shere" % shown for v in data["verdicts"])
    status, out, err = cli(capsys, "diff", d.paths[0], d.paths[1])
    assert char not in out + err and "x/evil%scase" % shown in out


# --------------------------------------------------------------- the variant bomb

def test_a_file_too_large_without_aliases_names_what_is_too_large(tmp_path):
    from casetexts import CAPTURED

    variants = "".join("  - when: {tf: '>=2.%d'}\n    expect: {names: {v1: 'a/v:0'}}\n" % i
                       for i in range(10000))
    write_files(tmp_path, {"x.yaml": CAPTURED.lstrip("\n") + "variants:\n" + variants})
    with pytest.raises(CaseError) as info:
        load_case(str(tmp_path / "x.yaml"), str(tmp_path))
    message = str(info.value)
    assert "\n" not in message
    assert re.match(r".*x\.yaml:\d+: variants: too large: a list of 10000 entries, more than "
                    r"100000 values", message), message
    assert "alias" not in message


# --------------------------------------------------- the real data still reads cleanly

FIXTURES = sorted(glob.glob(os.path.join(str(ROOT), "tests", "fixtures",
                                         "raw-full-matrix-*.tar.xz")))


@pytest.mark.skipif(not FIXTURES, reason="no tests/fixtures/raw-full-matrix-*.tar.xz")
def test_the_real_full_matrix_validates_combines_and_diffs(tmp_path, capsys):
    with tarfile.open(FIXTURES[-1]) as tar:
        tar.extractall(str(tmp_path))
    paths = sorted(glob.glob(str(tmp_path / "raw" / "*.json")))
    assert len(paths) >= 23
    for path in paths:
        doc = raw_format.read(path)
        assert [raw_format.cell_problem(c) for c in doc["cells"] if raw_format.cell_problem(c)
                ] == [], path
    m = combine(paths)
    assert m.problems == [] and len(m.cells) > 40000
    status, out, err = cli(capsys, "diff", tmp_path / "raw" / "tf2.15-cpu.json",
                           tmp_path / "raw" / "tf2.16-cpu.json")
    assert status in (0, 1) and problems(err) == [] and "cells compared" in out


# ------------------------------------------------------ the same in a run's own output

ESCAPING_CASE = """\
title: an error message with terminal escapes
modes: [v1]
devices: [cpu]
code: |
  raise ValueError("bad\\x1b[2J\\x07\\u202ething")
expect:
  names: {v: v:0}
"""


@pytest.mark.tf
def test_a_run_shows_an_error_message_with_escapes_escaped(conformance_runner, tmp_path):
    from rhelpers import run_cases

    cases = conformance_runner.path / "cases"
    write_good(cases)
    write_files(cases, {"evil/message.yaml": ESCAPING_CASE})
    result, _ = run_cases(conformance_runner, cases, tmp_path / "out.json", "-n", "0",
                          "--show")
    out = result.stdout.str() + result.stderr.str()
    assert result.parseoutcomes().get("passed") == 2, out[-3000:]  # the good cells ran
    assert result.parseoutcomes().get("failed") == 1, out[-3000:]
    for char in ("\x1b", "\x07", "\u202e"):
        assert char not in out
    assert "ValueError: bad\\x1b[2J\\x07\\u202ething" in out
