"""Files the tools must never replace, corrupt or lose (issue 17): ``--conformance-out``
that is not a regular file is refused with one line; a write that fails keeps the results
in $TMPDIR, or says in one line that they are lost, and never truncates the file there; a
subset run over a results file it cannot read whole leaves it byte for byte and writes
beside it; ``reports/history.jsonl`` never gets an entry glued onto a torn last line.

No test here touches the machine's files: a FIFO and a device node are made in tmp_path;
/dev/null is only named in a --collect-only run (refused before anything is written, and
a run that collects only never writes); the failed write is a file-size limit
(RLIMIT_FSIZE) on the run's own process, or a fault injected into it, never a full disk.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest
from rawfactory import scenario
from rhelpers import (
    GOOD_CELLS,
    GOOD_ID,
    RUN_BOUND,
    Run,
    cells_by_key,
    load_results,
    pytest_command,
    pytest_env,
    run_pytest,
    write_good,
)

from conformance.cli import matrix as matrix_cli
from conformance.matrix import history


def _run(tmp_path, out, *extra, env=None):
    """The good case's two cells, results to ``out``."""
    cases = tmp_path / "cases"
    if not cases.exists():
        write_good(cases)
    args = (cases, "--case-root", cases, "--conformance-out", out, "-p", "no:cacheprovider",
            *extra)
    if env is None:
        return run_pytest(tmp_path, *args, bound=RUN_BOUND)
    proc = subprocess.run(pytest_command(*args), cwd=str(tmp_path), env=dict(
        pytest_env(), **env), capture_output=True, text=True, errors="replace",
        timeout=RUN_BOUND)
    return Run(proc.returncode, proc.stdout, proc.stderr, 0.0)


def _no_traceback(run):
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output, \
        run.output[-4000:]


def _conformance_lines(run):
    return [line for line in run.stdout.splitlines() if line.startswith("conformance: ")]


# ------------------------------------------------------------------ not a regular file


def test_a_fifo_as_conformance_out_is_refused_with_one_line(tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(str(fifo))
    run = _run(tmp_path, fifo)
    assert run.returncode == 4, run.output[-3000:]  # a usage error, before any cell ran
    assert "ERROR: --conformance-out %s: not a regular file (a FIFO); give the path of a " \
        "results file" % fifo in run.stderr.splitlines(), run.stderr
    _no_traceback(run)
    assert stat.S_ISFIFO(os.stat(str(fifo)).st_mode)  # not replaced by a regular file
    assert sorted(os.listdir(str(tmp_path))) == ["cases", "out.json"]


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device node needs root")
def test_a_device_node_as_conformance_out_is_refused_and_left_a_device(tmp_path):
    """/dev/null's twin, made in tmp_path: without the refusal a run as root replaced it."""
    node = tmp_path / "null"
    os.mknod(str(node), stat.S_IFCHR | 0o666, os.makedev(1, 3))
    run = _run(tmp_path, node)
    assert run.returncode == 4, run.output[-3000:]
    assert "not a regular file (a character device)" in run.stderr, run.stderr
    _no_traceback(run)
    assert stat.S_ISCHR(os.stat(str(node)).st_mode)


def test_dev_null_is_refused(tmp_path):
    before = os.stat("/dev/null")
    # --collect-only: a run that collects only never writes, so /dev/null is safe even
    # where the refusal were missing (the test then fails on the exit status)
    run = _run(tmp_path, "/dev/null", "--collect-only", "-q")
    assert run.returncode == 4, run.output[-3000:]
    assert "ERROR: --conformance-out /dev/null: not a regular file (a character device); " \
        "give the path of a results file" in run.stderr.splitlines(), run.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def test_a_symlink_to_dev_null_is_refused(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to("/dev/null")
    run = _run(tmp_path, link, "--collect-only", "-q")
    assert run.returncode == 4, run.output[-3000:]
    assert "not a regular file (a character device)" in run.stderr, run.stderr
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


# ------------------------------------------------------------------ a write that fails


# ``ulimit -f`` on the pytest process as it writes: set when the session finishes, so
# that it holds for the results file and its copy but not for the executor processes
# (under a whole-run limit, Python itself leaves truncated .pyc files in the bytecode
# cache, and the next run's executors fail to start: that is Python's, not the file's).
FSIZE_PLUGIN = """
import resource
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish():
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
"""


def test_a_write_over_the_file_size_limit_says_the_results_are_lost_in_one_line(tmp_path):
    """Every file the run writes is cut at the limit, the copy in $TMPDIR too. The run
    still ends normally: one line, exit status 1, and the file that was there is left
    whole (never truncated to the limit)."""
    out = tmp_path / "out.json"
    old = json.dumps({"format": "conformance-raw", "note": "an earlier run"}) + "\n"
    out.write_text(old)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    (tmp_path / "fsize_limit.py").write_text(FSIZE_PLUGIN)
    run = _run(tmp_path, out, "-p", "fsize_limit", env={"TMPDIR": str(tmp)})
    _no_traceback(run)
    assert "2 passed" in run.stdout, run.output[-3000:]  # every cell ran
    assert run.returncode == 1, run.output[-3000:]
    assert _conformance_lines(run) == [
        "conformance: cannot write %s (File too large), nor a copy in %s (File too large): "
        "the results of this run are lost (2 pass)" % (out, tmp)], run.stdout[-3000:]
    assert out.read_text() == old
    assert os.listdir(str(tmp)) == []  # no empty or cut copy left behind
    assert sorted(n for n in os.listdir(str(tmp_path)) if n.startswith("out")) == [
        "out.json"]  # nor beside it


ENOSPC_PLUGIN = '''
import errno
from conformance.results import writer

_real = writer.write_text

def _full_disk(path, text, durable=True):
    if path.startswith(%r):
        raise OSError(errno.ENOSPC, "No space left on device")
    return _real(path, text, durable)

writer.write_text = _full_disk
'''


def test_a_full_disk_keeps_the_results_in_tmpdir_and_says_where(tmp_path):
    """The results' disk is full (ENOSPC for files under reports/), $TMPDIR is not."""
    reports = tmp_path / "reports"
    out = reports / "out.json"
    (tmp_path / "full_disk.py").write_text(ENOSPC_PLUGIN % str(reports))
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    run = _run(tmp_path, out, "-p", "full_disk", env={"TMPDIR": str(tmp)})
    _no_traceback(run)
    assert "2 passed" in run.stdout and run.returncode == 1, run.output[-3000:]
    [kept] = os.listdir(str(tmp))
    assert kept.startswith("conformance-") and kept.endswith(".json")
    assert _conformance_lines(run) == [
        "conformance: wrote %s (2 pass); cannot write %s (No space left on device); kept "
        "in %s" % (tmp / kept, out, tmp / kept)], run.stdout[-3000:]
    doc = load_results(tmp / kept)
    assert doc["status"] == "complete" and set(cells_by_key(doc)) == GOOD_CELLS
    assert not out.exists()


# ------------------------------------------------------------------ subset runs


@pytest.fixture(scope="module")
def complete_results(tmp_path_factory):
    """The bytes of a complete results file of the good case, from a real run."""
    tmp = tmp_path_factory.mktemp("complete")
    run = _run(tmp, tmp / "out.json")
    assert run.returncode == 0, run.output[-3000:]
    return (tmp / "out.json").read_bytes()


def _newer(doc):
    doc["format_version"] = 99
    return json.dumps(doc, indent=1), "format_version 99 is newer than supported (3)"


def _extra_field(doc):
    doc["signed_off_by"] = "a later version of the tools"
    return json.dumps(doc, indent=1), "a field this version does not know: signed_off_by"


def _non_object_cell(doc):
    doc["cells"].append(42)
    return json.dumps(doc, indent=1), "cells.2: expected an object, found int"


def _torn(doc):
    text = json.dumps(doc, indent=1)
    return text[: len(text) // 2], "unreadable JSON: "


@pytest.mark.parametrize("spoil", [_newer, _extra_field, _non_object_cell, _torn],
                         ids=["newer-format", "extra-field", "non-object-cell", "torn"])
def test_a_subset_run_never_rewrites_a_file_it_cannot_read_whole(tmp_path, complete_results,
                                                                 spoil):
    out = tmp_path / "out.json"
    text, why = spoil(json.loads(complete_results.decode("utf-8")))
    out.write_text(text)
    run = _run(tmp_path, out, "-k", "v1")
    _no_traceback(run)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.output[-3000:]
    assert out.read_text() == text  # byte for byte
    partial = load_results(tmp_path / "out.json.partial")
    assert partial["status"] == "partial"
    assert set(cells_by_key(partial)) == {(GOOD_ID, "v1", "cpu")}
    [line] = _conformance_lines(run)
    prefix = "conformance: wrote %s.partial (1 pass); cannot merge into out.json (%s" % (
        out, why)
    assert line.startswith(prefix) and line.endswith("): kept beside it"), line


# ------------------------------------------------------------------ history.jsonl


def _matrix(tmp_path, path):
    status = matrix_cli.main(["--raw", scenario(tmp_path).dir, "--out",
                              str(tmp_path / "reports"), "--history", str(path)])
    assert status in (0, 1)


def test_history_entry_is_never_glued_onto_a_torn_last_line(tmp_path, capsys):
    path = tmp_path / "reports" / "history.jsonl"
    _matrix(tmp_path, path)
    with open(str(path), "a") as f:
        f.write('{"time": "torn')  # a run killed mid-write
    _matrix(tmp_path, path)
    lines = path.read_text().split("\n")
    assert lines[1] == '{"time": "torn' and lines[-1] == ""
    assert len(history.read(str(path))) == 2  # the new entry is read; the torn one skipped
    assert (tmp_path / "reports" / "matrix.md").exists() or os.listdir(
        str(tmp_path / "reports"))


def test_history_entry_after_an_unterminated_good_line_keeps_both(tmp_path, capsys):
    path = tmp_path / "reports" / "history.jsonl"
    _matrix(tmp_path, path)
    path.write_text(path.read_text().rstrip("\n"))  # an editor saved it without the newline
    _matrix(tmp_path, path)
    entries = history.read(str(path))
    assert len(entries) == 2 and entries[0]["counts"] == entries[1]["counts"]
    assert path.read_text().endswith("}\n") and path.read_text().count("\n") == 2


@pytest.mark.timeout(60)  # opening a FIFO to append blocks until a reader comes
def test_history_that_is_a_fifo_is_refused_with_one_line(tmp_path, capsys):
    fifo = tmp_path / "history.jsonl"
    os.mkfifo(str(fifo))
    status = matrix_cli.main(["--raw", scenario(tmp_path).dir, "--out",
                              str(tmp_path / "reports"), "--history", str(fifo)])
    err = capsys.readouterr().err
    assert status == 1
    assert "matrix: cannot write to %s: not a regular file: a FIFO" % fifo in \
        err.splitlines(), err
    assert stat.S_ISFIFO(os.stat(str(fifo)).st_mode)
    assert (tmp_path / "reports" / "matrix.json").exists()  # the reports were written
