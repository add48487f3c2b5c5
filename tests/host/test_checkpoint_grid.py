"""The producer/consumer grid on the host: combine keeps a pair per (producer, consumer),
the pair a TF makes with itself is also its ordinary cell, and matrix.json, checkpoints.md,
index.html and --strict show the pairs."""
from __future__ import annotations

import json
import os

from rawfactory import RawDir, cell, raw

from conformance import vocabulary
from conformance.cli import main
from conformance.matrix.combine import combine, producer_minor
from conformance.matrix.report import checkpoints, html, json_out

MINORS = ("2.14", "2.15", "2.16", "2.17")
KERAS3 = "ValueError: File format not supported: filepath=/tmp/conformance-consume-%s/a/ckpt"


def pair(consumer: str, producer: str, **extra):
    """The consume cell of ckpt/tf-format read by TF ``consumer`` from TF ``producer``:
    Keras 3 (2.16+) cannot read a Keras 2 TF-format checkpoint."""
    keras3_reads_keras2 = consumer >= "2.16" and producer < "2.16"
    rec = cell("ckpt/tf-format", mode="eager", outcome="fail" if keras3_reads_keras2 else
               "pass", error=KERAS3 % producer.replace(".", "") if keras3_reads_keras2
               else None, step="consume", producer="tf%s-cpu" % producer,
               producer_tf=producer + ".1", producer_tf_minor=producer, **extra)
    return rec


def grid_dir(tmp_path):
    d = RawDir(tmp_path)
    for consumer in MINORS:
        cells = [pair(consumer, p) for p in MINORS] + [cell("plain/x")]
        d.add(raw("tf%s-cpu" % consumer, consumer, cells=cells))
    return d


def test_combine_keeps_every_pair_and_the_diagonal_as_the_ordinary_cell(tmp_path):
    m = combine(grid_dir(tmp_path).paths)
    assert not m.problems  # 4 consume cells of one (case, mode, device) per file: not twice
    assert len(m.grid) == 16
    assert m.grid[("ckpt/tf-format", "eager", "cpu", "2.15", "2.16")].outcome == "fail"
    assert m.grid[("ckpt/tf-format", "eager", "cpu", "2.16", "2.15")].outcome == "pass"
    assert list(m.grid)[:2] == [("ckpt/tf-format", "eager", "cpu", "2.14", "2.14"),
                                ("ckpt/tf-format", "eager", "cpu", "2.14", "2.15")]
    # the ordinary matrix sees each TF's pair with itself: all pass
    assert [m.cell("ckpt/tf-format", v, "eager", "cpu").outcome for v in MINORS] == [
        "pass"] * 4
    assert m.grid[("ckpt/tf-format", "eager", "cpu", "2.14", "2.14")].producer_tf == "2.14.1"


def test_the_same_pair_twice_in_one_file_is_a_problem_and_the_first_is_kept(tmp_path):
    d = RawDir(tmp_path)
    d.add(raw("tf2.16-cpu", "2.16", cells=[pair("2.16", "2.15"), dict(
        pair("2.16", "2.15"), outcome="pass", observed=None)]))
    m = combine(d.paths)
    assert len(m.problems) == 1 and "the same cell as cells[0]" in m.problems[0]
    assert m.grid[("ckpt/tf-format", "eager", "cpu", "2.15", "2.16")].outcome == "fail"


def test_a_producer_is_named_by_its_minor_or_its_env_name():
    assert producer_minor("tf2.15-cpu") == "2.15"
    assert producer_minor("tf2.15-cpu-with-0a1b") == "2.15"
    assert producer_minor("tfnightly-cpu") == "nightly"
    assert producer_minor("here") is None and producer_minor(None) is None


def test_checkpoints_md_groups_the_failing_pairs_into_one_rectangle(tmp_path):
    m = combine(grid_dir(tmp_path).paths)
    text = checkpoints.render(m)
    # the temporary path differs in every pair; normalised, they are one behaviour
    assert ("- producer 2.14–2.15 × consumer 2.16–2.17: `fail (its expectation failed): "
            "ValueError: File format not supported: filepath=<tmp>/a/ckpt`") in text
    assert text.count("- producer ") == 1
    assert "12 of 16 pairs restore; the others:" in text
    assert "16 pairs: 12 restore, 4 fail their expectation" in text
    assert "| 2.15 | 🟩 | 🟩 | %(fail)s | %(fail)s |" % vocabulary.SYMBOLS in text


def test_an_expected_error_is_shown_as_what_tf_did_not_as_a_pass(tmp_path):
    """A pair whose variant expects the error passes, yet the consumer could not read
    the checkpoint: the grid shows the error, and a variant without one as 'differs'."""
    d = RawDir(tmp_path)
    raised = pair("2.16", "2.15")
    raised.update(outcome="pass", variant=0)
    silent = cell("ckpt/tf-format", mode="eager", step="consume", producer="tf2.14-cpu",
                  producer_tf_minor="2.14", variant=1, note="loads nothing, silently")
    d.add(raw("tf2.16-cpu", "2.16", cells=[raised, silent, pair("2.16", "2.16")]))
    m = combine(d.paths)
    kinds = {k[3]: checkpoints.behaviour(c) for k, c in m.grid.items()}
    assert kinds["2.15"] == ("raises", "ValueError: File format not supported: "
                                       "filepath=<tmp>/a/ckpt")
    assert kinds["2.14"] == ("differs", "no error; as variant 1 expects: loads nothing, "
                                        "silently")
    assert kinds["2.16"] == ("restores", "restores")
    text = checkpoints.render(m)
    assert "3 pairs: 1 restore, 1 raise an error, 1 load differently (no error), 0 fail" in text


def test_a_long_error_is_cut_where_its_listing_of_objects_starts():
    cut = checkpoints.first_sentence
    assert cut("Found 4 Python objects that were not bound. Showing 4 of 4: [<V a>]") == (
        "Found 4 Python objects that were not bound.")
    assert cut("Some Python objects were not bound: [<tf.Variable 'd1/kernel:0'>]") == (
        "Some Python objects were not bound")
    assert cut("File format not supported: filepath=<tmp>/artifact/ckpt. Keras 3 only") == (
        "File format not supported: filepath=<tmp>/artifact/ckpt.")


def test_rectangles_cover_every_failing_pair_exactly_once():
    from conformance.matrix.model import Cell

    producers = consumers = ["a", "b", "c"]
    grid = {(p, c): Cell("fail" if (p, c) in {("a", "b"), ("a", "c"), ("b", "c"),
                                                ("c", "a")} else "pass", reason="r")
            for p in producers for c in consumers}
    rects = checkpoints.rectangles(grid, producers, consumers)
    covered = [(producers[y], consumers[x]) for r0, r1, c0, c1, _ in rects
               for y in range(r0, r1 + 1) for x in range(c0, c1 + 1)]
    assert sorted(covered) == sorted(k for k, c in grid.items() if c.outcome == "fail")
    assert len(covered) == len(set(covered))


def test_rename_maps_pair_renamed_keys_by_shape(tmp_path):
    d = RawDir(tmp_path)
    for minor, keys in (("2.15", [["model/layer_with_weights-0/kernel", [3, 2]],
                                  ["model/layer_with_weights-0/bias", [2]]]),
                        ("2.16", [["model/_operations/1/_kernel", [3, 2]],
                                  ["model/_operations/1/bias", [2]]])):
        rec = pair(minor, minor)
        rec["observed"]["artifact"] = {"files": 2, "bytes": 10, "keys": {"obj": keys}}
        d.add(raw("tf%s-cpu" % minor, minor, cells=[rec]))
    maps = checkpoints.rename_maps(combine(d.paths))
    assert maps == {"ckpt/tf-format": {"2.15→2.16": {
        "model/layer_with_weights-0/bias": "model/_operations/1/bias",
        "model/layer_with_weights-0/kernel": "model/_operations/1/_kernel"}}}
    assert json_out.to_dict(combine(d.paths))["rename_maps"] == maps  # as JSON too


def test_matrix_json_and_the_page_hold_the_grid_only_when_there_is_one(tmp_path):
    m = combine(grid_dir(tmp_path).paths)
    data = json_out.to_dict(m)
    lane = data["grid"]["ckpt/tf-format"]["eager/cpu"]
    assert lane["producers"] == list(MINORS) and lane["consumers"] == list(MINORS)
    assert lane["cells"]["2.14>2.17"]["outcome"] == "fail"
    assert lane["cells"]["2.14>2.17"]["kind"] == "fails"
    page = html.render(m)
    assert '<section id="checkpoints">' in page and page.count('<td class="cell"') == 16
    assert page.count('data-kind="restores"') == 12 and page.count('data-kind="fails"') == 4
    plain = RawDir(tmp_path, "plain")
    plain.add(raw("tf2.16-cpu", "2.16", cells=[cell("plain/x")]))
    without = combine(plain.paths)
    assert "grid" not in json_out.to_dict(without)
    assert "checkpoints" not in html.render(without) and html.CHECKPOINTS_MARK not in html.render(
        without)
    from conformance.matrix.report import markdown

    assert "## Checkpoints across TF versions" not in markdown.render(without)
    summary = markdown.render(m)
    assert ("16 pairs (producer TF x consumer TF): 12 restore, 4 fail their expectation. "
            "What TF A wrote that TF B cannot read") in summary
    assert "- ckpt/tf-format: 4 pairs" in summary


def test_a_cases_text_cannot_put_markup_into_the_grid_section(tmp_path):
    d = RawDir(tmp_path)
    evil = '<img src=x onerror=alert(1)>"@@SCRIPT@@ @@DATA@@'
    rec = pair("2.16", "2.15", title=evil)
    rec["observed"]["error"]["message"] = evil
    d.add(raw("tf2.16-cpu", "2.16", cells=[rec]))
    page = html.render(combine(d.paths))
    start = page.index('<section id="checkpoints">')
    section = page[start:page.index("</section>", start)]
    assert "<img" not in section and "&lt;img src=x onerror=alert(1)&gt;&quot;" in section
    assert "@@" not in section and "function" not in section  # no placeholder was filled


def test_strict_fails_on_a_failing_pair_between_two_versions(tmp_path, capsys):
    d = grid_dir(tmp_path)
    out = tmp_path / "out"
    status = main(["matrix", "--raw", d.dir, "--out", str(out), "--strict"])
    text = capsys.readouterr().out
    assert status == 1 and "FAIL ckpt/tf-format 2.14>2.16/eager/cpu" in text
    assert os.path.exists(out / "checkpoints.md")
    assert "checkpoint pairs (producer TF x consumer TF): 16, 12 pass, 4 do not" in text
    assert json.loads((out / "matrix.json").read_text())["grid"]
    plain = RawDir(tmp_path, "plain")
    plain.add(raw("tf2.16-cpu", "2.16", cells=[cell("plain/x")]))
    main(["matrix", "--raw", plain.dir, "--out", str(out)])
    assert not os.path.exists(out / "checkpoints.md")  # not left from the run before
