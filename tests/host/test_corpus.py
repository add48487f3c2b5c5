"""The corpus' own rules, stricter than the case format: every case cites where its
behaviour is documented, and a case that answers a user report names the report."""
from __future__ import annotations

import glob
import os
import re

import pytest

from conformance.case.load import load_case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = os.path.join(ROOT, "cases")
FILES = sorted(glob.glob(os.path.join(CASES, "**", "*.y*ml"), recursive=True))
REPORT = re.compile(r"^(tensorflow/tensorflow|keras-team/keras|keras-team/tf-keras)#\d+")


def test_the_corpus_is_there():
    assert len(FILES) >= 242


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, CASES))
def test_every_case_loads_and_cites_its_source(path):
    case = load_case(path, CASES)
    assert case.source and case.source.strip(), "%s: source: is required in this corpus" % path
    if "field" in case.tags:
        assert REPORT.match(case.source), (
            "%s: a `field` case's source starts with the report it answers, e.g. "
            "tensorflow/tensorflow#39289" % path)
        assert case.note, "%s: a `field` case's note says what was reported and what is true"


def test_the_rule_can_fail(make_project):
    root = make_project({"cases/x/y.yaml": "title: t\ncode: x = 1\ntags: [field]\n"})
    with pytest.raises(AssertionError, match="source: is required"):
        test_every_case_loads_and_cites_its_source(str(root / "cases/x/y.yaml"))
