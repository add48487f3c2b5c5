"""How much longer headless Chromium takes to load index.html than a blank page.

    python bench/page_render.py reports/index.html [other.html ...] [--runs 5]

Loads a blank page and each given page ``--runs`` times, interleaved, with
``chromium --headless --dump-dom`` (the DOM after the page's script ran) and with
``--screenshot`` (layout and paint of a 1280x800 window), and prints for each page its
size, the fastest and the median wall time of each way, and the fastest minus the blank
page's fastest: the machine is shared, so the minimum is the page's own cost.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from typing import Dict, List

BLANK = ('<!DOCTYPE html><html><body><script>document.body.setAttribute("data-ready", "1");'
         "</script></body></html>")


def load(chromium: str, profile: str, path: str, how: str, shot: str) -> float:
    args = ["--dump-dom"] if how == "dom" else [
        "--window-size=1280,800", "--hide-scrollbars", "--screenshot=%s" % shot]
    started = time.monotonic()
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--user-data-dir=%s" % profile]
                   + args + ["file://" + os.path.abspath(path)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   timeout=600)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        parser.error("chromium is not installed")
    tmp = tempfile.mkdtemp(prefix="page-render-")
    blank = os.path.join(tmp, "blank.html")
    with open(blank, "w", encoding="utf-8") as f:
        f.write(BLANK)
    pages = [blank] + args.pages
    times: Dict[str, Dict[str, List[float]]] = {p: {"dom": [], "shot": []} for p in pages}
    for _ in range(args.runs):
        for how in ("dom", "shot"):
            for page in pages:
                times[page][how].append(load(chromium, os.path.join(tmp, "profile"), page,
                                             how, os.path.join(tmp, "shot.png")))
    base = {how: min(times[blank][how]) for how in ("dom", "shot")}
    print("%-40s %10s  %-26s %-26s" % ("page", "bytes", "dump-dom min/median (+blank)",
                                        "screenshot min/median (+blank)"))
    for page in pages:
        cells = []
        for how in ("dom", "shot"):
            t = times[page][how]
            cells.append("%5.2f/%5.2f s (%+5.2f)" % (min(t), statistics.median(t),
                                                    min(t) - base[how]))
        name = "blank page" if page == blank else page
        print("%-40s %10d  %-26s %-26s" % (name[-40:], os.path.getsize(page), *cells))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
