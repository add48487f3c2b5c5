"""Identical changes grouped across cases (matrix.groups) and docs/findings.md's order."""
from __future__ import annotations

from rawfactory import RawDir, cell, raw

from conformance.matrix import groups
from conformance.matrix.combine import combine
from conformance.matrix.report import findings


def _matrix(tmp_path):
    d = RawDir(tmp_path)
    for minor, word, name in (("2.8", "meaningless", "a/v:0"), ("2.9", "undefined", "a/v:0"),
                              ("2.10", "undefined", "a/v")):
        cells = [cell("c/n%d" % i, mode, error="AttributeError: Tensor.op is %s" % word)
                 for i in range(3) for mode in ("eager", "function")]
        cells.append(cell("k/name", "eager", names={"v": name}))
        d.add(raw("tf%s-cpu" % minor, minor, cells=cells))
    return combine(d.paths)


def test_identical_changes_are_one_group_with_cells_and_cases(tmp_path):
    found = groups.from_changes(_matrix(tmp_path).changes)
    assert [(g.boundary, g.kind, len(g.cells), len(g.cases)) for g in found] == [
        ("2.9", "wording", 6, 3), ("2.10", "semantic", 1, 1)]
    assert found[0].headline() == ("2.9: AttributeError message 'Tensor.op is meaningless' → "
                                   "'Tensor.op is undefined', 6 cells in 3 cases")
    assert found[1].headline() == "2.10: v: a/v:0 → a/v, 1 cell"
    assert found[0].cells[:2] == [("c/n0", "2.9", "eager", "cpu"),
                                  ("c/n0", "2.9", "function", "cpu")]


def test_findings_lead_with_semantic_changes_then_wording(tmp_path):
    text = findings.render(_matrix(tmp_path))
    semantic, wording = text.index("## Semantic changes"), text.index("## Wording changes")
    assert semantic < text.index("v: a/v:0 → a/v") < wording
    assert wording < text.index("AttributeError message 'Tensor.op is meaningless'")
    assert "6 cells in 3 cases: `c/n0` (eager/function)" in text
    assert "1 semantic changes (1 cells), 1 wording-only changes (6 cells)" in text
