"""Bad case files: each is reported, line by line, while the good case beside them runs.

One opt-in run of the plugin over a cases dir holding every fixture of ``badinputs.BAD``
(each in a folder of its own) and the good case ``casetexts.CAPTURED`` (one run: a run per
fixture cost a TF import each, ~30 minutes for the table). The contract:
- exit status 1, never 3 (INTERNALERROR), within RUN_BOUND seconds;
- the good case's two cells pass (pytest's counts and the results file);
- each problem is one output line ``<path>:<line>: <key>: <message>`` (``<path>:<line>:
  <message>`` for a whole-file problem), and there is no other problem line for the file
  and no traceback;
- the results file's ``errors`` list has one entry per problem with ``file``, ``line``,
  ``key`` ("" for a whole-file problem) and ``message``, none holding a newline.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from badinputs import BAD, Bad
from rhelpers import (
    CAPTURED,
    RUN_BOUND,
    load_results,
    problem_lines,
    run_cases,
    run_pytest,
    write_files,
    write_good,
)


def build(fixture: Bad, cases_dir) -> None:
    cases_dir.mkdir(parents=True, exist_ok=True)
    if callable(fixture.files):
        fixture.files(cases_dir)
        return
    files = {rel: (CAPTURED.lstrip("\n") if text is None else text)
             for rel, text in fixture.files.items()}
    write_files(cases_dir, files)


def key_matches(expected, key: str) -> bool:
    if isinstance(expected, re.Pattern):
        return expected.fullmatch(key) is not None
    return key == expected


def printed(expected_key, message_regex: str, text: str) -> bool:
    """``text`` is what follows ``<path>:<line>: `` on an output line."""
    if expected_key == "":
        return re.search(message_regex, text) is not None
    if isinstance(expected_key, re.Pattern):
        m = re.match("(?:%s): (.*)$" % expected_key.pattern, text)
    else:
        m = re.match("%s: (.*)$" % re.escape(expected_key), text)
    return m is not None and re.search(message_regex, m.group(1)) is not None


def error_file_matches(entry_file: str, cases_dir, rel: str) -> bool:
    f = PurePosixPath(str(entry_file).replace("\\", "/"))
    return str(f) == str(cases_dir / rel) or str(f).endswith(
        "%s/%s/%s" % (cases_dir.parent.name, cases_dir.name, rel))


def test_the_table_is_big_enough():
    assert len(BAD) >= 55
    assert sum(len(b.problems) for b in BAD) >= len(BAD)
    assert any(len(b.problems) >= 2 for b in BAD)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Every fixture under cases/<name>/, the good case beside them, one run."""
    top = tmp_path_factory.mktemp("bad-inputs")
    cases_dir = top / "cases"
    write_good(cases_dir)
    for fixture in BAD:
        build(fixture, cases_dir / fixture.name)
        if fixture.name == "duplicate-case-id-yml-beside-yaml":
            write_good(cases_dir / fixture.name)  # the .yaml the .yml duplicates
    out_json = top / "out.json"
    run = run_pytest(top, "--case-root", cases_dir, cases_dir, "--conformance-out", out_json,
                     "-p", "no:cacheprovider", bound=RUN_BOUND)
    return run, cases_dir, load_results(out_json)


@pytest.mark.tf
def test_the_run_with_every_bad_file_completes_and_the_good_case_passes(batch):
    run, _, doc = batch
    output = run.output
    assert run.seconds < RUN_BOUND
    assert run.returncode == 1, (run.returncode, output[-3000:])  # not 3, not 0
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output, output[-3000:]
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
    # the good case, and its copy beside the .yml that duplicates it: 2 cells each
    assert run.outcomes().get("passed") == 4 and not failed, (run.outcomes(), failed)
    good = [c for c in doc["cells"] if c["case"] == "good/captured"]
    assert sorted(c["mode"] for c in good) == ["graph", "v1"]
    assert all(c["outcome"] == "pass" for c in good), good
    # nothing but the fixtures' problems is reported
    assert len(doc["errors"]) == sum(len(b.problems) for b in BAD), doc["errors"]


@pytest.mark.tf
@pytest.mark.parametrize("fixture", BAD, ids=[b.name for b in BAD])
def test_bad_input_is_reported_on_its_lines(batch, fixture):
    run, cases_root, doc = batch
    output = run.output
    cases_dir = cases_root / fixture.name
    for rel in sorted({prob.rel for prob in fixture.problems}):
        expected = [prob for prob in fixture.problems if prob.rel == rel]
        lines = problem_lines(output, cases_dir, rel)
        # one output line per problem, no more
        assert len(lines) == len(expected), (rel, lines)
        for prob in expected:
            hits = [text for line, text in lines
                    if line == prob.line and printed(prob.key, prob.message, text)]
            assert hits, ("no line '%s:%d: %s: /%s/'" % (rel, prob.line, prob.key,
                                                         prob.message), lines)

        entries = [e for e in doc["errors"] if error_file_matches(e.get("file"), cases_dir, rel)]
        assert len(entries) == len(expected), (rel, doc["errors"])
        for entry in entries:
            assert {"file", "line", "key", "message"} <= set(entry), entry
            assert "\n" not in entry["message"] and "\n" not in entry["key"], entry
        for prob in expected:
            assert any(e["line"] == prob.line and key_matches(prob.key, e["key"])
                       and re.search(prob.message, e["message"]) for e in entries), (
                prob, entries)


MERGED = """\
title: A merge key brings in the shared expectation
source: TF variable_scope_test.py testVarScopeObjectReuse
modes: [v1, graph]
devices: [cpu]
code: |
  with tf.variable_scope("my_scope") as scope:
      v1 = tf.get_variable("my_var", shape=[1], initializer=tf.constant_initializer(1.0))
  with tf.variable_scope(scope, reuse=True):
      v2 = tf.get_variable("my_var")
expect: &base
  names: {v1: my_scope/my_var:0, v2: my_scope/my_var:0}
  same: [[v1, v2]]
variants:
  - when: {modes: [graph]}
    expect:
      <<: *base
      values: {v2: [1.0]}
"""


@pytest.mark.tf
def test_merge_keys_work(conformance_runner):
    """`<<: *base` is plain YAML 1.1 (SafeLoader merges it): a case using it is valid."""
    p = conformance_runner
    cases_dir = p.path / "cases"
    write_files(cases_dir, {"merge/base.yaml": MERGED})
    write_good(cases_dir)
    out_json = p.path / "out.json"
    result, _ = run_cases(p, cases_dir, out_json)
    doc = load_results(out_json)
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert doc["errors"] == []
    cells = {(c["case"], c["mode"]): c for c in doc["cells"]}
    graph = cells[("merge/base", "graph")]
    assert graph["outcome"] == "pass" and graph["variant"] == 0
    assert graph["expect"]["names"] == {"v1": "my_scope/my_var:0", "v2": "my_scope/my_var:0"}
    assert graph["expect"]["values"] == {"v2": [1.0]}
    assert cells[("merge/base", "v1")]["outcome"] == "pass"
    assert result.parseoutcomes().get("passed") == 4
