"""Real TensorFlow: producer/consumer cases (docs/checkpoints.md). A pair's verdict is its
own: the same alone, after a faulty producer, with the producer's directory read-only, and
whatever another consumer wrote; a producer that left nothing is a pair's skip or error,
never the end of the run."""
from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

pytestmark = pytest.mark.tf

SAVER = """
title: a Saver checkpoint restores by name
source: tf.compat.v1.train.Saver
modes: [v1]
produce: |
  with tf.variable_scope("model"):
      w = tf.get_variable("w", [2], initializer=tf.constant_initializer([1.0, 2.0]))
  with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      tf.train.Saver().save(sess, artifact("model.ckpt"))
  publish(prefix="model.ckpt")
consume: |
  with tf.variable_scope("model"):
      w = tf.get_variable("w", [2], initializer=tf.zeros_initializer())
  with tf.Session() as sess:
      tf.train.Saver().restore(sess, artifact(produced["prefix"]))
      w_value = sess.run(w)
expect:
  values: {w_value: [1.0, 2.0]}
"""

# A consumer that deletes what it read: the next consumer of the same artifact (both modes
# read the v1 producer's) must still find it.
GREEDY = SAVER.replace("title: a Saver checkpoint restores by name",
                       "title: a consumer that deletes the artifact it read").replace(
    "modes: [v1]\n", "modes: [v1, graph]\nproduce_modes: [v1]\n").replace(
    "      w_value = sess.run(w)\n",
    "      w_value = sess.run(w)\n"
    "  for name in tf.io.gfile.listdir(artifact('.').rstrip('.')):\n"
    "      tf.io.gfile.remove(artifact(name))\n")

# Its produce step raises on purpose, as a variant says: the pairs skip.
REFUSED = """
title: a produce step that raises what its variant expects
source: test
modes: [v1]
produce: |
  raise ValueError("this TF refuses to write it")
consume: |
  x = 1
expect:
  equals: {x: 1}
variants:
  - when: {tf: ">=1"}
    step: produce
    expect:
      error: {type: ValueError, match: "refuses to write"}
"""

BROKEN = REFUSED.replace("variants:", "unused_variants:").split("unused_variants:")[0]

# The expectation differs by producer: chosen per pair.
BY_PRODUCER = SAVER.replace("expect:\n  values: {w_value: [1.0, 2.0]}\n", """expect:
  values: {w_value: [1.0, 2.0]}
variants:
  - when: {producer_tf: "<2"}
    expect:
      values: {w_value: [9.0, 9.0]}
""")


def run(p, *args):
    return p.runpytest_subprocess("cases", "-n", "0", "--conformance-env", "here", *args,
                                  timeout=300)


def cells(p, name="out.json"):
    return json.loads((p.path / name).read_text())["cells"]


def test_a_pair_case_runs_as_its_own_producer_without_options(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER})
    result = run(p, "--conformance-out", "out.json")
    result.assert_outcomes(passed=1)
    (rec,) = cells(p)
    assert (rec["step"], rec["producer"], rec["mode"], rec["device"]) == (
        "consume", "here", "v1", "cpu")
    assert rec["producer_tf"] and rec["producer_tf_minor"] == ".".join(
        rec["producer_tf"].split(".")[:2])
    assert rec["observed"]["values"]["w_value"] == [1.0, 2.0]
    # the pair a TF makes with itself carries what it wrote: the keys show renames
    assert rec["observed"]["artifact"]["keys"] == {"model.ckpt": [["model/w", [2]]]}


def test_a_wrong_value_fails_the_pair(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER.replace("[1.0, 2.0]}", "[1.0, 3.0]}")})
    run(p, "--conformance-out", "out.json").assert_outcomes(failed=1)


def produce(p, art, env="here", *extra):
    return p.runpytest_subprocess("cases", "-n", "0", "--conformance-env", env,
                                  "--steps", "produce", "--artifacts-out", str(art / env),
                                  "--conformance-out", str(art / (env + ".json")), *extra,
                                  timeout=300)


def test_produce_writes_the_artifact_and_its_manifest_last(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER, "cases/plain": CAPTURED_PLAIN})
    art = p.path / "art"
    produce(p, art).assert_outcomes(passed=1)  # the plain case does not run
    manifest = json.loads((art / "here/ckpt/saver/v1.manifest.json").read_text())
    assert manifest["outcome"] == "pass" and manifest["published"] == {"prefix": "model.ckpt"}
    assert manifest["artifact"]["keys"] == {"model.ckpt": [["model/w", [2]]]}
    assert manifest["artifact"]["bytes"] == sum(
        f.stat().st_size for f in (art / "here/ckpt/saver/v1").iterdir())
    doc = json.loads((art / "here.json").read_text())
    (rec,) = doc["cells"]
    assert rec["step"] == "produce" and "producer" not in rec
    assert doc["status"] == "partial"  # the produce step alone is not the environment's run


CAPTURED_PLAIN = """
title: plain
source: test
modes: [v1]
devices: [cpu]
code: |
  x = 1
expect:
  equals: {x: 1}
"""


def grid(p, art, *extra, out="out.json"):
    return p.runpytest_subprocess("cases", "-n", "0", "--conformance-env", "consumer",
                                  "--artifacts-from", str(art), "--conformance-out", out,
                                  *extra, timeout=300)


def test_each_producer_is_a_pair_and_the_variant_is_chosen_by_producer_tf(
        pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": BY_PRODUCER})
    art = p.path / "art"
    produce(p, art, "new").assert_outcomes(passed=1)
    shutil.copytree(str(art / "new"), str(art / "old"))
    path = art / "old/ckpt/saver/v1.manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps(dict(manifest, tf="1.15.5", tf_minor="1.15")))
    result = grid(p, art)
    result.assert_outcomes(passed=1, failed=1)  # "old" is said to be 1.15: 9.0 expected
    by = {c["producer"]: c for c in cells(p)}
    assert by["new"]["outcome"] == "pass" and by["new"]["variant"] is None
    assert by["old"]["outcome"] == "fail" and by["old"]["variant"] == 0
    assert by["old"]["producer_tf"] == "1.15.5" and by["old"]["producer_tf_minor"] == "1.15"


def test_a_consumer_that_deletes_the_artifact_changes_no_other_pair(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/greedy": GREEDY})
    art = p.path / "art"
    produce(p, art, "a").assert_outcomes(passed=1)
    before = sorted(os.listdir(str(art / "a/ckpt/greedy/v1")))
    grid(p, art).assert_outcomes(passed=2)
    assert [(c["mode"], c["outcome"]) for c in cells(p)] == [("graph", "pass"), ("v1", "pass")]
    assert sorted(os.listdir(str(art / "a/ckpt/greedy/v1"))) == before  # its copy went


def test_a_read_only_producer_directory_gives_the_same_verdict(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/greedy": GREEDY})  # it writes into its copy
    art = p.path / "art"
    produce(p, art, "a").assert_outcomes(passed=1)
    grid(p, art, out="writable.json").assert_outcomes(passed=2)
    for root, dirs, files in os.walk(str(art)):
        for name in dirs + files:
            path = os.path.join(root, name)
            os.chmod(path, os.stat(path).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        grid(p, art, out="readonly.json").assert_outcomes(passed=2)
    finally:
        for root, dirs, files in os.walk(str(art)):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755)
    strip = lambda c: (c["outcome"], c["observed"]["values"], c["producer"])  # noqa: E731
    assert [strip(c) for c in cells(p, "writable.json")] == [
        strip(c) for c in cells(p, "readonly.json")]


def test_producers_that_left_nothing_are_skips_or_errors_and_the_run_goes_on(
        pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER, "cases/ckpt/refused": REFUSED,
                           "cases/ckpt/broken": BROKEN})
    art = p.path / "art"
    result = produce(p, art, "good")
    result.assert_outcomes(passed=2, failed=1)  # broken's produce step raised unexpectedly
    (art / "gone").mkdir()
    (art / "gone/status.json").write_text(json.dumps(
        {"status": "unavailable", "reason": "needs Python 3.7: not found"}))
    shutil.copytree(str(art / "good"), str(art / "torn"))
    (art / "torn/ckpt/saver/v1.manifest.json").write_text("{not json")
    (art / "empty").mkdir()
    result = grid(p, art)
    result.assert_outcomes(passed=1, skipped=9, failed=2)  # broken: from good and torn
    result.stdout.fnmatch_lines(["*: ckpt/broken [[]v1-cpu<good[]] ERROR"])  # names the pair
    by = {(c["case"], c["producer"]): (c["outcome"], c["reason"]) for c in cells(p)}
    assert by[("ckpt/saver", "good")] == ("pass", None)
    assert by[("ckpt/saver", "gone")] == (
        "skip", "producer gone: unavailable: needs Python 3.7: not found")
    assert by[("ckpt/saver", "torn")][0] == "skip"
    assert by[("ckpt/saver", "torn")][1].startswith("producer torn: unreadable manifest")
    assert by[("ckpt/saver", "empty")] == (
        "skip", "producer empty wrote no artifact for this case and mode")
    assert by[("ckpt/refused", "good")] == (
        "skip", "producer good wrote no artifact (expected: ValueError: this TF refuses to "
                "write it)")
    outcome, reason = by[("ckpt/broken", "good")]
    assert outcome == "error" and reason.startswith(
        "producer good: its produce cell (v1) is fail: expected no error, but the code "
        "raised ValueError")


def test_a_produce_step_over_the_size_limit_is_an_error_and_the_run_goes_on(
        pytester_conformance, monkeypatch):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER, "cases/plain": CAPTURED_PLAIN})
    monkeypatch.setenv("CONFORMANCE_ARTIFACT_LIMIT_MB", "0.0001")  # 100 bytes
    art = p.path / "art"
    result = produce(p, art)
    result.assert_outcomes(failed=1)
    manifest = json.loads((art / "here/ckpt/saver/v1.manifest.json").read_text())
    assert manifest["outcome"] == "error" and manifest["reason"].startswith(
        "artifact limit: the run's artifacts reached")
    assert not (art / "here/ckpt/saver/v1").exists()
    monkeypatch.delenv("CONFORMANCE_ARTIFACT_LIMIT_MB")
    result = grid(p, art)
    result.assert_outcomes(passed=1, failed=1)  # the plain case, and the pair's error
    by = {c["case"]: c for c in cells(p)}
    assert by["ckpt/saver"]["outcome"] == "error"
    assert "artifact limit" in by["ckpt/saver"]["reason"]


def test_a_pair_verdict_is_the_same_alone_and_after_a_faulty_producer(pytester_conformance):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER})
    art = p.path / "art"
    produce(p, art, "a").assert_outcomes(passed=1)
    grid(p, art, out="alone.json").assert_outcomes(passed=1)
    p.makefile(".yaml", **{"cases/ckpt/aaa-faulty": BROKEN.replace(
        'raise ValueError("this TF refuses to write it")',
        'tf.disable_eager_execution()\n  import os\n  os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"\n'
        '  raise ValueError("faulty")')})
    produce(p, art, "a").assert_outcomes(passed=1, failed=1)
    grid(p, art, out="after.json").assert_outcomes(passed=1, failed=1)
    key = lambda c: (c["outcome"], c["observed"]["values"], c["producer"])  # noqa: E731
    alone = [key(c) for c in cells(p, "alone.json")]
    after = [key(c) for c in cells(p, "after.json") if c["case"] == "ckpt/saver"]
    assert alone == after == [("pass", {"w_value": [1.0, 2.0]}, "a")]


def test_artifacts_are_written_on_the_cpu_once_and_a_skipped_producer_is_no_fault(
        pytester_conformance, monkeypatch):
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/saver": SAVER.replace(
        "modes: [v1]\n", "modes: [v1]\ndevices: [cpu, gpu]\n")})
    art = p.path / "art"
    produce(p, art).assert_outcomes(passed=1)  # one produce cell: on the cpu
    manifest = json.loads((art / "here/ckpt/saver/v1.manifest.json").read_text())
    assert manifest["outcome"] == "pass"
    manifest.update(outcome="skip", reason="no GPU visible")
    shutil.copytree(str(art / "here"), str(art / "gpuonly"))
    (art / "gpuonly/ckpt/saver/v1.manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    grid(p, art).assert_outcomes(passed=1, skipped=3)  # gpu cells skip: no GPU here
    by = {(c["device"], c["producer"]): (c["outcome"], c["reason"]) for c in cells(p)}
    assert by[("cpu", "here")] == ("pass", None)
    assert by[("cpu", "gpuonly")] == ("skip", "producer gpuonly did not produce: no GPU visible")


def test_a_producers_error_with_a_temporary_path_reads_the_same_in_every_run(
        pytester_conformance):
    """The skip reason of a pair whose producer raised, as expected, an error naming its
    artifact's path: self runs write the artifact to another temporary folder each time."""
    p = pytester_conformance
    p.makefile(".yaml", **{"cases/ckpt/refused": REFUSED.replace(
        'raise ValueError("this TF refuses to write it")',
        'raise ValueError("refuses to write it. Received: filepath=%s" % artifact("ckpt"))')})
    reasons = []
    for out in ("a.json", "b.json"):
        run(p, "--conformance-out", out).assert_outcomes(skipped=1)
        reasons.append(cells(p, out)[0]["reason"])
    assert reasons[0] == reasons[1] == (
        "producer here wrote no artifact (expected: ValueError: refuses to write it)")
