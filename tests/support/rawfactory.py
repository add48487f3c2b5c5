"""Build reports/raw/<env>.json files (docs/results-format.md) in a temporary folder."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

from conformance.results import raw as raw_format


def cell(case: str, mode: str = "v1", device: str = "cpu", outcome: str = "pass",
         names: Optional[Dict[str, str]] = None, error: Optional[str] = None,
         groups: Optional[List[List[str]]] = None, **extra: Any) -> Dict[str, Any]:
    """One cell record; ``names`` {expr: name} and ``error`` "Type: message" fill observed."""
    observed = None
    if outcome not in ("skip", "crash", "timeout"):
        err = None
        if error:
            etype, _, message = error.partition(": ")
            err = {"type": etype, "types": [etype, "Exception"], "message": message}
        observed = {
            "objects": {k: {"type": "RefVariable", "name": v, "ref": i}
                        for i, (k, v) in enumerate(sorted((names or {}).items()))},
            "groups": groups or [], "values": {}, "equals": {}, "error": err, "stdout": "",
        }
    record = {
        "case": case, "file": "cases/%s.yaml" % case, "line": 1,
        "title": "Case %s" % case, "tags": [case.split("/")[0]],
        "mode": mode, "device": device, "outcome": outcome, "reason": None,
        "variant": None, "note": None, "duration": 0.01,
        "expect": {"names": dict(names or {})}, "mismatches": [], "observed": observed,
        "repro": "python -m conformance run cases/%s.yaml --modes %s --devices %s"
                 % (case, mode, device),
    }
    record.update(extra)
    return record


def raw(name: str, tf_minor: str, device: str = "cpu", cells: Optional[List[dict]] = None,
        status: str = "complete", reason: Optional[str] = None,
        errors: Optional[List[dict]] = None, **top: Any) -> Dict[str, Any]:
    """A raw document as the writer makes it (``top`` overrides top-level keys, e.g.
    format_version=1 for a file of the first format, or a status the format refuses)."""
    env = {
        "name": name, "tf_minor": tf_minor,
        "tf": None if status not in ("complete", "partial") else tf_minor + ".1",
        "device": device, "python": "3.11.7", "profiles": {},
        "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:00:10Z",
        "duration": 10.0, "argv": ["pytest", "cases"],
    }
    doc = raw_format.document(env, list(cells or []), list(errors or []),
                              status if status in raw_format.STATUSES else "complete", reason)
    doc["status"] = status
    doc.update(top)
    return doc


class RawDir:
    """``RawDir(tmp_path).add(raw(...))`` writes raw/<env>.json; ``paths`` lists them."""

    def __init__(self, root: Any, sub: str = "raw") -> None:
        self.dir = os.path.join(str(root), sub)
        os.makedirs(self.dir, exist_ok=True)
        self.paths: List[str] = []

    def add(self, doc: Any, filename: Optional[str] = None) -> str:
        name = filename or "%s.json" % doc["env"]["name"]
        return self.write_text(name, json.dumps(doc, indent=1))

    def write_text(self, filename: str, text: str) -> str:
        path = os.path.join(self.dir, filename)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.paths.append(path)
        return path


XSS_TITLE = "<script>alert(1)</script>"


def scenario(root: Any) -> RawDir:
    """The gold-file scenario: 4 cases over 1.15, 2.2 (not run), 2.9, 2.10, 2.16 cpu and an
    unavailable 2.16 gpu; one behaviour change in names, one in errors, a broken file."""
    d = RawDir(root)
    kernel = {"1.15": "dense/kernel:0", "2.9": "dense/kernel:0", "2.10": "dense/kernel:0",
              "2.16": "dense/kernel"}
    for tf_minor in ("2.16", "1.15", "2.10", "2.9"):  # written out of order on purpose
        cells = []
        for mode in ("v1", "eager"):
            name = kernel[tf_minor] if mode == "eager" else "dense/kernel:0"
            ok = name == "dense/kernel:0"
            cells.append(cell("naming/dense-kernel", mode, names={"layer.kernel": name},
                              outcome="pass" if ok else "fail", tags=["naming", "keras"],
                              title="Dense layer kernel name",
                              mismatches=[] if ok else [{
                                  "key": "names.layer.kernel", "expected": "dense/kernel:0",
                                  "observed": name,
                                  "message": "layer.kernel: expected name 'dense/kernel:0', "
                                             "observed 'dense/kernel'"}]))
        graph_error = "ValueError: Variable v already exists" if tf_minor == "2.16" else None
        cells.append(cell("reuse/reenter", "v1", names={"v": "s/v:0"}, tags=["reuse"],
                          outcome="xpass" if tf_minor == "2.10" else "pass",
                          reason="TF bug 12345 is fixed here" if tf_minor == "2.10" else None))
        cells.append(cell("reuse/reenter", "graph", names={"v": "s/v:0"}, error=graph_error,
                          tags=["reuse"], outcome="fail" if graph_error else "pass",
                          reason=graph_error))
        xss_outcome = "xfail" if tf_minor == "2.9" else "pass"
        cells.append(cell("seed/xss", "v1", names={"x": "a/x:0"}, title=XSS_TITLE,
                          tags=["seed", "xss"], outcome=xss_outcome,
                          variant=0 if xss_outcome == "xfail" else None,
                          note="known bug <b>" if xss_outcome == "xfail" else None))
        cells.append(cell("seed/gpu-only", "eager", "gpu", outcome="skip", tags=["seed"],
                          reason="no GPU visible"))
        errors = [] if tf_minor != "2.16" else [{
            "file": "cases/bad/typo.yaml", "line": 7,
            "message": "cases/bad/typo.yaml:7: expect: unknown key 'nmaes' "
                       "(did you mean 'names'?)"}]
        d.add(raw("tf%s-cpu" % tf_minor, tf_minor, "cpu", cells, errors=errors))
    d.add(raw("tf2.2-cpu", "2.2", "cpu", status="not_run", reason="needs Python 3.8: not found"))
    d.add(raw("tf2.16-gpu", "2.16", "gpu", status="unavailable", reason="no GPU visible"))
    d.write_text("zz-broken.json", "{not json")
    return d


MINORS = ["1.15"] + ["2.%d" % i for i in range(22)]  # 1.15, 2.0 ... 2.21


def big_scenario(root: Any, n_cases: int = 150) -> RawDir:
    """The full-size matrix: n_cases x 23 TF versions x cpu (4 modes), gpu unavailable."""
    d = RawDir(root)
    modes = ("v1", "graph", "eager", "function")
    for i, tf_minor in enumerate(MINORS):
        cells = []
        for c in range(n_cases):
            case = "topic%d/case-%03d" % (c % 7, c)
            for mode in modes:
                renamed = c % 10 == 0 and i >= 16  # a behaviour change in 2.15
                name = "s/v" if renamed else "s/v:0"
                outcome = "fail" if renamed and mode == "eager" else (
                    "skip" if mode == "v1" and i >= 18 and c % 3 == 0 else "pass")
                cells.append(cell(case, mode, names={"v": name}, outcome=outcome,
                                  title="Scope behaviour number %d with a longish title" % c,
                                  tags=["topic%d" % (c % 7), "seed" if c % 5 == 0 else "misc"]))
        d.add(raw("tf%s-cpu" % tf_minor, tf_minor, "cpu", cells))
        d.add(raw("tf%s-gpu" % tf_minor, tf_minor, "gpu", status="unavailable",
                  reason="no GPU visible"))
    return d
