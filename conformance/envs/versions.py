"""The per-TF-version facts table (``data/tf_versions.toml``): the one place they live.

Read by ``toxfile.py`` (tox envs) and by the orchestrator. Host side only.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from packaging.version import InvalidVersion, Version

TABLE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "tf_versions.toml")
DEVICES = ("cpu", "gpu")


@dataclass(frozen=True)
class TFVersion:
    minor: str
    release: str
    pythons: List[str]
    cpu: str
    gpu: str
    pins: List[str] = field(default_factory=list)
    keras: Optional[str] = None
    why: Optional[str] = None
    optional: bool = False  # built only when asked for by name (the nightly)
    released: Optional[str] = None         # the day `release` was on PyPI
    keras3: Optional[str] = None           # the Keras 3 current then (TF >= 2.16)
    keras3_released: Optional[str] = None  # the day that Keras was on PyPI

    def requirements(self, device: str, keras3: Optional[str] = None) -> List[str]:
        """What the env installs; ``keras3`` replaces the row's Keras 3 release."""
        main = self.gpu if device == "gpu" else self.cpu
        keras3 = keras3 or self.keras3
        return ([main] + list(self.pins) + ([self.keras] if self.keras else [])
                + (["keras==%s" % keras3] if keras3 else []))

    def env_name(self, device: str, keras3: Optional[str] = None,
                 extras: Optional[str] = None) -> str:
        """tf2.16-cpu; with another Keras 3 than the row's: tf2.16-cpu-keras3.6.0; with a
        team's packages (``extras``: their tag, envs.extras.tag): tf2.16-cpu-with-1a2b3c4d."""
        return "tf%s-%s%s%s" % (self.minor, device, "-keras" + keras3 if keras3 else "",
                                "-with-" + extras if extras else "")

    def lockstep(self, name: str) -> Optional[str]:
        """The requirement for this TF of a package released once per TF minor (the table's
        [lockstep]: tf-keras -> tf-keras~=2.15.0), or None where it has no release."""
        first = load_lockstep().get(name)
        if first is None:
            return None
        if self.keras and project(self.keras).replace("-nightly", "") == name:
            return self.keras  # the row installs it already (tf-keras~=2.16.0, the nightly's)
        if self.optional or _version(self.minor) < _version(first):
            return None
        return "%s~=%s.0" % (name, self.minor)


def load(path: str = TABLE, optional: bool = False) -> List[TFVersion]:
    """The table's rows in version order; ``optional``: with the rows built only when
    asked for by name (they sort last)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    rows = [TFVersion(minor=minor, release=row["release"], pythons=list(row["python"]),
                      cpu=row["cpu"], gpu=row["gpu"], pins=list(row.get("pins", [])),
                      keras=row.get("keras"), why=row.get("why"),
                      optional=bool(row.get("optional", False)),
                      released=row.get("released"), keras3=row.get("keras3"),
                      keras3_released=row.get("keras3_released"))
            for minor, row in data["tf"].items()]
    rows = [r for r in rows if optional or not r.optional]
    return sorted(rows, key=lambda r: (r.optional, _version(r.minor)))


def load_lockstep(path: str = TABLE) -> Dict[str, str]:
    """The table's [lockstep]: package -> the first TF minor it has a release for."""
    with open(path, "rb") as f:
        return dict(tomllib.load(f).get("lockstep", {}))


def project(requirement: str) -> str:
    """"tf-keras~=2.16.0" -> "tf-keras"."""
    return re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _version(minor: str) -> Version:
    try:
        return Version(minor)
    except InvalidVersion:
        return Version("0")


def env_names(rows: Optional[List[TFVersion]] = None) -> List[str]:
    rows = load() if rows is None else rows
    return [row.env_name(device) for row in rows for device in DEVICES]


def parse_env_name(name: str) -> Optional[tuple]:
    """"tf2.16-cpu" -> ("2.16", "cpu"); None for other names (a Keras env, or one with a
    team's packages, included)."""
    parsed = split_env_name(name)
    return parsed[:2] if parsed and parsed[2] is None and not extras_tag(name) else None


def extras_tag(name: str) -> Optional[str]:
    """"tf2.15-cpu-with-1a2b3c4d" -> "1a2b3c4d"; None without a team's packages."""
    _, sep, tag = name.partition("-with-")
    return tag if sep and re.fullmatch(r"[0-9a-f]{8}", tag) else None


def split_env_name(name: str) -> Optional[tuple]:
    """"tf2.16-cpu" -> ("2.16", "cpu", None); "tf2.16-cpu-keras3.6.0" -> ("2.16", "cpu",
    "3.6.0"); None for other names. A team's packages (``-with-TAG``, extras_tag) are not
    part of the answer."""
    if not name.startswith("tf") or "-" not in name:
        return None
    if "-with-" in name and not extras_tag(name):
        return None
    name = name.split("-with-")[0]
    minor, _, rest = name[2:].partition("-")
    device, _, keras3 = rest.partition("-keras")
    if device not in DEVICES or (keras3 == "" and rest != device) or not is_version(keras3 or "0"):
        return None
    return minor, device, keras3 or None


def is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def extra_env_names() -> List[str]:
    """Environments a command asked tox for on top of the table's (upgrade-check --keras
    names ``tf2.21-cpu-keras3.13.2``): CONFORMANCE_EXTRA_ENVS, comma-separated."""
    names = [n.strip() for n in os.environ.get("CONFORMANCE_EXTRA_ENVS", "").split(",")]
    return [n for n in names if n and split_env_name(n)]


def by_minor(rows: Optional[List[TFVersion]] = None) -> Dict[str, TFVersion]:
    """Every row by its minor, the optional ones included."""
    return {row.minor: row for row in (load(optional=True) if rows is None else rows)}
