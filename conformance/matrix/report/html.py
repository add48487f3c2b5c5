"""index.html: one static, self-contained page (inline CSS and JS, no network).

The page is ``page.html`` with ``page.js`` inlined and the matrix.json data embedded in a
``<script type="application/json">`` element. The JSON is made inert there by writing
``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` (valid JSON, and no text
from a case can close the element); the script builds every node with ``textContent``.

Filters can be given in the URL hash, applied on load and kept up to date:
``index.html#device=gpu&mode=v1&tag=seed&outcome=fail&q=reuse&case=seed/x&tf=2.16``
(``outcome`` is an outcome name, ``bad`` for any failure or ``changed``; hidden rows get
the ``hidden`` attribute; ``case`` + ``tf`` open the details panel of that cell).
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

from ... import vocabulary
from ..model import Matrix
from . import json_out
from .json_out import dumps

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_MARK = "@@DATA@@"
SCRIPT_MARK = "@@SCRIPT@@"


def _read(name: str) -> str:
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def script_json(data: Any) -> str:
    """JSON that is safe as the text of a <script> element."""
    text = dumps(data)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render(m: Matrix, data: Optional[Dict[str, Any]] = None) -> str:
    """``data``: json_out.to_dict(m), when the caller has it already."""
    page, script = _read("page.html"), _read("page.js")
    if "</script" in script.lower():  # would end the inline script early
        raise AssertionError("page.js must not contain '</script'")
    # The data goes in last, so nothing in it can be taken for a placeholder.
    data = json_out.to_dict(m) if data is None else data
    return page.replace(SCRIPT_MARK, script.rstrip("\n")).replace(
        DATA_MARK, script_json(dict(data, vocabulary=vocabulary.as_dict())))
