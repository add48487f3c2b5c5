"""``record --write`` never loses, corrupts or replaces the wrong file, and never writes
code: a file's BOM, line endings and hand-wrapped lists are kept; a symlink is written
through; a read-only file, or one that changed since it was read, is left alone with one
line (the other files go on); only identifiers the case's own code binds are recorded,
whatever a raw file claims was observed (issues 17 and 18)."""
from __future__ import annotations

import os
import stat

import pytest
from rawfactory import RawDir, cell, raw

from conformance.case.load import load_case
from conformance.cli import main
from conformance.matrix import record as recorder

pytest.importorskip("ruamel.yaml")

CASE = "title: t\nsource: s\ncode: |\n  v = tf.Variable(1.0, name='v')\n  w = v\n" \
       "expect:\n  names: {v: v:0}\n"


def _raw(tmp_path, objects=None, groups=None, case="a/x", **kw):
    """Two TF versions whose eager cells observed ``objects`` {expr: (name, ref)}."""
    d = RawDir(tmp_path)
    for minor in ("2.8", "2.9"):
        c = cell(case, "eager", **kw)
        if objects is not None:
            c["observed"]["objects"] = {e: {"type": "ResourceVariable", "name": n, "ref": r}
                                        for e, (n, r) in objects.items()}
            c["observed"]["groups"] = groups or []
        d.add(raw("tf%s-cpu" % minor, minor, cells=[c]))
    return d.dir


def _case(tmp_path, text, case="a/x", data=None):
    path = tmp_path / "cases" / (case + ".yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if data is not None else text.encode("utf-8"))
    return path


def _record(capsys, *args):
    status = main(["record", *map(str, args)])
    out = capsys.readouterr()
    return status, out.out, out.err


NEW_NAME = {"v": ("s/v:0", 0), "w": ("s/v:0", 0)}


def test_crlf_and_bom_are_kept(tmp_path, capsys):
    data = b"\xef\xbb\xbf" + CASE.replace("\n", "\r\n").encode("utf-8")
    path = _case(tmp_path, None, data=data)
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, NEW_NAME), "--write",
                               "--update-failing", path)
    assert status == 0 and "written" in out, out + err
    written = path.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf") and not written.startswith(b"\xef\xbb\xbf" * 2)
    assert written.count(b"\r\n") == written.count(b"\n") == data.count(b"\n")
    assert b"names: {v: s/v:0}\r\n" in written
    assert load_case(str(path), str(tmp_path / "cases")).expect.names == {"v": "s/v:0"}


def test_a_symlink_is_written_through_to_its_target(tmp_path, capsys):
    target = tmp_path / "elsewhere" / "x.yaml"
    target.parent.mkdir()
    target.write_text(CASE)
    link = tmp_path / "cases" / "a" / "x.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, NEW_NAME), "--write",
                               "--update-failing", link)
    assert status == 0 and "written" in out, out + err
    assert link.is_symlink() and os.readlink(str(link)) == str(target)
    assert "names: {v: s/v:0}" in target.read_text()


def test_a_read_only_file_is_refused_and_the_others_are_written(tmp_path, capsys):
    d = RawDir(tmp_path)  # a/x and a/y
    for minor in ("2.8", "2.9"):
        doc = raw("tf%s-cpu" % minor, minor, cells=[cell("a/y", "eager", names={"v": "y:0"})])
        doc["cells"] = [cell("a/x", "eager")] + doc["cells"]
        doc["cells"][0]["observed"]["objects"] = {
            e: {"type": "ResourceVariable", "name": n, "ref": r} for e, (n, r) in
            NEW_NAME.items()}
        d.add(doc)
    read_only = _case(tmp_path, CASE)
    other = _case(tmp_path, CASE.replace("  w = v\n", ""), case="a/y")
    read_only.chmod(0o444)
    try:
        status, out, err = _record(capsys, "--raw", d.dir, "--write", "--update-failing",
                                   read_only, other)
        assert read_only.read_text() == CASE  # root too: the permission bits are the word
        assert stat.S_IMODE(read_only.stat().st_mode) == 0o444
    finally:
        read_only.chmod(0o644)
    assert status == 1, out + err
    assert err.strip().splitlines() == ["%s: not written: read-only; make it writable to let "
                                        "record write it" % read_only], err
    assert "names: {v: y:0}" in other.read_text()  # the next file was still written
    assert "Traceback" not in out + err


def test_a_file_changed_since_it_was_read_is_refused(tmp_path, capsys, monkeypatch):
    path = _case(tmp_path, CASE)
    real = recorder.record

    def record_while_someone_edits(case, case_id, m):
        with open(str(path), "a") as f:  # an editor saves while record runs
            f.write("# edited meanwhile\n")
        return real(case, case_id, m)

    monkeypatch.setattr(recorder, "record", record_while_someone_edits)
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, NEW_NAME), "--write",
                               "--update-failing", path)
    assert status == 1
    assert err.strip() == "%s: not written: changed since it was read; run record again" \
        % path, err
    assert path.read_text() == CASE + "# edited meanwhile\n"  # the edit survives


BAD_EXPRS = ["__import__('os').system('touch PWNED')", "v.assign(0)", "x[0]", "tf",
             "__builtins__", "lambda: 0", "w\nimport os", "u"]


@pytest.mark.parametrize("expr", BAD_EXPRS)
def test_record_never_writes_an_expression_from_a_raw_file(tmp_path, capsys, expr):
    """A case that checks no names yet records what its code bound; a crafted raw file's
    observed record names an expression (``u``: an identifier the code does not bind)."""
    code_case = "title: t\nsource: s\ncode: |\n  v = tf.Variable(1.0, name='v')\n  w = v\n"
    path = _case(tmp_path, code_case)
    objects = {"v": ("v:0", 0), "w": ("v:0", 0), expr: ("evil:0", 0)}
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, objects, [["v", "w", expr]]),
                               "--write", path)
    assert status == 0 and "written" in out, out + err
    case = load_case(str(path), str(tmp_path / "cases"))
    assert case.expect.names == {"v": "v:0", "w": "v:0"}  # the code's own names recorded
    assert case.expect.same == [["v", "w"]]
    assert "evil" not in path.read_text() and "PWNED" not in path.read_text()


def test_bound_names_are_the_code_s_top_level_identifiers():
    code = ("import os.path as p, sys\nfrom x import y as z\na, (b, *c) = 1, (2, 3)\n"
            "for i in []: pass\nwith open('f') as fh: pass\ndef f(q): r = 1\nclass K: s = 1\n"
            "try:\n    pass\nexcept E as e:\n    pass\n[t for t in ()]\nd[0] = 1\nd.attr = 2\n")
    assert recorder.bound_names(code) == {"p", "sys", "z", "a", "b", "c", "i", "fh", "f",
                                          "K", "e"}
    assert recorder.bound_names("this is not python") == set()


WRAPPED = """\
title: t
source: s
code: |
  v = tf.Variable(1.0, name='v')
  w = v
  u = tf.Variable(2.0, name='u')
expect:
  names: {v: old}
  same: [[v,
          w]]
  distinct: [
    [v, u],   # a comment in the list
  ]
"""


def test_a_hand_wrapped_list_stays_wrapped(tmp_path, capsys):
    path = _case(tmp_path, WRAPPED)
    objects = {"v": ("v:0", 0), "w": ("v:0", 0), "u": ("u:0", 1)}
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, objects), "--write",
                               "--update-failing", path)
    assert status == 0 and "written" in out, out + err
    assert path.read_text() == WRAPPED.replace("{v: old}", "{v: v:0}")


def test_a_hand_wrapped_mapping_stays_wrapped_when_another_key_changes(tmp_path, capsys):
    text = WRAPPED.replace("  names: {v: old}\n", "  names: {v: v:0,\n          w: v:0}\n"
                           )
    path = _case(tmp_path, text)
    objects = {"v": ("v:0", 0), "w": ("v:0", 0), "u": ("u:0", 0)}
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, objects), "--write",
                               "--update-failing", path)
    assert status == 0 and "written" in out, out + err
    # distinct [v, u] fails (one object now): recorded anew; names kept as wrapped
    assert "  names: {v: v:0,\n          w: v:0}\n" in path.read_text()
    assert "distinct" not in path.read_text()
    assert load_case(str(path), str(tmp_path / "cases")).expect.same == [["v", "w"], ["v", "u"]]


def test_a_case_with_no_expect_is_recorded_without_update_failing(tmp_path, capsys):
    text = "title: t\nsource: s\ncode: raise ValueError('boom')\n"
    path = _case(tmp_path, text)
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, error="ValueError: boom"),
                               "--write", path)
    assert status == 0 and "written" in out and "not applied" not in out, out + err
    assert load_case(str(path), str(tmp_path / "cases")).expect.error == {
        "type": "ValueError"}
    # an existing (empty) expect is an expectation: it still needs --update-failing
    text = "title: t\nsource: s\ncode: raise ValueError('boom')\nexpect: {}\n"
    path.write_text(text)
    status, out, err = _record(capsys, "--raw", _raw(tmp_path, error="ValueError: boom"),
                               "--write", path)
    assert status == 1 and "not applied" in out and path.read_text() == text
