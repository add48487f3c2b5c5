"""Badges: a small flat SVG per column plus a shields.io endpoint JSON for each.

The SVG is hand-written in the shape of shields.io's "flat" style; widths are estimated
from the text length (about 7 px per character of 11 px Verdana) so no font metrics or
network are needed.
"""
from __future__ import annotations

import json
from typing import Dict
from xml.sax.saxutils import escape

from .view import Badge

CHAR_WIDTH = 7
PADDING = 10

_TEMPLATE = """\
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" \
aria-label="{label}: {message}">
<title>{label}: {message}</title>
<linearGradient id="s" x2="0" y2="100%">
<stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/>
</linearGradient>
<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)">
<rect width="{lw}" height="20" fill="#555"/>
<rect x="{lw}" width="{mw}" height="20" fill="{color}"/>
<rect width="{width}" height="20" fill="url(#s)"/>
</g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" \
font-size="11">
<text x="{lx}" y="15" fill="#010101" fill-opacity=".3">{label}</text>
<text x="{lx}" y="14">{label}</text>
<text x="{mx}" y="15" fill="#010101" fill-opacity=".3">{message}</text>
<text x="{mx}" y="14">{message}</text>
</g>
</svg>
"""


def text_width(text: str) -> int:
    return len(text) * CHAR_WIDTH + PADDING


def svg(badge: Badge) -> str:
    lw, mw = text_width(badge.label), text_width(badge.message)
    return _TEMPLATE.format(
        width=lw + mw, lw=lw, mw=mw, lx=lw / 2, mx=lw + mw / 2, color=badge.hex,
        label=escape(badge.label, {'"': "&quot;"}),
        message=escape(badge.message, {'"': "&quot;"}),
    )


def endpoint(badge: Badge) -> Dict[str, object]:
    """https://shields.io/badges/endpoint-badge"""
    return {"schemaVersion": 1, "label": badge.label, "message": badge.message,
            "color": badge.color}


def endpoint_json(badge: Badge) -> str:
    return json.dumps(endpoint(badge), indent=1, ensure_ascii=False) + "\n"
