"""Writing files atomically: a complete file or the old one, never half of one.

``write_text`` writes what a path names: through a symlink to its target (the link stays),
and never over something that is not a regular file (a FIFO, a device node such as
/dev/null, a directory): that is refused with ``NotRegularFile``. A file being rewritten
(``record --write``) is read with ``read_original`` and written back with ``write_back``,
which keeps its byte-order mark and line endings and refuses a read-only file or one that
changed since it was read.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from typing import NamedTuple, Optional, Tuple

KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
         (stat.S_ISSOCK, "a socket"))


class NotRegularFile(OSError):
    """The path names something other than a regular file; it is never replaced."""


def not_regular(path: str) -> Optional[str]:
    """What ``path`` (followed through symlinks) is when it exists and is not a regular
    file ("a FIFO", "a character device", ...); None for a regular file or no file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in KINDS if test(mode)), "not a regular file")


def write_text(path: str, text: str, durable: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (a temp file in the same directory, then
    ``os.replace``). ``durable``: fsync before the rename, so that a crash of the machine
    cannot leave an empty file either (a cache entry does without). A symlink is written
    through (its target replaced); an existing file keeps its permission bits."""
    path = os.path.realpath(path)
    kind = not_regular(path)
    if kind:
        raise NotRegularFile(errno.EINVAL, "not a regular file: %s" % kind, path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~umask()  # mkstemp makes 0600; results are for reading
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path),
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------------ rewriting a file


class Original(NamedTuple):
    """A text file as read for rewriting: ``text`` without its BOM, newlines as "\\n"."""

    path: str        # the file itself (a symlink's target)
    text: str
    bom: bool
    newline: str     # "\r\n" when the file's lines end so, else "\n"
    stamp: Tuple[int, int, str]  # size, mtime (ns), sha256 of the bytes


def _stamp(data: bytes, st: os.stat_result) -> Tuple[int, int, str]:
    return (st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def read_original(path: str) -> Original:
    """Read ``path`` for ``write_back``; OSError / UnicodeDecodeError as ``open`` raises."""
    real = os.path.realpath(path)
    with open(real, "rb") as f:
        data = f.read()
        st = os.fstat(f.fileno())
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig" if bom else "utf-8")
    newline = "\r\n" if "\r\n" in text and text.count("\r\n") == text.count("\n") else "\n"
    return Original(real, text.replace("\r\n", "\n") if newline == "\r\n" else text, bom,
                    newline, _stamp(data, st))


class NotWritten(Exception):
    """``write_back`` refused: the message says why, on one line."""


def write_back(original: Original, text: str) -> None:
    """Write ``text`` (newlines as "\\n") over the file ``original`` was read from, in its
    line endings and with its BOM. Refused (``NotWritten``) when the file is read-only
    (no write permission bit, whoever runs: root too) or changed since it was read (size,
    mtime or content)."""
    path = original.path
    try:
        with open(path, "rb") as f:
            data = f.read()
            st = os.fstat(f.fileno())
    except OSError as exc:
        raise NotWritten("cannot read it again: %s" % (exc.strerror or exc)) from None
    if _stamp(data, st) != original.stamp:
        raise NotWritten("changed since it was read; run record again")
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise NotWritten("read-only; make it writable to let record write it")
    if original.newline != "\n":
        text = text.replace("\n", original.newline)
    try:
        write_text(path, ("\ufeff" if original.bom else "") + text)
    except OSError as exc:
        raise NotWritten("cannot write: %s" % (exc.strerror or exc)) from None


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
