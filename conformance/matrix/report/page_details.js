/* index.html: one mode of one cell in the details panel. Inlined into page.js where it
   says @@DETAILS@@ (html.py), so it shares page.js's scope: el, label, state, row, bandAt,
   range. Text only through textContent, as there. */
  function dd(dl, term, value, cls) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", {}, term));
    var d = el("dd", cls ? { "class": cls } : {});
    if (value instanceof Node) d.appendChild(value); else d.textContent = String(value);
    dl.appendChild(d);
  }
  function table(rowsData) {
    var t = el("table");
    rowsData.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (x) { tr.appendChild(el("td", {}, x)); });
      t.appendChild(tr);
    });
    return t;
  }
  function objectText(o) {
    if (!o || typeof o !== "object") return JSON.stringify(o);
    if (o.name !== undefined) return o.name + "  (" + o.type + ")";
    if (o.value !== undefined) return JSON.stringify(o.value) + "  (" + o.type + ")";
    if (o.eval_error !== undefined) return "could not evaluate: " + o.eval_error;
    return JSON.stringify(o);
  }
  function modeSection(c, i, mode, cell) {
    var box = el("section", { "class": "mode" + (state.mode === mode ? " current" : ""), "data-mode": mode });
    var h = el("h4", {}, mode);
    h.appendChild(el("span", { "class": "cell", "data-outcome": cell.outcome }, label(cell.outcome)));
    box.appendChild(h);
    var dl = el("dl"), band = bandAt(row(c, mode, state.device), i);
    if (band) dd(dl, "same in", range(band) + (band[2] === null ? "" : "  (" + (band[6] || "no change recorded") + ")"));
    dd(dl, "change", cell.change ? cell.change + " (" + cell.kind + ")" : "", "change");
    dd(dl, "reason", cell.reason);
    dd(dl, "variant", cell.variant === null ? null : "#" + cell.variant + (cell.note ? ": " + cell.note : ""));
    if (cell.variant === null) dd(dl, "note", cell.note);
    var obs = cell.observed;
    if (obs) {
      var objs = obs.objects || {};
      var names = Object.keys(objs).sort().map(function (k) { return [k, objectText(objs[k])]; });
      if (names.length) dd(dl, "observed", table(names));
      if ((obs.groups || []).length) dd(dl, "same object", obs.groups.map(function (g) { return g.join(" = "); }).join("; "));
      ["values", "equals"].forEach(function (k) {
        if (obs[k] && Object.keys(obs[k]).length) {
          dd(dl, k, table(Object.keys(obs[k]).sort().map(function (e) { return [e, JSON.stringify(obs[k][e])]; })));
        }
      });
      if (obs.error) dd(dl, "error", el("pre", {}, obs.error.type + ": " + obs.error.message));
      if (obs.stdout) dd(dl, "stdout", el("pre", {}, obs.stdout));
    }
    if ((cell.mismatches || []).length) {
      dd(dl, "mismatches", table(cell.mismatches.map(function (m) {
        return [m.key, m.message || "expected " + JSON.stringify(m.expected) + ", observed " + JSON.stringify(m.observed)];
      })));
    }
    if (cell.expect && Object.keys(cell.expect).length) {
      dd(dl, "expected", table(Object.keys(cell.expect).map(function (k) { return [k, JSON.stringify(cell.expect[k])]; })));
    }
    if (cell.repro) dd(dl, "reproduce", el("pre", { "class": "repro" }, cell.repro));
    dd(dl, "environment", cell.env);
    box.appendChild(dl);
    return box;
  }
