"""Plain-text rendering of one failing cell for the pytest report."""
from __future__ import annotations

import json

from ..case.compare import error_line
from ..errors import escape
from ..results.record import CellRecord


def _short(value, width: int = 48) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def cell_label(rec: CellRecord) -> str:
    """``case [mode-device]``; a consume cell names its producer: ``[v1-cpu<tf2.15-cpu]``,
    a produce cell its step: ``[produce-v1-cpu]``."""
    where = "%s-%s" % (rec.mode, rec.device)
    if rec.step == "produce":
        where = "produce-" + where
    elif rec.producer:
        where += "<%s" % rec.producer
    return "%s [%s]" % (rec.case, where)


def format_failure(rec: CellRecord) -> str:
    lines = ["%s:%s: %s %s" % (rec.file, rec.line, cell_label(rec), (rec.outcome or "").upper())]
    lines.append("  %s" % rec.title)
    if rec.variant is not None:
        lines.append("  variant %d applies%s" % (rec.variant, ": " + rec.note
                                                  if rec.note else ""))
    if rec.reason:
        lines.append("  reason: %s" % rec.reason.strip())
    mismatches = rec.mismatches
    if mismatches:
        width = max(len(m["key"]) for m in mismatches)
        lines.append("  %-*s  %-48s  %s" % (width, "key", "expected", "observed"))
        for m in mismatches:
            lines.append("  %-*s  %-48s  %s" % (width, m["key"], _short(m["expected"]),
                                                _short(m["observed"], 80)))
        lines.extend("  - " + m["message"] for m in mismatches)
    lines += observed_lines(rec)
    lines.append("  reproduce: " + rec.repro)
    return escape("\n".join(lines), "\n\t")  # an error message must not drive the terminal


def observed_lines(rec: CellRecord, whole: bool = False) -> list:
    """What TF did in a cell: names, identity groups, error, the values asked for;
    ``whole``: every value in full (no "..."), the error's whole message and what the code
    printed."""
    lines = []
    observed = rec.observed
    if observed:
        names = {k: v["name"] for k, v in observed.objects.items() if "name" in v}
        if names:
            lines.append("  observed names: " + ", ".join("%s=%s" % kv for kv in names.items()))
        if observed.groups:
            lines.append("  observed identity groups: %s" % observed.groups)
        error = observed.error
        if error:
            message = str(error.get("message") or "").strip() if whole else ""
            lines.append("  observed error: " + (
                "%s: %s" % (error.get("type"), message.replace("\n", "\n    "))
                if "\n" in message else error_line(error)))
        for kind in ("values", "equals"):
            seen = getattr(observed, kind)
            if seen:
                lines.append("  observed %s: %s" % (kind, json.dumps(seen)
                                                   if whole else _short(seen, 200)))
        artifact = observed.artifact
        if artifact:
            lines.append("  wrote: %d files, %d bytes" % (artifact.get("files", 0),
                                                         artifact.get("bytes", 0)))
            for prefix, keys in sorted((artifact.get("keys") or {}).items()):
                lines.append("  checkpoint %s: %s" % (prefix, _short(json.dumps(keys), 200)))
        if whole and observed.stdout:
            lines.append("  printed: " + observed.stdout.rstrip().replace("\n", "\n    "))
    return lines


def show(rec: CellRecord) -> str:
    """One cell as --show prints it, passing or not."""
    head = "%s %s" % (cell_label(rec), (rec.outcome or "").upper())
    if rec.reason:
        head += ": " + rec.reason.strip().splitlines()[0]
    return escape("\n".join([head] + observed_lines(rec, whole=True)), "\n\t")
