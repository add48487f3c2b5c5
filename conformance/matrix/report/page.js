/* index.html behaviour: grid, filters, details panel. Data comes from the embedded
   matrix.json (#matrix-data); every piece of it reaches the page through textContent or
   setAttribute, never parsed as markup. Filters are mirrored in the URL hash:
   #device=cpu&mode=v1&tag=seed&outcome=fail&q=text&case=<id>&tf=2.16  */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("matrix-data").textContent);
  // The words come from conformance/vocabulary.py, embedded with the data.
  var WORDS = DATA.vocabulary;
  var OUTCOMES = WORDS.outcomes;
  var PRIORITY = WORDS.priority;
  var BAD = {};
  WORDS.failing.forEach(function (o) { BAD[o] = 1; });
  var SYMBOL = { pass: "\u2713", fail: "\u2717", xfail: "x", xpass: "!", error: "E", crash: "C",
    timeout: "T", skip: "\u2013", unavailable: "U", not_run: "\u00b7" };
  var LABEL = { not_run: "not run", no_env: "no environment of this device (cells from others)" };
  var MODES = WORDS.modes;

  function $(id) { return document.getElementById(id); }
  function label(o) { return LABEL[o] || o; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function unique(list) {
    return list.filter(function (x, i) { return list.indexOf(x) === i; });
  }
  function worst(outcomes) {
    for (var i = 0; i < PRIORITY.length; i++) {
      if (outcomes.indexOf(PRIORITY[i]) >= 0) return PRIORITY[i];
    }
    return null;
  }

  var columns = DATA.columns;
  var minors = unique(columns.map(function (c) { return c.tf_minor; }));
  var devices = unique(columns.map(function (c) { return c.device; })).sort(function (a, b) {
    return (a === "cpu" ? 0 : a === "gpu" ? 1 : 2) - (b === "cpu" ? 0 : b === "gpu" ? 1 : 2) ||
      (a < b ? -1 : a > b ? 1 : 0);
  });
  var caseIds = Object.keys(DATA.cases).sort();
  var tags = [];
  caseIds.forEach(function (id) { tags = tags.concat(DATA.cases[id].tags || []); });
  tags = unique(tags).sort();
  var state = { device: devices[0] || "cpu", mode: "all", tag: "", outcome: "", q: "" };
  var rows = [];
  var selected = null;

  function column(tf, device) {
    for (var i = 0; i < columns.length; i++) {
      if (columns[i].tf_minor === tf && columns[i].device === device) return columns[i];
    }
    return null;
  }
  function viewCells(id, tf) {  // [mode, cell] pairs shown for one case and TF version
    var c = DATA.cases[id];
    var modes = state.mode === "all" ? c.modes : [state.mode];
    return modes.map(function (m) { return [m, c.cells[tf + "/" + m + "/" + state.device]]; })
      .filter(function (p) { return p[1]; });
  }
  function matches(cell) {
    if (!state.outcome) return true;
    if (state.outcome === "bad") return !!BAD[cell.outcome];
    if (state.outcome === "changed") return !!cell.change;
    return cell.outcome === state.outcome;
  }

  function buildControls() {
    devices.forEach(function (d) { $("filter-device").appendChild(el("option", { value: d }, d)); });
    tags.forEach(function (t) { $("filter-tag").appendChild(el("option", { value: t }, t)); });
    OUTCOMES.forEach(function (o) {
      $("filter-outcome").appendChild(el("option", { value: o }, label(o)));
      var li = el("li");
      li.appendChild(el("span", { "class": "cell", "data-outcome": o }, SYMBOL[o]));
      li.appendChild(document.createTextNode(label(o)));
      $("legend").appendChild(li);
    });
    var li = el("li");
    li.appendChild(el("span", { "class": "cell changed", "data-outcome": "skip" }));
    li.appendChild(document.createTextNode("behaviour changed since the previous TF version"));
    $("legend").appendChild(li);
    ["filter-device", "filter-mode", "filter-tag", "filter-outcome"].forEach(function (id) {
      $(id).addEventListener("change", function () { readControls(); update(true); });
    });
    $("filter-text").addEventListener("input", function () { readControls(); update(true); });
    $("details-close").addEventListener("click", function () { closeDetails(); writeHash(); });
    var problems = (DATA.problems || []).concat(DATA.case_errors || []);
    problems.forEach(function (p) { $("problems").querySelector("ul").appendChild(el("li", {}, p)); });
    $("problems").hidden = problems.length === 0;
    $("meta").textContent = caseIds.length + (caseIds.length === 1 ? " case" : " cases") + " \u00d7 " +
      minors.length + (minors.length === 1 ? " TF version (" : " TF versions (") +
      minors[0] + " \u2026 " + minors[minors.length - 1] + "), " + columns.length + " columns, " +
      (DATA.changes || []).length + " behaviour changes. Click a cell for details.";
  }

  function buildGrid() {
    var head = el("tr", { "class": "head" }), ratio = el("tr", { "class": "ratio" });
    head.appendChild(el("th", { "class": "corner" }, "case"));
    ratio.appendChild(el("th", { "class": "corner" }, "ok % (pass + xfail of cells run)"));
    minors.forEach(function (tf) {
      head.appendChild(el("th", { "class": "col", "data-tf": tf }, tf));
      ratio.appendChild(el("th", { "class": "col", "data-tf": tf }));
    });
    $("grid").tHead.appendChild(head);
    $("grid").tHead.appendChild(ratio);
    var body = $("grid").tBodies[0];
    caseIds.forEach(function (id) {
      var c = DATA.cases[id];
      var tr = el("tr", { "class": "case-row", "data-case": id, "data-tags": (c.tags || []).join(" ") });
      var th = el("th", { "class": "case", scope: "row", title: c.title });
      th.appendChild(el("span", { "class": "id" }, id));
      th.appendChild(el("span", { "class": "title" }, c.title));
      tr.appendChild(th);
      minors.forEach(function (tf) {
        var td = el("td", { "class": "cell", "data-tf": tf });
        td.addEventListener("click", function () { openDetails(id, tf); writeHash(); });
        tr.appendChild(td);
      });
      body.appendChild(tr);
      rows.push(tr);
    });
  }

  function renderHeader() {
    var heads = $("grid").tHead.rows;
    minors.forEach(function (tf, i) {
      var col = column(tf, state.device), h = heads[0].cells[i + 1], r = heads[1].cells[i + 1];
      var s = DATA.summary[tf + "/" + state.device] || {};
      var ran = 0, ok = (s.pass || 0) + (s.xfail || 0), bad = 0;
      OUTCOMES.forEach(function (o) {
        if (["skip", "unavailable", "not_run"].indexOf(o) < 0) ran += s[o] || 0;
        if (BAD[o]) bad += s[o] || 0;
      });
      h.setAttribute("data-status", col ? col.status : "none");
      h.setAttribute("title", col ? "TF " + (col.tf || tf) + " " + state.device + ": " + label(col.status) +
        (col.reason ? " (" + col.reason + ")" : "") : "no " + state.device + " environment");
      r.textContent = !col ? "" : col.status === "unavailable" ? "n/a" : col.status === "not_run" ? "n/r" :
        ran ? Math.floor(100 * ok / ran) + "%" : "\u2013";
      r.setAttribute("title", h.getAttribute("title") + (col && col.status === "complete" ?
        "\n" + ok + " passed or known TF bugs of " + ran + " cells run" : ""));
      r.className = "col" + (bad ? " bad" : "");
    });
  }

  function renderCells() {
    rows.forEach(function (tr) {
      var id = tr.getAttribute("data-case");
      for (var i = 1; i < tr.cells.length; i++) {
        var td = tr.cells[i], tf = td.getAttribute("data-tf"), pairs = viewCells(id, tf);
        var outcome = worst(pairs.map(function (p) { return p[1].outcome; }));
        var changes = pairs.filter(function (p) { return p[1].change; });
        td.setAttribute("data-outcome", outcome || "none");
        td.textContent = outcome ? SYMBOL[outcome] : "";
        td.classList.toggle("changed", changes.length > 0);
        td.classList.toggle("dim", !!outcome && !pairs.some(function (p) { return matches(p[1]); }));
        var tip = pairs.map(function (p) {
          return p[0] + ": " + label(p[1].outcome) + (p[1].change ? " \u2014 " + p[1].change : "");
        });
        td.setAttribute("title", id + " @ TF " + tf + " " + state.device + "\n" + tip.join("\n"));
        if (changes.length) td.setAttribute("data-change", changes[0][1].change);
        else td.removeAttribute("data-change");
      }
    });
  }

  function applyFilters() {
    var shown = 0, q = state.q.toLowerCase();
    rows.forEach(function (tr) {
      var id = tr.getAttribute("data-case"), c = DATA.cases[id];
      var ok = !state.tag || (c.tags || []).indexOf(state.tag) >= 0;
      ok = ok && (!q || id.toLowerCase().indexOf(q) >= 0 || String(c.title).toLowerCase().indexOf(q) >= 0);
      ok = ok && (!state.outcome || minors.some(function (tf) {
        return viewCells(id, tf).some(function (p) { return matches(p[1]); });
      }));
      tr.hidden = !ok;
      if (ok) shown++;
    });
    $("count").textContent = shown + " of " + rows.length + " cases shown";
  }

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

  function modeSection(id, tf, mode, cell) {
    var box = el("section", { "class": "mode" + (state.mode === mode ? " current" : ""), "data-mode": mode });
    var h = el("h4", {}, mode);
    h.appendChild(el("span", { "class": "cell", "data-outcome": cell.outcome }, label(cell.outcome)));
    box.appendChild(h);
    var dl = el("dl");
    dd(dl, "change", cell.change, "change");
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
        return [m.key, m.message ||
          "expected " + JSON.stringify(m.expected) + ", observed " + JSON.stringify(m.observed)];
      })));
    }
    if (cell.expect && Object.keys(cell.expect).length) {
      dd(dl, "expected", table(Object.keys(cell.expect).map(function (k) {
        return [k, JSON.stringify(cell.expect[k])];
      })));
    }
    if (cell.repro) dd(dl, "reproduce", el("pre", { "class": "repro" }, cell.repro));
    dd(dl, "environment", cell.env);
    box.appendChild(dl);
    return box;
  }

  function openDetails(id, tf) {
    var c = DATA.cases[id];
    if (!c || minors.indexOf(tf) < 0) return;
    if (selected) selected.classList.remove("selected");
    var row = rows[caseIds.indexOf(id)];
    selected = row.cells[minors.indexOf(tf) + 1];
    selected.classList.add("selected");
    var body = $("details-body");
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(el("h2", {}, id));
    body.appendChild(el("p", {}, c.title));
    body.appendChild(el("p", { "class": "muted" }, (c.file || "") + (c.line ? ":" + c.line : "") +
      ((c.tags || []).length ? " \u00b7 tags: " + c.tags.join(", ") : "")));
    var col = column(tf, state.device);
    body.appendChild(el("h3", {}, "TF " + (col && col.tf ? col.tf : tf) + " \u00b7 " + state.device +
      (col && col.status !== "complete" ? " \u00b7 " + label(col.status) + (col.reason ? ": " + col.reason : "") : "")));
    var order = c.modes.filter(function (m) { return m === state.mode; })
      .concat(c.modes.filter(function (m) { return m !== state.mode; }));  // the selected mode first
    order.forEach(function (m) {
      var cell = c.cells[tf + "/" + m + "/" + state.device];
      if (cell) body.appendChild(modeSection(id, tf, m, cell));
    });
    $("details").hidden = false;
    $("details").setAttribute("data-case", id);
    $("details").setAttribute("data-tf", tf);
  }
  function closeDetails() {
    $("details").hidden = true;
    $("details").removeAttribute("data-case");
    if (selected) selected.classList.remove("selected");
    selected = null;
  }

  function readControls() {
    state.device = $("filter-device").value;
    state.mode = $("filter-mode").value;
    state.tag = $("filter-tag").value;
    state.outcome = $("filter-outcome").value;
    state.q = $("filter-text").value;
  }
  function setControl(id, value) {  // only values the control offers
    var ctl = $(id);
    if (ctl.tagName === "INPUT") { ctl.value = value; return; }
    for (var i = 0; i < ctl.options.length; i++) if (ctl.options[i].value === value) ctl.value = value;
  }
  function readHash() {
    var text = (location.hash || "").replace(/^#/, "") || (location.search || "").replace(/^\?/, "");
    var params = {};
    text.split("&").forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf("="), k = eq < 0 ? part : part.slice(0, eq);
      try { params[k] = decodeURIComponent((eq < 0 ? "" : part.slice(eq + 1)).replace(/\+/g, " ")); } catch (e) { /* ignore */ }
    });
    var map = { device: "filter-device", mode: "filter-mode", tag: "filter-tag", outcome: "filter-outcome", q: "filter-text" };
    Object.keys(map).forEach(function (k) { if (params[k] !== undefined) setControl(map[k], params[k]); });
    readControls();
    return params;
  }
  function writeHash() {
    var parts = [];
    [["device", devices[0] || "cpu"], ["mode", "all"], ["tag", ""], ["outcome", ""], ["q", ""]].forEach(function (kv) {
      if (state[kv[0]] !== kv[1]) parts.push(kv[0] + "=" + encodeURIComponent(state[kv[0]]));
    });
    if (selected && !$("details").hidden) {
      parts.push("case=" + encodeURIComponent($("details").getAttribute("data-case")));
      parts.push("tf=" + encodeURIComponent($("details").getAttribute("data-tf")));
    }
    if (history.replaceState) history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
  }

  function update(toHash) {
    renderHeader();
    renderCells();
    applyFilters();
    if (selected && !$("details").hidden) openDetails($("details").getAttribute("data-case"), $("details").getAttribute("data-tf"));
    if (toHash) writeHash();
  }

  buildControls();
  buildGrid();
  var params = readHash();
  update(false);
  if (params["case"] && params.tf) openDetails(params["case"], params.tf);
  window.addEventListener("hashchange", function () { readHash(); update(false); });
  document.body.setAttribute("data-ready", "1");
})();
