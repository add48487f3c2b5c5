"""Compare rendered output with tests/gold/<name>; regenerate only with --update-gold."""
from __future__ import annotations

import difflib
import os

import pytest

GOLD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gold")
MAX_DIFF_LINES = 200


def check_gold(request: pytest.FixtureRequest, name: str, actual: str) -> None:
    path = os.path.join(GOLD_DIR, name)
    if request.config.getoption("--update-gold"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(actual)
        return
    if not os.path.exists(path):
        pytest.fail("gold file %s is missing; create it with --update-gold" % path)
    with open(path, encoding="utf-8") as f:
        expected = f.read()
    if actual != expected:
        diff = list(difflib.unified_diff(
            expected.splitlines(), actual.splitlines(),
            "gold/" + name, "actual", lineterm="",
        ))
        shown = diff[:MAX_DIFF_LINES] + (["... %d more lines" % (len(diff) - MAX_DIFF_LINES)]
                                          if len(diff) > MAX_DIFF_LINES else [])
        pytest.fail("output differs from gold/%s (rerun with --update-gold if intended):\n%s"
                    % (name, "\n".join(shown)), pytrace=False)
