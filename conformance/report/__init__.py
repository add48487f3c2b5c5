"""Renderers of the one matrix model: matrix.json, matrix.md, index.html, badges.

``write_all(matrix, outdir)`` writes every artefact atomically (a temp file in the same
directory, then ``os.replace``), so a reader never sees half a report.
"""
from __future__ import annotations

import glob
import os
import tempfile
from typing import List

from ..matrix import Matrix
from . import badges, html, json_out, markdown, view

__all__ = ["atomic_write", "write_all"]


def atomic_write(path: str, text: str) -> None:
    """Write text (UTF-8) to path via a temp file in the same directory + os.replace."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for reading
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_all(matrix: Matrix, outdir: str) -> List[str]:
    """Write matrix.json, matrix.md, index.html and badges/*; return the paths written.

    Badge files of columns that are no longer in the matrix are removed, so badges/
    always matches matrix.json.
    """
    outdir = str(outdir)
    written = []
    for name, render in (("matrix.json", json_out.render), ("matrix.md", markdown.render),
                         ("index.html", html.render)):
        path = os.path.join(outdir, name)
        atomic_write(path, render(matrix))
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
