"""``python -m conformance record --raw DIR [--write] [--update-failing] CASE.yaml...``:
fill each case's ``expect`` and ``variants`` from what TF did in the results in DIR (every
TF version and mode there): the behaviour most cells showed becomes ``expect``, each range
that differs a variant whose ``when`` starts at the first version that showed it
(conformance/matrix/record.py says exactly what is recorded).

A unified diff of each file is shown; files are written only with --write (round-trip
YAML: comments, key order and the rest of the file are kept; so are its byte-order mark
and line endings; a symlink is written through to its target). A read-only file, or one
that changed since it was read, is not written (reported; the other files go on, exit 1).
An existing expectation that fails in DIR is reported and the file left alone (exit 1),
unless --update-failing.
Needs the host extra: ``pip install '.[host]'`` (ruamel.yaml).
"""
from __future__ import annotations

import argparse
import difflib
import glob
import json
import os
import sys
import tempfile
from typing import Any, List, Optional

from ..case.load import load_case
from ..errors import CaseError, UsageError
from ..matrix import record as recorder
from ..matrix.combine import combine
from ..results.files import NotWritten, read_original, write_back
from . import wrapped

EXPECT_KEYS = ("names", "same", "distinct", "values", "equals", "error")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance record",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("cases", nargs="+", metavar="CASE.yaml")
    p.add_argument("--raw", required=True, metavar="DIR",
                   help="directory of raw results files (<env>.json), any format version")
    p.add_argument("--write", action="store_true", help="write the files (default: only "
                                                        "show the diff)")
    p.add_argument("--update-failing", action="store_true",
                   help="also apply where an existing expectation fails in DIR")
    return p


def _yaml():
    try:
        from ruamel.yaml import YAML
    except ImportError:
        raise UsageError("record needs ruamel.yaml: pip install '.[host]'") from None
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # long strings stay on their line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if not os.path.isdir(args.raw):
        raise UsageError("--raw %s: not a directory of raw results files" % args.raw)
    paths = sorted(glob.glob(os.path.join(args.raw, "*.json")))
    if not paths:
        raise UsageError("--raw %s: no *.json result files" % args.raw)
    yaml = _yaml()
    m = combine(paths)
    for problem in m.problems:
        print("problem: %s" % problem, file=sys.stderr)
    status = 0
    for path in args.cases:
        status = max(status, _one(path, m, yaml, args))
    return status


def _one(path: str, m, yaml, args) -> int:
    try:
        original = read_original(path)  # first: a change after this is seen at write
        case = load_case(path, os.path.dirname(os.path.abspath(path)))
    except CaseError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError("%s: cannot read: %s" % (path, exc.strerror or exc)) from None
    except UnicodeDecodeError as exc:
        raise UsageError("%s: cannot read: not UTF-8 (%s)" % (path, exc.reason)) from None
    if case.paired:  # its verdicts vary by producer too, which record cannot write yet
        print("%s: a producer/consumer case: record writes only plain cases' expectations "
              "(write producer_tf/consumer_tf variants by hand from reports/checkpoints.md)"
              % path, file=sys.stderr)
        return 1
    text = original.text
    case_id = recorder.find_case(m, os.path.abspath(path))
    if case_id is None:
        print("%s: no results for this case in %s" % (path, args.raw), file=sys.stderr)
        return 1
    rec = recorder.record(case, case_id, m)
    print("%s: %s, recorded from %d cells (TF %s): %d variants%s" % (
        path, case_id, rec.cells, ", ".join(rec.minors) or "none", len(rec.variants),
        " + %d xfail kept" % len(rec.kept) if rec.kept else ""))
    if rec.failing and _no_expect(text, yaml):
        # nothing written yet can fail: the first recording needs no --update-failing
        print("  no expect yet: recorded from what the cells did")
        rec.failing = []
    for line in rec.failing:
        print("  existing expectation fails: %s" % line)
    if not rec.cells:
        return 1 if rec.failing else 0
    new = render(text, rec, yaml)
    _check(new, path)
    sys.stdout.writelines(difflib.unified_diff(
        text.splitlines(True), new.splitlines(True), path, path + " (recorded)"))
    if new == text:
        print("  unchanged")
        return 1 if rec.failing and not args.update_failing else 0
    if rec.failing and not args.update_failing:
        print("  not applied: %d cells fail their expectation now; --update-failing applies"
              % len(rec.failing))
        return 1
    if args.write:
        try:
            write_back(original, new)
        except NotWritten as exc:
            print("%s: not written: %s" % (path, exc), file=sys.stderr)
            return 1
        print("  written")
    return 0


def render(text: str, rec: recorder.Recorded, yaml) -> str:
    """The case file with ``expect`` and ``variants`` replaced; nodes whose content did
    not change are kept as they were (comments, quotes, notes)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    data = yaml.load(text)
    old = list(data.get("variants") or [])
    # the case's own nodes for an expectation key, reused where the value is the same:
    # their quotes and flow style stay as the author wrote them
    known = {}
    for exp in [data.get("expect")] + [v.get("expect") for v in old]:
        for key, node in (exp or {}).items():
            known.setdefault((str(key), json.dumps(wrapped.as_plain(node), sort_keys=True)), node)

    def _expect_node(expect: dict):
        node = _map()
        for key in EXPECT_KEYS:
            if key in expect:
                node[key] = known.get((key, json.dumps(expect[key], sort_keys=True)),
                                      _flow(expect[key]))
        return node

    if (wrapped.as_plain(data.get("expect")) or {}) != rec.expect:
        _put(data, "expect", _expect_node(rec.expect), after="code")
    variants = [old[i] for i in rec.kept]
    for v in rec.variants:
        mine = [o for i, o in enumerate(old) if i not in rec.kept]
        same_when = [o for o in mine if wrapped.as_plain(o.get("when")) == v["when"]]
        if same_when and wrapped.as_plain(same_when[0].get("expect")) == v["expect"]:
            variants.append(same_when[0])
            continue
        node = _map()
        node["when"] = _flow(v["when"])
        if "tf" in v["when"]:
            node["when"]["tf"] = DoubleQuotedScalarString(v["when"]["tf"])
        node["expect"] = _expect_node(v["expect"])
        # the note of the variant it replaces: the same `when`, else the same `expect`
        noted = same_when + [o for o in mine if wrapped.as_plain(o.get("expect")) == v["expect"]]
        if noted and noted[0].get("note"):
            node["note"] = noted[0]["note"]
        variants.append(node)
    if variants:
        from ruamel.yaml.comments import CommentedSeq

        _put(data, "variants", variants if variants == old else CommentedSeq(variants),
             after="expect")
    elif "variants" in data:
        del data["variants"]
    return wrapped.dump(yaml, data, text)


def _no_expect(text: str, yaml) -> bool:
    """Whether the case file has no ``expect`` at all: none at the top, none in a variant."""
    data = yaml.load(text)
    variants = data.get("variants") if isinstance(data, dict) else None
    return isinstance(data, dict) and "expect" not in data and not any(
        isinstance(v, dict) and "expect" in v for v in (
            variants if isinstance(variants, list) else []))


def _check(text: str, path: str) -> None:
    """The recorded file must load as a case (a bug here must not reach the corpus)."""
    fd, tmp = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        load_case(tmp, os.path.dirname(tmp), display=path)
    finally:
        os.unlink(tmp)


def _put(data, key: str, value, after: str) -> None:
    if key in data:
        data[key] = value
    else:
        keys = list(data)
        data.insert(keys.index(after) + 1 if after in keys else len(keys), key, value)


def _map():
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def _flow(value: Any):
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        node = CommentedMap((k, _flow(v)) for k, v in value.items())
    elif isinstance(value, list):
        node = CommentedSeq(_flow(v) for v in value)
    else:
        return value
    node.fa.set_flow_style()
    return node
