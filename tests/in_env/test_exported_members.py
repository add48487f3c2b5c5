"""Pin the public API so it cannot drift unnoticed."""
from __future__ import annotations

import conformance


def test_public_api():
    assert sorted(conformance.__all__) == sorted([
        "Case", "CaseError", "CellRecord", "ConformanceError", "Expect", "Mismatch", "Problem",
        "Variant", "__version__", "compare", "load_case", "run_cell",
    ])
    for name in conformance.__all__:
        assert hasattr(conformance, name), name
