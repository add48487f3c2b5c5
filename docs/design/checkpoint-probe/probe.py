"""Probe driver: python probe.py ROLE ENVTAG GROUPS ROOT OUT.jsonl [PRODUCER_ENVS...]
ROLE produce|consume; GROUPS comma list of tf2,v1 (tf2 = graph+eager cases) or 'legacy'."""
from __future__ import print_function
import json, os, sys, time, traceback, shutil
t0 = time.time()
role, envtag, groups, root, outp = sys.argv[1:6]
producers = sys.argv[6:]
legacy = groups == "legacy"
import numpy as np
import tensorflow as _tf
t_import = time.time() - t0
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snippets
tf = _tf.compat.v1
tf2 = _tf.compat.v2
TF = tuple(int(x) for x in _tf.__version__.split(".")[:2])
if legacy:
    import tf_keras as keras
    K3 = False
else:
    keras = tf2.keras
    K3 = TF >= (2, 16)
if TF < (2, 0) and groups == "tf2":
    tf.enable_v2_behavior()
def vpath(v):
    if K3:
        return v.path
    return v.name.split(":")[0]
out = open(outp, "a")
def emit(rec):
    rec.update(env=envtag, role=role, legacy=legacy, tf=_tf.__version__)
    out.write(json.dumps(rec) + "\n"); out.flush()
emit(dict(kind="import", seconds=round(t_import, 2), groups=groups))

def expand(v):
    if isinstance(v, tuple) and v and v[0] == "reshape":
        return np.array(v[2], dtype="float64").reshape(v[1])
    return np.array(v, dtype=object if isinstance(v, list) and v and isinstance(v[0], list) and isinstance(v[0][0], str) else "float64")

def compare(expect, restored):
    bad = []
    for k, v in expect.items():
        if k not in restored:
            bad.append("missing " + k); continue
        r = restored[k]
        if k == "keys":
            if r != v: bad.append("keys %r" % (r,))
            continue
        e = expand(v)
        r = np.asarray(r, dtype="float64")
        if r.shape != e.shape or not np.allclose(r, e):
            bad.append("%s=%s" % (k, np.round(r, 3).tolist()))
    return bad

def side_uses_legacy(case, side):
    l = case.get("legacy")
    return TF >= (2, 16) and l in ("both", side)

def case_group(case):
    return "v1" if case["group"] == "v1" else "tf2"

def run(code, ns, mode):
    if mode in ("v1", "graph"):
        with tf.Graph().as_default():
            exec(compile(code, "<case>", "exec"), ns)
    else:
        exec(compile(code, "<case>", "exec"), ns)

def wanted(case, side):
    """Does this process run this case's side?"""
    if legacy:
        return side_uses_legacy(case, side)
    if side_uses_legacy(case, side):
        return False
    return case_group(case) in groups.split(",")

def first_line(e):
    s = str(e).strip().splitlines()
    return (s[0] if s else "")[:300]

def order(cases):
    # tf2 cases first; then disable_v2_behavior for v1 (2.x)
    return sorted(cases, key=lambda c: c["group"] == "v1")

switched = [False]
def ensure_mode(case):
    if case["group"] == "v1" and TF >= (2, 0) and not switched[0]:
        tf.disable_v2_behavior(); switched[0] = True

if role == "produce":
    for case in order(snippets.CASES):
        if "produce" not in case or not wanted(case, "produce"):
            continue
        ensure_mode(case)
        d = os.path.join(root, envtag, case["name"])
        if os.path.exists(d): shutil.rmtree(d)
        os.makedirs(d)
        ns = dict(tf=tf, tf2=tf2, np=np, os=os, keras=keras, K3=K3, vpath=vpath, out_dir=d,
                  manifest={}, W=snippets.W, B=snippets.B)
        t = time.time(); rec = dict(kind="produce", case=case["name"])
        try:
            run(case["produce"], ns, case["group"])
            rec["outcome"] = "ok"
        except Exception as e:
            rec.update(outcome="error", type=type(e).__name__, msg=first_line(e))
        rec["seconds"] = round(time.time() - t, 3)
        rec["manifest"] = ns["manifest"]
        rec["bytes"] = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        rec["files"] = sorted(os.listdir(d))
        json.dump(dict(ns["manifest"], outcome=rec["outcome"]), open(os.path.join(d, "manifest.json"), "w"))
        emit(rec)
else:
    for case in order(snippets.CASES):
        if not wanted(case, "consume"):
            continue
        ensure_mode(case)
        src = case.get("src", case["name"])
        for p in producers:
            d = os.path.join(root, p, src)
            rec = dict(kind="consume", case=case["name"], producer=p)
            if not os.path.exists(os.path.join(d, "manifest.json")):
                continue
            man = json.load(open(os.path.join(d, "manifest.json")))
            if man.get("outcome") != "ok":
                rec.update(outcome="no-artifact"); emit(rec); continue
            ns = dict(tf=tf, tf2=tf2, np=np, os=os, keras=keras, K3=K3, vpath=vpath, in_dir=d,
                      manifest=man, restored=None)
            t = time.time()
            try:
                run(case["consume"], ns, case["group"])
                bad = compare(case["expect"], ns["restored"])
                rec["outcome"] = "ok" if not bad else "mismatch"
                if ns.get("observed_rename"): rec["rename"] = ns["observed_rename"]
                if bad: rec["msg"] = "; ".join(bad)[:300]
            except Exception as e:
                rec.update(outcome="error", type=type(e).__name__, msg=first_line(e))
            rec["seconds"] = round(time.time() - t, 3)
            emit(rec)
emit(dict(kind="total", seconds=round(time.time() - t0, 2)))
