"""Renderers of the one matrix model: matrix.json, matrix.md, index.html, badges.

``write_all(matrix, outdir)`` writes every artefact atomically (a temp file in the same
directory, then ``os.replace``), so a reader never sees half a report.
"""
from __future__ import annotations

import glob
import os
import threading
import traceback
from typing import Callable, List, Optional

from ..matrix import Matrix
from ..results import write_text as atomic_write
from . import badges, html, json_out, markdown, view

__all__ = ["atomic_write", "write_all"]


def write_all(matrix: Matrix, outdir: str) -> List[str]:
    """Write matrix.json, matrix.md, index.html and badges/*; return the paths written.

    Badge files of columns that are no longer in the matrix are removed, so badges/
    always matches matrix.json.
    """
    outdir = str(outdir)
    data = json_out.to_dict(matrix)  # for matrix.json and the page: built once
    page = os.path.join(outdir, "index.html")
    # The page is the largest file (~0.7 s of rendering): a forked child writes it while
    # this process writes the others, which shortens the end of a matrix run, when the
    # environments are done and a core would idle.
    child = _fork(lambda: atomic_write(page, html.render(matrix, data)))
    written = []
    for name, text in (("matrix.json", lambda: json_out.render(matrix, data)),
                       ("matrix.md", lambda: markdown.render(matrix))):
        path = os.path.join(outdir, name)
        atomic_write(path, text())
        written.append(path)
    if child is None or os.waitpid(child, 0)[1] != 0:
        atomic_write(page, html.render(matrix, data))  # here, so that an error is raised here
    written.append(page)
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


def _fork(work: Callable[[], None]) -> Optional[int]:
    """Run ``work`` in a forked child; its pid, or None where there is no fork (the caller
    then does the work itself, as it does when the child fails)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:  # forking with threads: no
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # pragma: no cover - in the child
        code = 1
        try:
            work()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    return pid
