"""tox plugin (tox >= 4.29): defines one env per row of conformance/data/tf_versions.toml.

    tf<minor>-cpu / tf<minor>-gpu  run the corpus with that TF build (see tox.ini [testenv])
    tf<minor>-cpu-keras<version>   the same with another Keras 3 release (upgrade-check
                                   --keras), when named in CONFORMANCE_EXTRA_ENVS
    tf<minor>-cpu-with-<tag>       the same with a team's packages (CONFORMANCE_WITH; the
                                   tag is the hash of what they add: conformance/envs/
                                   extras.py), when named in CONFORMANCE_EXTRA_ENVS
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
from conformance.envs import discovery, extras, versions

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
    tag = versions.extras_tag(env_conf.name)
    packages = extras.from_environment() if tag else []
    if tag != extras.tag(extras.added(row, parsed[1], keras3, packages)):
        return  # CONFORMANCE_WITH names other packages than this env's: not defined here
    found = discovery.find_any(row.pythons)
    # A missing interpreter is left to tox's own message (and skip_missing_interpreters);
    # the orchestrator (python -m conformance full) reports it as an `unavailable` column.
    base = found[0] if found else "python%s" % row.pythons[0]
    env_conf.loaders.insert(0, MemoryLoader(
        base_python=[base],
        deps="\n".join(extras.requirements(row, parsed[1], keras3, packages)),
        description="TF %s (%s)%s%s on %s, Python %s" % (
            row.release, parsed[1], " with Keras %s" % keras3 if keras3 else "",
            " with %s" % ", ".join(packages) if packages else "", base, row.pythons[0]),
    ))
    if extras.excludes_tf(row, parsed[1], packages):
        env_conf["set_env"].update({"UV_EXCLUDE": extras.EXCLUDE_TF})
