"""Whether the tox environments already have this checkout's package (then the builder
skips building and reinstalling it)."""
from __future__ import annotations

import glob
import os
from typing import List


def _package_files(tree: str) -> dict:
    """{relative path: bytes} of a package directory, without bytecode caches."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, tree)] = f.read()
    return files


def package_installed(root: str, names: List[str]) -> bool:
    """Whether every one of these tox envs already has this checkout's package installed,
    file for file, from a build of the current pyproject.toml and README: then the builder skips
    building the wheel and reinstalling it (--skip-pkg-install), ~2 CPU-s and ~1 s before
    the first run can start. tox still checks and installs each env's dependencies."""
    try:
        source = _package_files(os.path.join(root, "conformance"))
        with open(os.path.join(root, ".tox", PACKAGE_STAMP), "rb") as f:
            if f.read() != _metadata_sources(root):
                return False  # the package was last built from other metadata
        for name in names:
            sites = glob.glob(os.path.join(root, ".tox", name, "lib", "python*", "site-packages"))
            if len(sites) != 1 or _package_files(os.path.join(sites[0], "conformance")) != source:
                return False
    except OSError:
        return False
    return True


def _metadata_sources(root: str) -> bytes:
    """What the wheel's metadata is made from: pyproject.toml and the README it names."""
    parts = []
    for name in ("pyproject.toml", "README.md"):
        with open(os.path.join(root, name), "rb") as f:
            parts.append(f.read())
    return b"\0".join(parts)


def stamp_package(root: str) -> None:
    """Remember the metadata the envs' package was last built from."""
    with open(os.path.join(root, ".tox", PACKAGE_STAMP), "wb") as f:
        f.write(_metadata_sources(root))


PACKAGE_STAMP = ".conformance-package-built-from"
