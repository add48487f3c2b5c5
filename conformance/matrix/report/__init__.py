"""Renderers of the one matrix model: matrix.json, matrix.md, index.html, badges.

``write_all(matrix, outdir)`` writes every artefact atomically (a temp file in the same
directory, then ``os.replace``), so a reader never sees half a report.
"""
from __future__ import annotations

import contextlib
import glob
import os
from typing import List

from ...results.files import write_text as atomic_write
from ..model import Matrix
from . import badges, checkpoints, html, json_out, markdown, view

__all__ = ["atomic_write", "write_all"]


def write_all(matrix: Matrix, outdir: str) -> List[str]:
    """Write matrix.json, matrix.md, index.html, badges/* and, when producer/consumer cases
    ran, checkpoints.md; return the paths written.

    Badge files of columns that are no longer in the matrix are removed, so badges/
    always matches matrix.json.
    """
    outdir = str(outdir)
    written = []
    for name, text in (("matrix.json", lambda: json_out.render(matrix)),
                       ("matrix.md", lambda: markdown.render(matrix)),
                       ("index.html", lambda: html.render(matrix)),
                       # the producer/consumer grid, when such cases ran
                       ("checkpoints.md", lambda: checkpoints.render(matrix)
                        if matrix.grid else None)):
        path = os.path.join(outdir, name)
        content = text()
        if content is None:  # e.g. no grid now: a checkpoints.md of an older run goes
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            continue
        atomic_write(path, content)
        written.append(path)
    badge_dir = os.path.join(outdir, "badges")
    for badge in view.badges(matrix):
        for ext, text in (("svg", badges.svg(badge)), ("json", badges.endpoint_json(badge))):
            path = os.path.join(badge_dir, "%s.%s" % (badge.name, ext))
            atomic_write(path, text)
            written.append(path)
    for stale in sorted(glob.glob(os.path.join(badge_dir, "tf-*.*"))):
        if stale.endswith((".svg", ".json")) and stale not in written:
            os.unlink(stale)
    return written
