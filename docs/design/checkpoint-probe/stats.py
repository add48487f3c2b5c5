import json, collections, re
recs = [json.loads(l) for l in open("logs/results.jsonl")]
order = ["1.15"] + ["2.%d" % i for i in range(22)]
m = lambda e: e[2:]
print("## import seconds (in-process, from `import tensorflow` start) per env/role/group")
imp = collections.defaultdict(list)
for r in recs:
    if r["kind"] == "import":
        imp[m(r["env"])].append("%s/%s %.1f" % (r["role"][:4], r["groups"], r["seconds"]))
for e in sorted(imp, key=order.index): print(e, "; ".join(imp[e]))
print("\n## artifact bytes per case (max over producers) and per producer env total")
sz = collections.defaultdict(dict)
for r in recs:
    if r["kind"] == "produce": sz[r["case"]][m(r["env"])] = r["bytes"]
tot = collections.Counter()
for c, d in sz.items():
    print("%-26s max %6d min %6d" % (c, max(d.values()), min(d.values())))
    for e, b in d.items(): tot[e] += b
print("per producer env:", ", ".join("%s %d" % (e, tot[e]) for e in sorted(tot, key=order.index)), "; all:", sum(tot.values()))
print("\n## produce seconds per case (median over envs)")
pt = collections.defaultdict(list)
for r in recs:
    if r["kind"] == "produce": pt[r["case"]].append(r["seconds"])
for c, l in pt.items(): l.sort(); print("%-26s median %.3f max %.3f" % (c, l[len(l)//2], l[-1]))
print("\n## consume seconds per case (median, max over all pairs); per consumer env sum")
ct = collections.defaultdict(list); ce = collections.Counter(); cn = collections.Counter()
for r in recs:
    if r["kind"] == "consume" and "seconds" in r:
        ct[r["case"]].append(r["seconds"]); ce[m(r["env"])] += r["seconds"]; cn[m(r["env"])] += 1
for c, l in ct.items(): l.sort(); print("%-32s n %4d median %.3f max %.3f" % (c, len(l), l[len(l)//2], l[-1]))
print("per consumer env (sum s / pairs):", ", ".join("%s %.1f/%d" % (e, ce[e], cn[e]) for e in sorted(ce, key=order.index)))
allc = sorted(x for l in ct.values() for x in l)
print("all consume: n %d, sum %.1f s, median %.3f, p90 %.3f" % (len(allc), sum(allc), allc[len(allc)//2], allc[int(len(allc)*.9)]))
