"""A cache of case files that passed the YAML and schema checks (see ``CaseCache``)."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import Optional, Tuple

from ..results.files import write_text
from . import yamlsource


class CaseCache:
    """Case files that passed the YAML and schema checks, as parsed data and line map, in
    one JSON file each under ``directory``. Every environment of a matrix run collects the
    same files: parsing and validating them cost ~0.2 CPU-s per environment (and importing
    jsonschema ~70 ms more), a hit ~0.03 s.

    An entry is keyed by the sha256 of the file's text and of what decides the outcome of
    those checks: this module, ``yamlsource``, the schema and the PyYAML / jsonschema
    versions. Entries are written whole (rename), so environments running side by side
    share the directory safely; any problem reading or writing is a miss, never an error."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._salt: Optional[bytes] = None

    def _key(self, text: str) -> str:
        if self._salt is None:
            from ..execution.environment import version_of
            from . import load

            salt = hashlib.sha256()
            for name in (__file__, load.__file__, yamlsource.__file__, load.SCHEMA_PATH):
                with open(name, "rb") as f:
                    salt.update(f.read())
            for dist in ("PyYAML", "jsonschema"):
                salt.update(("\0%s=%s" % (dist, version_of(dist))).encode("utf-8"))
            self._salt = salt.digest()
        return hashlib.sha256(self._salt + text.encode("utf-8")).hexdigest()

    def _path(self, text: str) -> str:
        return os.path.join(self.directory, self._key(text) + ".json")

    def get(self, text: str) -> Optional[Tuple[dict, yamlsource.LineMap]]:
        try:
            with open(self._path(text), encoding="utf-8") as f:
                entry = json.load(f)
            return entry["data"], {tuple(path): line for path, line in entry["lines"]}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, text: str, data: dict, lines: yamlsource.LineMap) -> None:
        entry = {"data": data, "lines": [[list(path), line] for path, line in lines.items()]}
        try:
            encoded = json.dumps(entry)  # in the file's key order, as parsed
            if json.loads(encoded)["data"] != data:
                return  # not plain JSON (e.g. a non-string key): keep checking it each time
        except (TypeError, ValueError):
            return
        with contextlib.suppress(OSError):
            write_text(self._path(text), encoded, durable=False)
