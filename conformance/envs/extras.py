"""A team's own packages and import paths, for every TF environment its cases run in.

A team keeps them beside its cases, in ``conformance.toml`` or in its ``pyproject.toml``::

    [tool.tf-scope-conformance]       # (conformance.toml: the same keys at the top level)
    with = ["tf-keras", "six>=1.16"]  # installed in every TF env, resolved with that TF
    pythonpath = ["src"]              # more directories the cases' code imports from
                                      # (relative to this file)

and ``--with PKG`` adds to ``with``. The nearest such file above the first case path is
read. A case's code imports modules from its case root, then from the directory of this
file (the team's project: ``modeling.py`` beside ``cases/``), then from ``pythonpath``.

Each package is resolved together with the env's TF requirement, so it cannot move TF to
another version; where the env's TF build is not the ``tensorflow`` project
(``tensorflow-cpu==2.15.1``), ``tensorflow`` is excluded from the resolution, so a package
that depends on it (tf-keras 2.15) cannot unpack a second TF build over the first. A
package named without a version that TF releases in step with itself (the table's
[lockstep]: tf-keras) gets the release of each env's TF minor (``tf-keras~=2.15.0``).

An env that gets packages the table's env lacks is a tox env of its own,
``tf2.15-cpu-with-<tag>``, the tag a hash of what it adds (``tf-keras~=2.15.0``): another
set is another env (built, never reused), and the matrix's envs stay as they are; where
the packages add nothing (tf-keras on TF 2.16, which has it), the matrix's env is used.
toxfile.py reads the list from CONFORMANCE_WITH.
Host side only.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from packaging.requirements import InvalidRequirement, Requirement

from ..errors import UsageError
from . import versions

ENV_VAR = "CONFORMANCE_WITH"
SECTION = "tf-scope-conformance"
# uv reads the packages to leave out of a resolution from this file (UV_EXCLUDE).
EXCLUDE_TF = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                          "exclude-tensorflow.txt")


@dataclass(frozen=True)
class Extras:
    packages: Tuple[str, ...] = ()
    pythonpath: Tuple[str, ...] = ()  # absolute
    source: Optional[str] = None      # the config file they came from

    @property
    def tag(self) -> Optional[str]:
        return tag(self.packages)

    def describe(self) -> str:
        parts = []
        if self.packages:
            parts.append("with %s" % ", ".join(self.packages))
        if self.pythonpath:
            parts.append("pythonpath %s" % ", ".join(self.pythonpath))
        return "; ".join(parts) + (" (from %s)" % self.source if self.source else "")


def tag(packages: Sequence[str]) -> Optional[str]:
    """Eight hex digits naming a set of packages (order and repeats do not matter)."""
    if not packages:
        return None
    text = "\n".join(sorted(set(packages)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def for_row(row: versions.TFVersion, packages: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(requirements, notes): what ``packages`` mean for this TF version; a note for each
    package that has no release for it."""
    out, notes = [], []
    for text in packages:
        req = parse(text)
        name = req.name.lower().replace("_", "-")
        if not str(req.specifier) and not req.url and name in versions.load_lockstep():
            pinned = row.lockstep(name)
            note = "%s: no release for TF %s" % (name, row.minor)
            if pinned is None and note not in notes:
                notes.append(note)
            elif pinned is not None and pinned not in out:
                out.append(pinned)
        elif text not in out:
            out.append(text)
    return out, notes


def added(row: versions.TFVersion, device: str, keras3: Optional[str],
          packages: Sequence[str]) -> List[str]:
    """The team's packages for this TF that the table's requirements do not have already:
    what the env installs on top of the matrix's (empty: the matrix's env will do)."""
    base = row.requirements(device, keras3)
    return [r for r in for_row(row, packages)[0] if r not in base]


def env_name(row: versions.TFVersion, device: str, keras3: Optional[str],
             packages: Sequence[str]) -> str:
    """tf2.15-cpu-with-<tag of what it adds>, or the matrix's name when it adds nothing."""
    return row.env_name(device, keras3, tag(added(row, device, keras3, packages)))


def requirements(row: versions.TFVersion, device: str, keras3: Optional[str],
                 packages: Sequence[str]) -> List[str]:
    """The env's requirements: the table's, then the team's packages for this TF."""
    return row.requirements(device, keras3) + added(row, device, keras3, packages)


def excludes_tf(row: versions.TFVersion, device: str, packages: Sequence[str]) -> bool:
    """Whether the env's resolution must leave out the ``tensorflow`` project: its TF build
    is another project (tensorflow-cpu, tensorflow-gpu) and something beside it may
    depend on ``tensorflow``."""
    build = row.gpu if device == "gpu" else row.cpu
    return versions.project(build) != "tensorflow" and bool(packages or row.keras)


def parse(text: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise UsageError("--with / with: %r is not a requirement (%s)" % (text, exc)) from None


def exported(packages: Sequence[str]) -> dict:
    """The environment that tells toxfile.py a team's packages."""
    return {ENV_VAR: json.dumps(sorted(set(packages)))}


def from_environment() -> List[str]:
    try:
        value = json.loads(os.environ.get(ENV_VAR) or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def find_config(paths: Sequence[str]) -> Optional[Tuple[str, dict]]:
    """(file, settings) of the nearest conformance.toml, or pyproject.toml with a
    [tool.tf-scope-conformance] table, at or above the first path; None if there is none."""
    if not paths:
        return None
    here = os.path.abspath(paths[0])
    here = here if os.path.isdir(here) else os.path.dirname(here)
    while True:
        for name in ("conformance.toml", "pyproject.toml"):
            path = os.path.join(here, name)
            if os.path.isfile(path):
                data = _read(path)
                settings = data if name == "conformance.toml" else (
                    data.get("tool", {}).get(SECTION))
                if settings is not None:
                    return path, settings
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError("%s: cannot read as TOML: %s" % (path, exc)) from None


def load(paths: Sequence[str], with_: Sequence[str] = ()) -> Extras:
    """The team's settings for these case paths, plus ``--with`` packages."""
    found = find_config(paths)
    packages: List[str] = []
    pythonpath: List[str] = []
    source = None
    if found:
        source, settings = found
        where = "[tool.%s]" % SECTION if source.endswith("pyproject.toml") else ""
        problems = []
        unknown = sorted(set(settings) - {"with", "pythonpath"})
        if unknown:
            problems.append("%s%s: unknown key%s %s (known: with, pythonpath)" % (
                source, " " + where if where else "", "s"[:len(unknown) > 1],
                ", ".join(unknown)))
        for key, into in (("with", packages), ("pythonpath", pythonpath)):
            value = settings.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append("%s: %s%s: expected a list of strings, got %r" % (
                    source, where + "." if where else "", key, value))
            else:
                into.extend(value)
        if problems:
            raise UsageError("\n".join(problems))
        # The project's own directory (where the config is) first: modeling.py beside cases/.
        base = os.path.dirname(source)
        pythonpath = [base] + [os.path.normpath(os.path.join(base, p)) for p in pythonpath]
    packages += list(with_)
    for text in packages:
        parse(text)
    return Extras(tuple(dict.fromkeys(packages)), tuple(dict.fromkeys(pythonpath)), source)
