"""Per case: each non-ok outcome label -> the producer set x consumer set it covers (compressed to ranges)."""
import json, collections, re
exec(open("table.py").read().split("out = []")[0].replace('recs = [json.loads(l) for l in open("logs/results.jsonl")]', 'recs = [json.loads(l) for l in open("logs/results.jsonl")]'))
def ranges(vs):
    idx = sorted(order.index(v) for v in vs)
    out = []; start = prev = None
    for i in idx:
        if start is None: start = prev = i
        elif i == prev + 1: prev = i
        else: out.append((start, prev)); start = prev = i
    if start is not None: out.append((start, prev))
    return ",".join(order[a] if a == b else "%s-%s" % (order[a], order[b]) for a, b in out)
lines = []
for c in cases:
    rs = [r for r in cons if r["case"] == c]
    if not rs: continue
    by = collections.defaultdict(lambda: collections.defaultdict(set))
    for r in rs:
        by[label(r)][minor(r["env"])].add(minor(r["producer"]))
    n_ok = sum(1 for r in rs if r["outcome"] == "ok")
    lines.append("**%s** — %d/%d pairs ok" % (c, n_ok, len(rs)))
    for lab, d in by.items():
        if lab == "ok": continue
        # group consumers by identical producer set
        g = collections.defaultdict(set)
        for cons_v, prods in d.items(): g[ranges(prods)].add(cons_v)
        for prods, conss in g.items():
            lines.append("- producers %s × consumers %s: %s" % (prods, ranges(conss), lab))
    lines.append("")
open("logs/rects.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
