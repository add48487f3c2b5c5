"""How many behaviour changes in a matrix are noise: number-only or wording-only.

    python bench/change_noise.py [RAW_DIR] [--no-normalise]

number-only: the two cells' signatures (matrix.changes.signature) differ, but are equal
once every run of digits is replaced by N (a uid counter such as ``r/w_1027 → r/w_1024``;
``net_1 → net_2`` would count too, so the number is an upper bound of counter noise).
wording-only: changes.kind_of says "wording" (only an error message's text changed).
--no-normalise measures what the matrix showed before results.normalise existed.
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance.matrix import changes
from conformance.results import normalise


def _digits(value):
    if isinstance(value, str):
        return re.sub(r"\d+", "N", value)
    if isinstance(value, (list, tuple)):
        return tuple(_digits(v) for v in value)
    return value


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("raw", nargs="?", default=os.path.join("reports", "raw"))
    p.add_argument("--no-normalise", action="store_true")
    args = p.parse_args()
    if args.no_normalise:
        normalise.text = lambda value, temp_dirs=(): value
        normalise.equals_of = lambda record: dict(record.get("equals") or {})
    from conformance.matrix.combine import combine

    m = combine(sorted(glob.glob(os.path.join(args.raw, "*.json"))))
    number_only = 0
    for ch in m.changes:
        prev = m.cell(ch.case, ch.previous, ch.mode, ch.device)
        cell = m.cell(ch.case, ch.tf_minor, ch.mode, ch.device)
        a, b = changes.signature(prev.observed), changes.signature(cell.observed)
        if a != b and prev.outcome == cell.outcome and _digits(a) == _digits(b):
            number_only += 1
    kinds = collections.Counter(ch.kind for ch in m.changes)
    print("changes: %d; semantic: %d; wording-only: %d; number-only: %d"
          % (len(m.changes), kinds["semantic"], kinds["wording"], number_only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
