from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption(
        "--update-gold", action="store_true", default=False,
        help="rewrite tests/gold/* from the current output instead of comparing",
    )
