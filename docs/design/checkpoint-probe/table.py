"""Aggregate logs/results.jsonl into per-case producer x consumer grids (markdown)."""
import json, collections, sys
recs = [json.loads(l) for l in open("logs/results.jsonl")]
order = ["1.15"] + ["2.%d" % i for i in range(22)]
def minor(env): return env[2:]
cons = [r for r in recs if r["kind"] == "consume"]
prod = [r for r in recs if r["kind"] == "produce"]
cases = []
for r in prod + cons:
    if r["case"] not in cases: cases.append(r["case"])
sym = {}
legend = collections.OrderedDict()
import re
def norm(m):
    return re.sub(r"[^ ]*/art/tf[0-9.]+/[a-z0-9-]+/", "<dir>/", m)
def label(r):
    r = dict(r, msg=norm(r.get("msg", "")))
    if r["outcome"] == "ok": return "ok"
    if r["outcome"] == "no-artifact": return "no artifact"
    if r["outcome"] == "mismatch":
        m = r.get("msg", "")
        if "bias=[0.0, 0.0]" in m and "d1/kernel=" in m:
            return "mismatch: no weight restored, no error (layers keep their initial values)"
        return "mismatch: " + m[:160]
    m = r.get("msg", "").split(" [<")[0].split(" <tf.")[0]
    m = re.sub(r"0x[0-9a-f]+", "0x..", m)
    return "%s: %s" % (r.get("type"), m[:200])
def code(lab):
    if lab == "ok": return "."
    if lab == "no artifact": return "-"
    if lab not in legend:
        legend[lab] = chr(ord("A") + len(legend)) if len(legend) < 26 else chr(ord("a") + len(legend) - 26)
    return legend[lab]
out = []
out.append("### Produce (per producer env)\n")
out.append("| case | " + " | ".join(sorted({minor(r["env"]) for r in prod}, key=order.index)) + " |")
pe = sorted({minor(r["env"]) for r in prod}, key=order.index)
out.append("|---|" + "---|" * len(pe))
for c in cases:
    row = {minor(r["env"]): code(label(r)) for r in prod if r["case"] == c}
    if row: out.append("| %s | %s |" % (c, " | ".join(row.get(p, " ") for p in pe)))
out.append("")
ce = sorted({minor(r["env"]) for r in cons}, key=order.index)
for c in cases:
    rs = [r for r in cons if r["case"] == c]
    if not rs: continue
    grid = {(minor(r["producer"]), minor(r["env"])): code(label(r)) for r in rs}
    out.append("### %s (rows: producer TF, columns: consumer TF)\n" % c)
    out.append("```")
    out.append("prod\\cons " + " ".join("%-4s" % x for x in ce))
    for p in sorted({k[0] for k in grid}, key=order.index):
        out.append("%-9s " % p + " ".join("%-4s" % grid.get((p, x), " ") for x in ce))
    out.append("```\n")
out.append("### Legend\n")
out.append("`.` restored values equal · `-` producer wrote no artifact (its produce step failed) · blank: not run\n")
for lab, k in legend.items():
    out.append("- `%s` %s" % (k, lab.replace("|", "\\|")))
open("logs/table.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
