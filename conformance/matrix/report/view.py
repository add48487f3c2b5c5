"""View model shared by the renderers: counts, per-row aggregates, badges, failures.

Renderers (json_out, markdown, html, badges) only format what this module computes from
the one ``Matrix``; none of them reads raw files or decides what an outcome means.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from ...vocabulary import CELL_OUTCOMES as OUTCOMES
from ...vocabulary import DEVICES, DID_NOT_RUN, ENV_STATUSES, GOOD, PRIORITY
from ...vocabulary import FAILING as BAD
from ...vocabulary import LABELS as OUTCOME_LABELS
from ..model import Case, Cell, CellKey, Column, Matrix

LABELS = dict(OUTCOME_LABELS)
LABELS.update(complete="complete", partial="partial", no_env="no environment")  # columns

# Shields.io colour names and the hex used in our own SVG for them.
COLORS = {"brightgreen": "#4c1", "red": "#e05d44", "lightgrey": "#9f9f9f"}


def aggregate(outcomes: Iterable[str]) -> Optional[str]:
    """Which outcome a group of cells (the modes of one case in one column) is shown as:
    the first in vocabulary.PRIORITY that occurs (failures first, "did not run" last)."""
    present = set(outcomes)
    for outcome in PRIORITY:
        if outcome in present:
            return outcome
    return None


def counts(cells: Iterable[Cell]) -> Dict[str, int]:
    result = dict.fromkeys(OUTCOMES, 0)
    for cell in cells:
        result[cell.outcome] = result.get(cell.outcome, 0) + 1
    return result


def summary(m: Matrix) -> Dict[str, Dict[str, int]]:
    """Counts by outcome per column key "<tf_minor>/<device>", columns in matrix order."""
    by_column: Dict[str, List[Cell]] = {c.key: [] for c in m.columns}
    for (_, tf_minor, _, device), cell in m.cells.items():
        by_column.setdefault("%s/%s" % (tf_minor, device), []).append(cell)
    return {key: counts(cells) for key, cells in by_column.items()}


def ran(count: Dict[str, int]) -> int:
    """Cells that were attempted (everything but skip / unavailable / not run)."""
    return sum(n for o, n in count.items() if o not in DID_NOT_RUN)


def good(count: Dict[str, int]) -> int:
    return sum(count.get(o, 0) for o in GOOD)


def bad(count: Dict[str, int]) -> int:
    return sum(count.get(o, 0) for o in BAD)


def bad_cells(m: Matrix) -> List[Tuple[CellKey, Cell]]:
    return [(key, cell) for key, cell in m.cells.items() if cell.outcome in BAD]


def row_outcome(m: Matrix, case: Case, tf_minor: str, device: str) -> Tuple[Optional[str], bool]:
    """Aggregate over the modes of one case in one column, and whether any mode changed."""
    cells = [m.cell(case.id, tf_minor, mode, device) for mode in case.modes]
    present = [c for c in cells if c is not None]
    return aggregate(c.outcome for c in present), any(c.change for c in present)


def first_line(text: Optional[str], limit: int = 120) -> str:
    lines = str(text or "").strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def explain(cell: Cell, limit: int = 120) -> str:
    """One line saying why a cell is what it is: its reason, else its first mismatch."""
    if cell.reason:
        return first_line(cell.reason, limit)
    for mm in cell.mismatches:
        if isinstance(mm, dict):
            return first_line(mm.get("message") or "%s: expected %r, observed %r" % (
                mm.get("key"), mm.get("expected"), mm.get("observed")), limit)
    return ""


_OLD_REPRO = re.compile(r"^python -m conformance run (.*?)(?: --no-out)?(?: --show)?$")


def repro(cell: Cell) -> Optional[str]:
    """The command that runs the cell again in its environment and prints what TF observed:
    ``./run cell tf2.16-cpu cases/x.yaml --modes eager --devices cpu``. Records written
    before they named their environment say ``python -m conformance run …``; with the
    cell's environment known, that becomes the ``./run cell`` form too."""
    if not cell.repro or cell.repro.startswith("./run cell ") or not cell.env:
        return cell.repro
    match = _OLD_REPRO.match(cell.repro)
    return "./run cell %s %s" % (cell.env, match.group(1)) if match else cell.repro


@dataclass
class Badge:
    name: str  # file stem: "tf-2.16-cpu", "overall"
    label: str
    message: str
    color: str  # shields.io colour name, a key of COLORS

    @property
    def hex(self) -> str:
        return COLORS[self.color]


def badge_name(column: Column) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", "tf-%s-%s" % (column.tf_minor, column.device))


def _badge(name: str, label: str, count: Dict[str, int], status: str = "complete") -> Badge:
    if status in ENV_STATUSES:
        return Badge(name, label, LABELS[status], "lightgrey")
    if ran(count) == 0:
        return Badge(name, label, "no cells ran", "lightgrey")
    color = "red" if bad(count) else "brightgreen"
    return Badge(name, label, "%d/%d" % (good(count), ran(count)), color)


def add(counts: Iterable[Dict[str, int]]) -> Dict[str, int]:
    total = dict.fromkeys(OUTCOMES, 0)
    for count in counts:
        for outcome, n in count.items():
            total[outcome] = total.get(outcome, 0) + n
    return total


def by_device(m: Matrix) -> Dict[str, Dict[str, int]]:
    """Counts by outcome per device (every device of the vocabulary, in its order)."""
    per_column = summary(m)
    devices = list(DEVICES) + [d for d in m.devices if d not in DEVICES]
    return {d: add(per_column[c.key] for c in m.columns if c.device == d) for d in devices}


def badges(m: Matrix) -> List[Badge]:
    """One badge per column; one per device ("cpu", "gpu": "not run" in grey where no cell
    of it ran); then "overall", which names the devices that ran: "cpu 22126/22126"."""
    per_column = summary(m)
    result = [
        _badge(badge_name(c), "tf %s %s" % (c.tf_minor, c.device), per_column[c.key], c.status)
        for c in m.columns
    ]
    devices = by_device(m)
    for device, count in devices.items():
        badge = _badge(device, "tf scope %s" % device, count)
        if ran(count) == 0:
            badge.message = "not run"
        result.append(badge)
    ran_devices = [(d, c) for d, c in devices.items() if ran(c)]
    if not ran_devices:
        return result + [Badge("overall", "tf scope conformance", "no results", "lightgrey")]
    message = " · ".join("%s %d/%d" % (d, good(c), ran(c)) for d, c in ran_devices)
    color = "red" if any(bad(c) for _, c in ran_devices) else "brightgreen"
    return result + [Badge("overall", "tf scope conformance", message, color)]
