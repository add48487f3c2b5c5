"""The per-TF-version facts table (``data/tf_versions.toml``): the one place they live.

Read by ``toxfile.py`` (tox envs) and by the orchestrator. Host side only.
"""
from __future__ import annotations

import os
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

    def requirements(self, device: str) -> List[str]:
        main = self.gpu if device == "gpu" else self.cpu
        return [main] + list(self.pins) + ([self.keras] if self.keras else [])

    def env_name(self, device: str) -> str:
        return "tf%s-%s" % (self.minor, device)


def load(path: str = TABLE, optional: bool = False) -> List[TFVersion]:
    """The table's rows in version order; ``optional``: with the rows built only when
    asked for by name (they sort last)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    rows = [TFVersion(minor=minor, release=row["release"], pythons=list(row["python"]),
                      cpu=row["cpu"], gpu=row["gpu"], pins=list(row.get("pins", [])),
                      keras=row.get("keras"), why=row.get("why"),
                      optional=bool(row.get("optional", False)))
            for minor, row in data["tf"].items()]
    rows = [r for r in rows if optional or not r.optional]
    return sorted(rows, key=lambda r: (r.optional, _version(r.minor)))


def _version(minor: str) -> Version:
    try:
        return Version(minor)
    except InvalidVersion:
        return Version("0")


def env_names(rows: Optional[List[TFVersion]] = None) -> List[str]:
    rows = load() if rows is None else rows
    return [row.env_name(device) for row in rows for device in DEVICES]


def parse_env_name(name: str) -> Optional[tuple]:
    """"tf2.16-cpu" -> ("2.16", "cpu"); None for other names."""
    if not name.startswith("tf") or "-" not in name:
        return None
    minor, _, device = name[2:].partition("-")
    return (minor, device) if device in DEVICES else None


def by_minor(rows: Optional[List[TFVersion]] = None) -> Dict[str, TFVersion]:
    """Every row by its minor, the optional ones included."""
    return {row.minor: row for row in (load(optional=True) if rows is None else rows)}
