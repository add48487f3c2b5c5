"""Writing files atomically: a complete file or the old one, never half of one."""
from __future__ import annotations

import contextlib
import os
import tempfile


def write_text(path: str, text: str, durable: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (a temp file in the same directory, then
    ``os.replace``). ``durable``: fsync before the rename, so that a crash of the machine
    cannot leave an empty file either (a cache entry does without)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path),
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; results are for reading
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def umask() -> int:
    """The process's umask, read without changing it (os.umask sets it to read it, which
    races with other threads creating files): from /proc where the kernel says it, else
    the value read once when this module was imported."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _UMASK_AT_IMPORT


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK_AT_IMPORT = _read_umask()
