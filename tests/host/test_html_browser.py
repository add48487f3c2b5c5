"""index.html in a real headless Chromium: it renders, filters from the URL hash, and shows
hostile case text as text.

``chromium --dump-dom`` prints the DOM after the page's script ran; filters are passed as
``index.html#tag=reuse&outcome=fail`` (the page applies the hash on load and marks
filtered-out rows with the ``hidden`` attribute).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from rawfactory import XSS_TITLE, scenario

from conformance.matrix.combine import combine
from conformance.matrix.report import write_all

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI sets CONFORMANCE_REQUIRE_BROWSER=1 (after installing chromium): there a missing
# browser fails these tests instead of skipping them.
if CHROMIUM is None and os.environ.get("CONFORMANCE_REQUIRE_BROWSER") == "1":
    raise RuntimeError("CONFORMANCE_REQUIRE_BROWSER=1 but chromium is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    write_all(combine(scenario(str(root)).paths), str(root / "out"))
    return root


def chromium(root, url_suffix: str, *args: str) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--user-data-dir=%s" % (root / "profile"), *args,
           (root / "out" / "index.html").as_uri() + url_suffix]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    return proc.stdout.decode("utf-8")


def rows(dom: str) -> dict:
    """{case id: visible?} from the dumped grid rows."""
    result = {}
    for attrs in re.findall(r"<tr ([^>]*\bclass=\"case-row\"[^>]*)>", dom):
        case = re.search(r'data-case="([^"]*)"', attrs).group(1)
        result[case] = not re.search(r"\bhidden\b", attrs)
    return result


def test_screenshot_is_a_real_picture(page, tmp_path):
    shot = tmp_path / "index.png"
    chromium(page, "#case=naming/dense-kernel&tf=2.16", "--window-size=1280,800",
             "--screenshot=%s" % shot, "--hide-scrollbars")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000  # a blank or unstyled page compresses to a few KB


def test_script_ran_and_built_the_grid(page):
    dom = chromium(page, "", "--dump-dom")
    assert 'data-ready="1"' in dom
    assert rows(dom) == {"naming/dense-kernel": True, "reuse/reenter": True,
                         "seed/gpu-only": True, "seed/xss": True}
    assert re.search(r'<td class="cell[^"]*" data-tf="2.16" data-outcome="fail"', dom)
    assert 'data-change="changed in 2.16: error: none → ValueError; outcome: pass → fail"' in dom
    assert "4 of 4 cases shown" in dom


def test_hostile_title_is_text_not_markup(page):
    dom = chromium(page, "#case=seed/xss&tf=2.9", "--dump-dom")
    assert XSS_TITLE not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert len(re.findall(r"<script\b", dom)) == 2  # only the page's own two
    assert "known bug &lt;b&gt;" in dom  # the note, in the details panel
    assert re.search(r'<aside id="details" data-case="seed/xss" data-tf="2.9"', dom)


@pytest.mark.parametrize("hash_, visible", [
    ("#tag=reuse&outcome=fail", ["reuse/reenter"]),
    ("#tag=seed", ["seed/gpu-only", "seed/xss"]),
    ("#outcome=xfail", ["seed/xss"]),
    ("#outcome=bad", ["naming/dense-kernel", "reuse/reenter"]),
    ("#outcome=changed&mode=eager", ["naming/dense-kernel"]),
    ("#mode=graph&outcome=fail", ["reuse/reenter"]),
    ("#device=gpu&outcome=unavailable", ["naming/dense-kernel", "reuse/reenter",
                                         "seed/gpu-only", "seed/xss"]),
    ("#device=gpu&outcome=fail", []),
    ("#q=KERNEL", ["naming/dense-kernel"]),
    ("#outcome=no-such-outcome", ["naming/dense-kernel", "reuse/reenter",
                                  "seed/gpu-only", "seed/xss"]),
])
def test_hash_filters_hide_rows(page, hash_, visible):
    dom = chromium(page, hash_, "--dump-dom")
    shown = [case for case, is_visible in rows(dom).items() if is_visible]
    assert shown == visible
    assert "%d of 4 cases shown" % len(visible) in dom
