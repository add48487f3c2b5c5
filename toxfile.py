"""tox plugin (tox >= 4.29): defines one env per row of conformance/data/tf_versions.toml.

    tf<minor>-cpu / tf<minor>-gpu  run the corpus with that TF build (see tox.ini [testenv])
    tf<minor>-cpu-keras<version>   the same with another Keras 3 release (upgrade-check
                                   --keras), when named in CONFORMANCE_EXTRA_ENVS
    report                         combine reports/raw/*.json into the matrix

Interpreter, requirements and pins come from the table, so no version fact is repeated here.
"""
from __future__ import annotations

import os
import sys

from tox.config.loader.memory import MemoryLoader
from tox.config.types import EnvList
from tox.plugin import impl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance.envs import discovery, versions

ROWS = versions.by_minor()  # the optional rows (the nightly) too: `tox -e tfnightly-cpu`
NAMES = versions.env_names(list(ROWS.values())) + versions.extra_env_names()
DEFAULT = versions.env_names()  # what `tox` / `tox -p` runs: not the optional rows


@impl
def tox_extend_envs():
    return NAMES


@impl
def tox_add_core_config(core_conf, state):
    core_conf.loaders.insert(0, MemoryLoader(env_list=EnvList(DEFAULT + ["report"])))


UNIT_ENVS = {"in-env-unit": "3.7"}  # the in-environment side's tests on its oldest Python


@impl
def tox_add_env_config(env_conf, state):
    if env_conf.name in UNIT_ENVS:
        found = discovery.find(UNIT_ENVS[env_conf.name])
        if found:
            env_conf.loaders.insert(0, MemoryLoader(base_python=[found[0]]))
        return
    parsed = versions.split_env_name(env_conf.name)
    if parsed is None or parsed[0] not in ROWS:
        return
    row = ROWS[parsed[0]]
    keras3 = parsed[2]
    found = discovery.find_any(row.pythons)
    # A missing interpreter is left to tox's own message (and skip_missing_interpreters);
    # the orchestrator (python -m conformance full) reports it as an `unavailable` column.
    base = found[0] if found else "python%s" % row.pythons[0]
    env_conf.loaders.insert(0, MemoryLoader(
        base_python=[base],
        deps="\n".join(row.requirements(parsed[1], keras3)),
        description="TF %s (%s)%s on %s, Python %s" % (
            row.release, parsed[1], " with Keras %s" % keras3 if keras3 else "", base,
            row.pythons[0]),
    ))
