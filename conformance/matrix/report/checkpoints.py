"""checkpoints.md (and the grid's data for matrix.json and index.html): what TF A wrote,
can TF B read?

For each producer/consumer case and mode, the pairs of TF versions (``Matrix.grid``): the
pairs that did not pass, grouped into rectangles of equal verdicts over contiguous producer
and consumer versions ("producer 1.15–2.15 × consumer 2.16–2.21: fail — ValueError: File
format not supported: ..."), then the grid itself, a symbol per pair. Then, per case, the
checkpoint keys each TF's producer wrote where they change from one version to the next,
as an ``assignment_map`` from the old keys to the new ones (``rename_maps``).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from ...results import normalise
from ...vocabulary import FAILING, SYMBOLS
from ..model import Cell, Matrix
from . import view
from .markdown import code, text

Lane = Tuple[str, str, str]          # (case, mode, device)
Rect = Tuple[int, int, int, int, str]  # rows first..last, columns first..last, verdict


def lanes(m: Matrix) -> Dict[Lane, Dict[Tuple[str, str], Cell]]:
    """The grid by (case, mode, device): {(producer minor, consumer minor): cell}, in order."""
    out: Dict[Lane, Dict[Tuple[str, str], Cell]] = {}
    for (case, mode, device, producer, consumer), cell in m.grid.items():
        out.setdefault((case, mode, device), {})[(producer, consumer)] = cell
    return out


# What TF did with a pair, whatever the case expected: the consumer restored the artifact
# (as the case's own expectation says), raised an error, loaded it otherwise (a variant's
# expectation, e.g. silently nothing), or had no artifact to read; or the pair failed its
# expectation (then the verdict is what the grid shows: it needs a look).
KINDS = ("restores", "raises", "differs", "no_artifact", "fails")
KIND_SYMBOLS = {"restores": "🟩", "raises": "🟥", "differs": "🟨",
                "no_artifact": SYMBOLS["skip"]}
KIND_TEXT = {"restores": "restore", "raises": "raise an error", "differs":
             "load differently (no error)", "no_artifact": "have no artifact to read",
             "fails": "fail their expectation"}


def behaviour(cell: Cell) -> Tuple[str, str]:
    """(kind, one line): what TF did with this pair. The error is normalised (a temporary
    path is ``<tmp>``), so pairs that raised the same error group together."""
    observed = cell.observed if isinstance(cell.observed, dict) else None
    error = observed.get("error") if observed else None
    if isinstance(error, dict):
        raised = "%s: %s" % (error.get("type"),
                             first_sentence(normalise.first_line_of(observed) or ""))
    else:
        raised = None
    if cell.outcome in FAILING:
        why = raised or (cell.mismatches[0].get("message") if cell.mismatches else
                         view.first_line(cell.reason))
        return "fails", "%s (its expectation failed): %s" % (cell.outcome, why)
    if cell.outcome == "skip":  # the producer's name left out: one line for all of them
        why = _PRODUCER.sub("the producer ", view.first_line(cell.reason, 400))
        return "no_artifact", first_sentence(why.replace("(expected: ", "(it raised, as "
                                                         "expected: ")) or "skip"
    if raised:
        return "raises", raised
    if cell.variant is not None:
        return "differs", "no error; as variant %d expects%s" % (
            cell.variant, ": " + view.first_line(cell.note) if cell.note else "")
    return "restores", "restores"


def first_sentence(message: str, limit: int = 160) -> str:
    """The message up to its first sentence's end: what follows ("Showing 4 of 4
    unmatched objects: [<Variable ... value=...>]") lists objects that differ from pair to
    pair and would split one behaviour into many."""
    head, dot, _rest = message.partition(". ")
    text = head + dot.strip()
    listing = _LISTING.search(text)  # "...: [<tf.Variable 'd1/kernel:0' ...>]"
    if listing:
        text = text[:listing.start()]
    return text if len(text) <= limit else text[:limit - 1] + "…"


_LISTING = re.compile(r":?\s*[\[{(]?<(?!tmp>)")
_PRODUCER = re.compile(r"^producer \S+ ")


def verdict(cell: Cell) -> str:
    """The pair in one line (behaviour's text)."""
    return behaviour(cell)[1]


def rectangles(grid: Dict[Tuple[str, str], Cell], producers: List[str],
               consumers: List[str]) -> List[Rect]:
    """The pairs that did not pass as rectangles of one verdict over contiguous producers
    (rows) and consumers (columns): greedy, each as wide as it goes, then as tall."""
    label = {k: verdict(c) for k, c in grid.items()}  # "restores" is left out
    done: set = set()
    out: List[Rect] = []

    def same(r: int, c: int, want: str) -> bool:
        key = (producers[r], consumers[c])
        return key in label and key not in done and label[key] == want

    for r, producer in enumerate(producers):
        for c, consumer in enumerate(consumers):
            key = (producer, consumer)
            if key not in label or key in done or label[key] == "restores":
                continue
            want = label[key]
            right = c
            while right + 1 < len(consumers) and same(r, right + 1, want):
                right += 1
            bottom = r
            while bottom + 1 < len(producers) and all(
                    same(bottom + 1, x, want) for x in range(c, right + 1)):
                bottom += 1
            for y in range(r, bottom + 1):
                for x in range(c, right + 1):
                    done.add((producers[y], consumers[x]))
            out.append((r, bottom, c, right, want))
    return out


def _span(names: List[str], first: int, last: int) -> str:
    return names[first] if first == last else "%s–%s" % (names[first], names[last])


def rename_maps(m: Matrix) -> Dict[str, Dict[str, Dict[str, str]]]:
    """{case: {"<old>→<new>": {old key: new key}}} where the checkpoint keys a TF's own
    pair records (its producer's ``artifact.keys``) change from one version to the next;
    old and new keys are paired by shape, in sorted order, when both sides hold the same
    shapes (else the map is left out: the change is not a rename)."""
    keys: Dict[str, List[Tuple[str, List[Any]]]] = {}
    out: Dict[str, Dict[str, Dict[str, str]]] = {}
    for (case, _mode, _device, producer, consumer), cell in m.grid.items():
        artifact = (cell.observed or {}).get("artifact") if isinstance(
            cell.observed, dict) else None
        if producer != consumer or not isinstance(artifact, dict):
            continue
        found = artifact.get("keys")
        if not isinstance(found, dict):
            continue
        flat = sorted((str(k), list(s)) for entries in found.values() if isinstance(entries, list)
                      for k, s in (e for e in entries if isinstance(e, list) and len(e) == 2))
        keys.setdefault(case, [])
        if flat and (producer, flat) not in keys[case]:
            keys[case].append((producer, flat))
    for case, seen in keys.items():
        for (old, before), (new, after) in zip(seen, seen[1:]):
            if [k for k, _ in before] == [k for k, _ in after]:
                continue
            gone = [(k, s) for k, s in before if k not in dict(after)]
            came = [(k, s) for k, s in after if k not in dict(before)]
            by_shape_old = sorted(gone, key=lambda e: (str(e[1]), e[0]))
            by_shape_new = sorted(came, key=lambda e: (str(e[1]), e[0]))
            if len(gone) != len(came) or [s for _, s in by_shape_old] != [
                    s for _, s in by_shape_new]:
                continue
            out.setdefault(case, {})["%s→%s" % (old, new)] = {
                o: n for (o, _), (n, _) in zip(by_shape_old, by_shape_new)}
    return out


def grid_data(m: Matrix) -> Dict[str, Any]:
    """The grid as matrix.json holds it: {case: {"<mode>/<device>": {"producers",
    "consumers", "cells": {"<producer>><consumer>": {outcome, reason, kind, what, variant,
    note, env, producer_tf}}}}} (``kind``: one of KINDS; ``what``: its line)."""
    out: Dict[str, Any] = {}
    for (case, mode, device), grid in lanes(m).items():
        producers = ordered(m, [p for p, _ in grid])
        consumers = ordered(m, [c for _, c in grid])
        out.setdefault(case, {})["%s/%s" % (mode, device)] = {
            "producers": producers, "consumers": consumers,
            "cells": {"%s>%s" % key: {
                "outcome": cell.outcome, "reason": cell.reason,
                "kind": behaviour(cell)[0], "what": verdict(cell),
                "variant": cell.variant, "note": cell.note, "env": cell.env,
                "producer_tf": cell.producer_tf} for key, cell in grid.items()}}
    return out


def ordered(m: Matrix, minors: List[str]) -> List[str]:
    order = {minor: i for i, minor in enumerate(m.minors)}
    return sorted(set(minors), key=lambda v: (order.get(v, len(order)), v))


def render(m: Matrix) -> str:
    lines = ["# Checkpoints across TF versions: what TF A wrote, can TF B read?", "",
             "Each producer/consumer case writes an artifact with one TF (the producer) and "
             "reads it with another (the consumer), for every pair of the TF versions below. "
             "Each pair shows what TF did: %s restores, %s raises an error, %s loads "
             "without error but not as the case's own expectation says (a variant, e.g. "
             "silently nothing), %s no artifact to read; the symbol of a verdict (%s, %s, "
             "...) where the pair failed its expectation. Generated by `./run report` from "
             "the raw results (docs/case-format.md, \"Producer/consumer cases\")." % (
                 KIND_SYMBOLS["restores"], KIND_SYMBOLS["raises"], KIND_SYMBOLS["differs"],
                 KIND_SYMBOLS["no_artifact"], SYMBOLS["fail"], SYMBOLS["error"]), ""]
    all_lanes = lanes(m)
    if not all_lanes:
        return "\n".join(lines + ["No producer/consumer case ran.", ""])
    counts = {k: 0 for k in KINDS}
    for grid in all_lanes.values():
        for cell in grid.values():
            counts[behaviour(cell)[0]] += 1
    lines += ["%d cases, %d pairs: %s." % (
        len({lane[0] for lane in all_lanes}), sum(counts.values()), ", ".join(
            "%d %s" % (counts[k], KIND_TEXT[k]) for k in KINDS if counts[k] or k in (
                "restores", "fails"))), ""]
    titles = {c.id: c.title for c in m.cases}
    for (case, mode, device), grid in all_lanes.items():
        producers = ordered(m, [p for p, _ in grid])
        consumers = ordered(m, [c for _, c in grid])
        rects = rectangles(grid, producers, consumers)
        lines += ["## %s (%s, %s)" % (text(case), mode, device), "",
                  text(titles.get(case, case)), ""]
        if not rects:
            lines += ["All %d pairs restore: every producer's artifact is read by every "
                      "consumer." % len(grid), ""]
            continue
        restored = sum(1 for c in grid.values() if behaviour(c)[0] == "restores")
        lines += ["%d of %d pairs restore; the others:" % (restored, len(grid)), ""]
        for r0, r1, c0, c1, label in rects:
            lines.append("- producer %s × consumer %s: %s" % (
                _span(producers, r0, r1), _span(consumers, c0, c1), code(label)))
        lines.append("")
        lines += _table(grid, producers, consumers)
    maps = rename_maps(m)
    if maps:
        lines += ["## Checkpoint keys renamed between versions", "",
                  "Where a producer's checkpoint keys change from one TF version to the "
                  "next (paired by shape), as an `assignment_map` for "
                  "`tf.compat.v1.train.init_from_checkpoint(ckpt, assignment_map)`:", ""]
        for case, boundaries in maps.items():
            for boundary, mapping in boundaries.items():
                lines += ["- %s, %s:" % (text(case), boundary), "", "  ```python",
                          "  assignment_map = {"]
                lines += ["      %r: %r," % (old, new) for old, new in sorted(mapping.items())]
                lines += ["  }", "  ```", ""]
    return "\n".join(lines).rstrip() + "\n"


def summary_lines(m: Matrix) -> List[str]:
    """For matrix.md: the pairs by behaviour, and the cases where a TF cannot read what
    another wrote, with where (the details: checkpoints.md)."""
    counts = {k: 0 for k in KINDS}
    broken: Dict[str, int] = {}
    for (case, _mode, _device, _p, _c), cell in m.grid.items():
        kind = behaviour(cell)[0]
        counts[kind] += 1
        if kind in ("raises", "differs", "fails"):
            broken[case] = broken.get(case, 0) + 1
    out = ["%d pairs (producer TF x consumer TF): %s. What TF A wrote that TF B cannot "
           "read, and the error: [checkpoints.md](checkpoints.md)." % (
               sum(counts.values()), ", ".join("%d %s" % (counts[k], KIND_TEXT[k])
                                               for k in KINDS if counts[k]))]
    if broken:
        out.append("")
        out += ["- %s: %d pairs" % (text(case), n) for case, n in sorted(broken.items())]
    return out


def _table(grid: Dict[Tuple[str, str], Cell], producers: List[str],
           consumers: List[str]) -> List[str]:
    head = "| producer ↓ consumer → | %s |" % " | ".join(consumers)
    rule = "|---|%s" % "".join(":-:|" for _ in consumers)
    rows = []
    for producer in producers:
        cells = []
        for consumer in consumers:
            cell = grid.get((producer, consumer))
            cells.append(symbol(cell) if cell else " ")
        rows.append("| %s | %s |" % (producer, " | ".join(cells)))
    return [head, rule] + rows + [""]


def symbol(cell: Cell) -> str:
    kind = behaviour(cell)[0]
    return SYMBOLS.get(cell.outcome, "?") if kind == "fails" else KIND_SYMBOLS[kind]


def strict_failures(m: Matrix) -> List[Tuple[Tuple[str, str, str, str, str], Cell]]:
    """The pairs that fail (for --strict), as view.bad_cells does for the ordinary cells;
    the pair a TF makes with itself is counted there already."""
    return [(k, c) for k, c in m.grid.items() if k[3] != k[4] and c.outcome in FAILING]
