"""Plain-text rendering of one failing cell for the pytest report."""
from __future__ import annotations

import json

from .matcher import error_line


def _short(value, width: int = 48) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def format_failure(record: dict) -> str:
    lines = ["%s:%d: %s [%s-%s] %s" % (record["file"], record["line"], record["case"],
                                       record["mode"], record["device"],
                                       record["outcome"].upper())]
    lines.append("  %s" % record["title"])
    if record.get("variant") is not None:
        lines.append("  variant %d applies%s" % (record["variant"], ": " + record["note"]
                                                  if record.get("note") else ""))
    if record.get("reason"):
        lines.append("  reason: %s" % record["reason"].strip())
    mismatches = record.get("mismatches") or []
    if mismatches:
        width = max(len(m["key"]) for m in mismatches)
        lines.append("  %-*s  %-48s  %s" % (width, "key", "expected", "observed"))
        for m in mismatches:
            lines.append("  %-*s  %-48s  %s" % (width, m["key"], _short(m["expected"]),
                                                _short(m["observed"], 80)))
        lines.extend("  - " + m["message"] for m in mismatches)
    observed = record.get("observed")
    if observed:
        names = {k: v["name"] for k, v in observed.get("objects", {}).items() if "name" in v}
        if names:
            lines.append("  observed names: " + ", ".join("%s=%s" % kv for kv in names.items()))
        if observed.get("groups"):
            lines.append("  observed identity groups: %s" % observed["groups"])
        if observed.get("error"):
            lines.append("  observed error: " + error_line(observed["error"]))
    lines.append("  reproduce: " + record["repro"])
    return "\n".join(lines)
