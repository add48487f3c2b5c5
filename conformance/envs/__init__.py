"""Environments (host side): the per-version facts table (``versions``), finding
interpreters (``discovery``), and the full-matrix run over tox environments
(``orchestrate``, with ``scheduler``, ``package`` and ``progress``), and
``upgrade`` (two environments side by side)."""
