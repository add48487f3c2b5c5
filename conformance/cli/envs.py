"""``python -m conformance envs``: the TF environments and what each finds here."""
from __future__ import annotations

import argparse
from typing import List

from ..envs import discovery, versions
from ..execution.pool import gpu_absent_reason


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance envs",
                                     description="List the TF environments and what each "
                                                 "needs and finds on this machine.")
    parser.parse_args(argv)
    gpu_reason = gpu_absent_reason()
    for row in versions.load(optional=True):
        found = discovery.find_any(row.pythons)
        python = "%s (%s)" % found if found else discovery.missing_reason(row.pythons)
        for device in versions.DEVICES:
            state = ("not run: " + gpu_reason) if device == "gpu" and gpu_reason else python
            print("%-12s %-34s %s" % (row.env_name(device), " ".join(row.requirements(device)),
                                      state))
    return 0
