"""A cell's identity (``CellKey``): the one key every side uses instead of a tuple.

In one environment's results file a cell is (case, mode, device), plus for a cell of a
producer/consumer case its step and, for a consume cell, its producer (the env that wrote
the artifact). Across environments (the matrix) the TF minor of the consumer is added, and
the producer is named by its TF minor. ``text`` is how reports and matrix.json spell the
part after the case: ``2.16/eager/cpu``, a consume cell ``2.15>2.16/eager/cpu``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict


@dataclass(frozen=True, order=True)
class CellKey:
    case: str
    mode: str
    device: str
    tf: str = ""        # the TF minor that ran the cell (the consumer's); "" in one env's file
    producer: str = ""  # a consume cell's producer: env name in a results file, TF minor across
    step: str = ""      # "produce" or "consume" for a producer/consumer case's cell

    @classmethod
    def of(cls, cell: Dict[str, Any]) -> CellKey:
        """The key of a cell record as a results file spells it (JSON)."""
        return cls(cell["case"], cell["mode"], cell["device"],
                   producer=cell.get("producer") or "", step=cell.get("step") or "")

    def text(self) -> str:
        """``[producer>][tf/]mode/device`` (the case left out)."""
        head = "%s/" % self.tf if self.tf else ""
        if self.producer:
            head = "%s>%s" % (self.producer, head)
        return "%s%s/%s" % (head, self.mode, self.device)

    @classmethod
    def parse(cls, case: str, text: str) -> CellKey:
        """The inverse of ``text`` (ValueError for anything else)."""
        producer, _, rest = text.rpartition(">")
        parts = rest.split("/")
        if len(parts) == 2:
            parts = [""] + parts
        if len(parts) != 3 or not all(parts[1:]):
            raise ValueError("not a cell key: %r" % text)
        return cls(case, parts[1], parts[2], tf=parts[0], producer=producer,
                   step="consume" if producer else "")

    def at(self, tf: str, producer: str = "") -> CellKey:
        """This cell as the matrix keys it: with the TF minor that ran it (and its
        producer's)."""
        return replace(self, tf=tf, producer=producer)
