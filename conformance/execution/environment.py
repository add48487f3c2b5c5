"""Facts about the current environment, gathered without importing TensorFlow."""
from __future__ import annotations

import contextlib
import functools
import os
import platform
import sys
from typing import Dict, Iterator, List, Optional

if sys.version_info >= (3, 8):
    from importlib import metadata
else:  # pragma: no cover - Python 3.7 (TF 1.15)
    import importlib_metadata as metadata

TF_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly",
                    "tf-nightly-cpu", "tensorflow-intel", "tensorflow-macos")


def version_of(dist: str) -> Optional[str]:
    """Installed version of a distribution, or None."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def tf_distribution() -> tuple:
    """(distribution name, version) of the installed TensorFlow, or (None, None)."""
    for dist in TF_DISTRIBUTIONS:
        version = version_of(dist)
        if version:
            return dist, version
    return None, None


def minor(version: Optional[str]) -> Optional[str]:
    return ".".join(version.split(".")[:2]) if version else None


@functools.lru_cache(maxsize=None)
def _environment() -> Dict[str, Optional[str]]:
    dist, tf_version = tf_distribution()
    return {
        "tf": tf_version,
        "tf_minor": minor(tf_version),
        "tf_package": dist,
        "python": platform.python_version(),
        "numpy": version_of("numpy"),
        "keras": version_of("keras"),
        "tf_keras": version_of("tf-keras"),
        "protobuf": version_of("protobuf"),
        "platform": platform.platform(terse=True),
    }


def environment() -> Dict[str, Optional[str]]:
    """Installed versions; read once per process (the installation does not change under a
    running session, and reading package metadata costs ~1 ms, once per cell otherwise)."""
    return dict(_environment())


def versions() -> Dict[str, Optional[str]]:
    """What variants' `when: {tf, python, keras}` are matched against."""
    env = environment()
    return {"tf": env["tf"], "python": env["python"], "keras": env["keras"]}


@contextlib.contextmanager
def importable(paths: List[str]) -> Iterator[None]:
    """While a cell runs, its code imports modules from ``paths`` (its case root first):
    a finder ahead of the others looks there for top-level modules and regular packages.
    A folder without ``__init__.py`` is not a package here: the cases' own topic folders
    (``cases/keras/``) must never answer ``import keras`` where Keras is missing.
    Afterwards the modules loaded from them leave sys.modules, so that the next cell in
    this process imports them afresh (a module's own state is one cell's, and two case
    roots may each have a modeling.py)."""
    if not paths:
        yield
        return
    loaded = set(sys.modules)
    dirs = tuple(os.path.join(os.path.abspath(p), "") for p in paths)
    finder = _CaseFinder([os.path.abspath(p) for p in paths])
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        for name in set(sys.modules) - loaded:
            where = getattr(sys.modules[name], "__file__", None) or ""
            # An installed package (a virtualenv inside the project) stays loaded.
            if where.startswith(dirs) and "-packages" + os.sep not in where:
                del sys.modules[name]


class _CaseFinder:
    """Finds top-level modules and regular packages in the case roots and configured
    folders; never a namespace package (a folder without ``__init__.py``)."""

    def __init__(self, dirs: List[str]) -> None:
        self.dirs = dirs

    def find_spec(self, name, path=None, target=None):
        if path is not None:  # a submodule: its package's __path__ finds it
            return None
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, self.dirs)
        if spec is None or spec.loader is None:  # nothing, or a namespace portion
            return None
        return spec

    def invalidate_caches(self) -> None:
        pass
