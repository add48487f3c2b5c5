"""Upload and download artifacts with act's artifact server (its first HTTP API, the one
actions/upload-artifact@v3 spoke), for the stand-ins of this folder. Standard library
only: it runs on whatever python3 the job has.

    python3 artifacts.py upload NAME PATH... [--if-no-files-found error|warn|ignore]
    python3 artifacts.py download DEST [--name NAME] [--pattern GLOB] [--merge-multiple]
"""
from __future__ import annotations

import argparse
import fnmatch
import glob
import http.client
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def _base() -> str:
    url = os.environ.get("ACTIONS_RUNTIME_URL")
    if not url:
        sys.exit("error: ACTIONS_RUNTIME_URL is not set: run act with --artifact-server-path")
    return url.rstrip("/") + "/"


def _call(method: str, url: str, body: bytes = None) -> bytes:
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": "Bearer %s" % os.environ.get("ACTIONS_RUNTIME_TOKEN", ""),
        "Content-Type": "application/json" if method != "PUT" else "application/octet-stream",
        "Accept": "application/json;api-version=6.0-preview"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def _artifacts_url() -> str:
    return "%s_apis/pipelines/workflows/%s/artifacts?api-version=6.0-preview" % (
        _base(), os.environ.get("GITHUB_RUN_ID", "1"))


def names() -> list:
    try:
        listing = json.loads(_call("GET", _artifacts_url()) or b"{}")
    except (urllib.error.HTTPError, http.client.HTTPException, ConnectionError):
        return []  # no artifact in this run yet: act's server drops the connection
    return sorted(item["name"] for item in listing.get("value") or [])


def _files(paths: list) -> list:
    """(file, its name inside the artifact): a directory keeps its tree, a file or glob
    match its base name (as upload-artifact's least common ancestor does for one)."""
    found = []
    for pattern in paths:
        for path in sorted(glob.glob(pattern)) or []:
            if os.path.isdir(path):
                for root, _, files in os.walk(path):
                    for name in sorted(files):
                        full = os.path.join(root, name)
                        found.append((full, os.path.relpath(full, path)))
            else:
                found.append((path, os.path.basename(path)))
    return found


def upload(name: str, paths: list, if_no_files: str) -> int:
    if name in names():
        print("error: an artifact named %r was already uploaded in this run (GitHub refuses "
              "the second one: names must be unique)" % name, file=sys.stderr)
        return 1
    files = _files(paths)
    if not files:
        message = "no files found at %s" % ", ".join(paths)
        if if_no_files == "error":
            print("error: " + message, file=sys.stderr)
            return 1
        print(("warning: " if if_no_files == "warn" else "") + message)
        return 0
    container = json.loads(_call("POST", _artifacts_url(), json.dumps(
        {"Type": "actions_storage", "Name": name}).encode()))["fileContainerResourceUrl"]
    for path, rel in files:
        with open(path, "rb") as f:
            _call("PUT", "%s?itemPath=%s" % (container, urllib.parse.quote(
                "%s/%s" % (name, rel))), f.read())
    _call("PATCH", _artifacts_url() + "&artifactName=" + urllib.parse.quote(name),
          json.dumps({"Size": 0}).encode())
    print("uploaded artifact %s: %d files" % (name, len(files)))
    return 0


def download(dest: str, name: str, pattern: str, merge: bool) -> int:
    wanted = [n for n in names() if (n == name if name else fnmatch.fnmatch(n, pattern or "*"))]
    if name and not wanted:
        print("error: no artifact named %r in this run" % name, file=sys.stderr)
        return 1
    run = os.environ.get("GITHUB_RUN_ID", "1")
    for artifact in wanted:
        items = json.loads(_call("GET", "%sdownload/%s?itemPath=%s" % (
            _base(), run, urllib.parse.quote(artifact))))["value"]
        target = dest if (merge or name) else os.path.join(dest, artifact)
        for item in items:
            rel = item["path"].split("/", 1)[1]
            out = os.path.join(target, rel)
            os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
            with open(out, "wb") as f:
                f.write(_call("GET", item["contentLocation"]))
        print("downloaded artifact %s: %d files into %s" % (artifact, len(items), target))
    if not wanted:
        print("no artifact matches %r" % (pattern or "*"))
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upload")
    up.add_argument("name")
    up.add_argument("paths", nargs="+")
    up.add_argument("--if-no-files-found", default="warn")
    down = sub.add_parser("download")
    down.add_argument("dest")
    down.add_argument("--name", default="")
    down.add_argument("--pattern", default="")
    down.add_argument("--merge-multiple", action="store_true")
    args = p.parse_args()
    if args.command == "upload":
        return upload(args.name, args.paths, args.if_no_files_found)
    return download(args.dest, args.name, args.pattern, args.merge_multiple)


if __name__ == "__main__":
    sys.exit(main())
