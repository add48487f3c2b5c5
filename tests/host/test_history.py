"""reports/history.jsonl: one line per full run (matrix.history)."""
from __future__ import annotations

from rawfactory import scenario

from conformance.cli import full
from conformance.cli import matrix as matrix_cli
from conformance.matrix import history


def test_each_run_appends_a_line_and_read_skips_a_torn_one(tmp_path, capsys):
    raw = scenario(tmp_path).dir
    path = tmp_path / "reports" / "history.jsonl"
    for _ in range(2):
        matrix_cli.main(["--raw", raw, "--out", str(tmp_path / "reports"),
                         "--history", str(path)])
    with open(str(path), "a") as f:
        f.write('{"time": "torn')
    lines = history.read(str(path))
    assert len(lines) == 2
    line = lines[0]
    assert line["tf"] == {"1.15": "1.15.1", "2.9": "2.9.1", "2.10": "2.10.1", "2.16": "2.16.1"}
    assert line["counts"]["fail"] == 2 and line["counts"]["not_run"] > 0
    assert line["changes"] == {"semantic": 2, "wording": 0}
    assert line["time"].endswith("Z") and "commit" in line
    assert history.read(str(tmp_path / "none.jsonl")) == []


def test_only_a_full_run_writes_history(monkeypatch, tmp_path):
    seen = []

    class Run:
        raw, failed = str(tmp_path), []

        def __init__(self, *args, **kwargs):
            pass

        def run(self):
            pass

    monkeypatch.setattr(full, "Orchestrator", Run)
    monkeypatch.setattr(full, "project_root", lambda: str(tmp_path))
    monkeypatch.setattr(full, "select_rows", lambda only: [])
    monkeypatch.setattr(full.matrix, "main", lambda argv: seen.append(argv) or 0)
    full.main([])
    full.main(["--only", "2.16"])
    assert "--history" in seen[0] and seen[0][seen[0].index("--history") + 1].endswith(
        "reports/history.jsonl")
    assert "--history" not in seen[1]
