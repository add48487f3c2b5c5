"""Where cases are: the case roots a project names, and the paths under them that cannot
be cases (symlink loops, dangling links), told instead of followed or silently skipped."""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest

SUFFIXES = (".yaml", ".yml")
ROOTS = pytest.StashKey[List[Path]]()
PYTHONPATH = pytest.StashKey[List[str]]()  # where a case's code imports from, after its root
LOOPS = pytest.StashKey[List[str]]()
VISITED = pytest.StashKey[dict]()  # real path -> the path it was first collected as


def configured(config, ini_name: str) -> List[Path]:
    """The case roots: ``--case-root`` directories (UsageError for one that is not a
    directory), else the ini option's (relative to the rootdir); empty when the project
    asked for neither."""
    given = config.getoption("case_root") or []
    if given:
        paths = [Path(os.path.abspath(p)) for p in given]
        for text, path in zip(given, paths):
            if not path.is_dir():
                raise pytest.UsageError("--case-root %s: %s (expected a directory of case "
                                        "files)" % (text, "not a directory" if path.exists()
                                                    else "no such directory"))
    else:
        paths = [Path(config.rootpath, p) for p in config.getini(ini_name)]
    return [p for p in dict.fromkeys(paths)]


def import_paths(config, ini_name: str) -> List[str]:
    """The directories, after each case's own root, that a case's code imports from: the
    ini option's (relative to the rootdir), then ``--conformance-pythonpath``."""
    paths = [os.path.join(str(config.rootpath), p) for p in config.getini(ini_name)]
    paths += [os.path.abspath(p) for p in config.getoption("conformance_pythonpath") or []]
    return list(dict.fromkeys(paths))


def root_of(path: Path, case_roots: List[Path]) -> Optional[Path]:
    """The case root a file belongs to (the innermost), or None if it is under none."""
    best = None
    text = os.path.abspath(str(path))
    for root in case_roots:
        r = str(root)
        inside = text == r or text.startswith(r.rstrip(os.sep) + os.sep)
        if inside and (best is None or len(r) > len(str(best))):
            best = root
    return best


def first_visit(config, path: Path) -> bool:
    """False for a file already collected under another name (through a symlink); the
    same path asked for again (pytest collects a folder once per argument in it) is
    still itself."""
    seen = config.stash.setdefault(VISITED, {})
    return seen.setdefault(os.path.realpath(str(path)), str(path)) == str(path)


def loops_back(path: Path, case_roots: List[Path]) -> bool:
    """A directory symlink under a case root that points at one of its own ancestors:
    following it would collect the same cases again, ~40 levels deep."""
    text = str(path)
    if not os.path.islink(text) or root_of(path, case_roots) is None:
        return False
    real = os.path.realpath(text)
    parent = os.path.realpath(os.path.dirname(text))
    return parent == real or parent.startswith(real.rstrip(os.sep) + os.sep)


def unreadable(args: List[str], case_roots: List[Path],
               loops: List[str]) -> Iterator[Tuple[str, str]]:
    """(path, why) for case-like paths under the run's arguments that are not followed:
    directory links that loop, and `*.yaml` links that lead nowhere or loop."""
    for loop in sorted(set(loops)):
        yield loop, "a symbolic link to %s, which contains it: not followed" % (
            os.path.realpath(loop))
    for top in _walked(args, case_roots):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            for name in sorted(filenames + dirnames):
                path = os.path.join(dirpath, name)
                if (os.path.splitext(name)[1].lower() in SUFFIXES and os.path.islink(path)
                        and not os.path.exists(path)):
                    yield path, _why_dangling(path)


def _walked(args: List[str], case_roots: List[Path]) -> List[str]:
    tops = []
    for arg in args:
        path = os.path.abspath(arg.split("::")[0])
        if os.path.isdir(path) and root_of(Path(path), case_roots) is not None:
            tops.append(path)
        elif os.path.isdir(path):  # a directory above a case root: walk the roots in it
            tops += [str(r) for r in case_roots if str(r).startswith(path.rstrip(os.sep))]
    return sorted(set(tops))


def _why_dangling(path: str) -> str:
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops: cannot be read"
        return "a symbolic link to %s, which does not exist" % os.readlink(path)
    return "cannot be read"
