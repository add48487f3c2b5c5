"""The fault mix: the corpus run with every fault of faults.FAULTS between its cells, in
three shuffled orders (one of them over two xdist workers), must observe exactly what the
corpus alone observes, cell for cell.

Subset: ~40 cases spread over every topic folder of cases/. The whole corpus: pass
--full-corpus (tests/conftest.py) or set CONFORMANCE_FULL_CORPUS=1."""
from __future__ import annotations

import pytest
from faults import FAULTS
from rhelpers import (
    comparable,
    copy_cases,
    corpus_all,
    corpus_subset,
    full_corpus_requested,
    load_results,
    run_pytest,
    write_files,
)

pytestmark = [pytest.mark.tf, pytest.mark.slow]

ORDERS = [("--shuffle", "1", "-n", "0"), ("--shuffle", "2", "-n", "2"),
          ("--shuffle", "3", "-n", "0")]
FAULT_IDS = {f.case_id for f in FAULTS}


def _records(doc: dict) -> dict:
    keep = ("outcome", "reason", "mismatches", "observed")
    out = {}
    for cell in doc["cells"]:
        if cell["case"] in FAULT_IDS:
            continue
        record = comparable(cell)
        out[(cell["case"], cell["mode"], cell["device"])] = {k: record.get(k) for k in keep}
    return out


def _fault_mix(base, corpus_files, bound: float) -> None:
    clean_dir, mixed_dir = base / "clean" / "cases", base / "mixed" / "cases"
    copy_cases(corpus_files, clean_dir)
    copy_cases(corpus_files, mixed_dir)
    write_files(mixed_dir, {"faults/%s.yaml" % f.name: f.text() for f in FAULTS})

    def run(cases_dir, out, *extra):
        result = run_pytest(cases_dir.parent, "--case-root", cases_dir, cases_dir,
                            "--devices", "cpu", "--conformance-out", out,
                            "-p", "no:cacheprovider", *extra, bound=bound)
        assert "INTERNALERROR" not in result.output, result.output[-3000:]
        assert result.returncode in (0, 1), (result.returncode, result.output[-3000:])
        return load_results(out)

    clean = _records(run(clean_dir, base / "clean.json", "-n", "0"))
    assert len(clean) >= 4 * len(corpus_files) // 2, len(clean)  # most cases have 4 cells
    for i, order in enumerate(ORDERS):
        mixed_doc = run(mixed_dir, base / ("mixed-%d.json" % i), *order)
        mixed = _records(mixed_doc)
        assert set(mixed) == set(clean), (order, sorted(set(clean) ^ set(mixed))[:20])
        differ = [key for key in sorted(clean) if mixed[key] != clean[key]]
        assert not differ, "%s: %d cells differ, first %s:\nclean: %s\nmixed: %s" % (
            " ".join(order), len(differ), differ[0], clean[differ[0]], mixed[differ[0]])
        faults_ran = {c["case"] for c in mixed_doc["cells"]} & FAULT_IDS
        assert faults_ran == FAULT_IDS, sorted(FAULT_IDS - faults_ran)


def test_corpus_subset_observes_the_same_with_faults_in_between(tmp_path):
    files = corpus_subset(per_topic=2)
    assert 30 <= len(files) <= 45, len(files)
    _fault_mix(tmp_path, files, bound=1800.0)


def test_whole_corpus_observes_the_same_with_faults_in_between(tmp_path, request):
    if not full_corpus_requested(request.config):
        pytest.skip("the whole corpus: pass --full-corpus or set CONFORMANCE_FULL_CORPUS=1")
    _fault_mix(tmp_path, corpus_all(), bound=5400.0)
