"""The artifact directory of one matrix run with producer/consumer cases (see
``orchestrate``): ``ART/<producer env>/`` per producer, written by its produce run (phase A)
and read by every consume run (phase B)."""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Optional, Tuple

from ..results.writer import write_json


class Artifacts:
    """The artifact directory of one matrix run: made in the system's temporary directory
    (never in the repository), removed at the end unless kept (``--keep-artifacts``)."""

    def __init__(self, keep: Optional[str] = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="conformance-artifacts-")
        self.keep = keep
        self.seconds = 0.0  # phase A's wall time

    def of(self, env) -> str:
        return os.path.join(self.dir, env.name)

    def failed(self, env, status: str, reason: str) -> None:
        """The producer ``env`` left nothing: its consumers skip, saying why."""
        os.makedirs(self.of(env), exist_ok=True)
        write_json(os.path.join(self.of(env), "status.json"),
                   {"status": status, "reason": reason})

    def size(self) -> Tuple[int, int]:
        """(files, bytes) the producers wrote in their folders (manifests included; not
        their runs' results files beside them)."""
        files = size = 0
        for root, _dirs, names in os.walk(self.dir):
            for name in names if root != self.dir else ():
                files += 1
                size += os.lstat(os.path.join(root, name)).st_size
        return files, size

    def close(self) -> Optional[str]:
        """Remove the directory (copied to ``keep`` first, when given); what to say."""
        said = None
        if self.keep:
            if os.path.exists(self.keep):
                shutil.rmtree(self.keep)
            shutil.copytree(self.dir, self.keep, symlinks=True)
            said = "artifacts kept in %s" % self.keep
        shutil.rmtree(self.dir, ignore_errors=True)
        return said
