"""A project that does not opt in is left alone by the installed plugin."""
from __future__ import annotations

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
"""

TEST_OK = """\
def test_ok():
    assert 1 + 1 == 2
"""


def test_a_project_that_does_not_opt_in_runs_only_its_own_tests(conformance_runner):
    """No --case-root (nor any other opt-in): YAML files are not cases, nothing is written."""
    p = conformance_runner
    p.plugins = []  # as installed: the entry point, nothing asked for on the command line
    (p.path / "docker-compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (p.path / "tests").mkdir()
    (p.path / "tests" / "test_ok.py").write_text(TEST_OK, encoding="utf-8")
    result = p.runpytest_subprocess(timeout=120)
    out = result.stdout.str()
    assert result.ret == 0, out[-3000:]
    result.assert_outcomes(passed=1)
    assert "1 passed" in out
    assert not (p.path / "reports").exists()
    assert not (p.path / ".conformance-cache").exists()
