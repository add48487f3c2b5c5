/* index.html behaviour: the behaviour view (default), the verdict grid, filters, details.
   Data comes from #matrix-data (html.page_data: distinct records and verdicts stored once,
   cells as indexes into them); every piece reaches the page through textContent or
   setAttribute, never parsed as markup. Filters are mirrored in the URL hash:
   #view=verdict&device=cpu&mode=v1&tag=seed&outcome=fail&q=text&rows=all|semantic&case=<id>&tf=2.16&in=<mode> */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("matrix-data").textContent);
  // The words come from conformance/vocabulary.py, embedded with the data.
  var WORDS = DATA.vocabulary;
  var OUTCOMES = WORDS.outcomes, PRIORITY = WORDS.priority, GOOD = WORDS.good, BAD = {}, DID_NOT_RUN = {};
  WORDS.failing.forEach(function (o) { BAD[o] = 1; });
  WORDS.did_not_run.forEach(function (o) { DID_NOT_RUN[o] = 1; });
  var SYMBOL = WORDS.glyphs, SHORT = WORDS.short, LABEL = {};
  Object.keys(WORDS.labels).forEach(function (o) { LABEL[o] = WORDS.labels[o]; });
  LABEL.no_env = "no environment of this device (cells from others)";
  var MODES = WORDS.modes, minors = DATA.minors, columns = DATA.columns, devices = DATA.devices;
  var CASES = DATA.cases, BY_ID = {};
  CASES.forEach(function (c) { BY_ID[c.id] = c; });
  var tags = [];
  CASES.forEach(function (c) { tags = tags.concat(c.tags || []); });
  tags = tags.filter(function (x, i) { return tags.indexOf(x) === i; }).sort();
  var DEFAULTS = { view: "behaviour", device: devices[0] || "cpu", mode: "all", tag: "", outcome: "", q: "", rows: "changed" };
  var state = {}, built = { behaviour: null, verdict: null }, selected = null;

  function $(id) { return document.getElementById(id); }
  function label(o) { return LABEL[o] || o; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function worst(outcomes) {
    for (var i = 0; i < PRIORITY.length; i++) if (outcomes.indexOf(PRIORITY[i]) >= 0) return PRIORITY[i];
    return null;
  }
  function column(tf, device) {
    for (var i = 0; i < columns.length; i++) if (columns[i].tf_minor === tf && columns[i].device === device) return columns[i];
    return null;
  }
  function row(c, mode, device) { return c.rows[mode + "/" + device]; }
  function bandAt(r, i) {
    for (var k = 0; k < r.bands.length; k++) if (r.bands[k][0] <= i && i <= r.bands[k][1]) return r.bands[k];
    return null;
  }
  function cellAt(c, i, mode, device) {  // the full cell record, rebuilt from the tables
    var r = row(c, mode, device), ref = null;
    if (!r) return null;
    for (var k = 0, n = 0; k < r.cells.length && !ref; k++) { n += r.cells[k][2]; if (i < n) ref = r.cells[k]; }
    if (!ref || ref[0] < 0) return null;
    var col = column(minors[i], device), e = r.env[i] !== undefined ? r.env[i] : col ? col.env : -1;
    var v = DATA.verdicts[ref[0]], env = e >= 0 ? DATA.envs[e] : null, band = bandAt(r, i);
    return { outcome: v.outcome, reason: v.reason, variant: v.variant, note: v.note, mismatches: v.mismatches,
      expect: v.expect, observed: ref[1] >= 0 ? DATA.records[ref[1]] : null, env: env,
      repro: v.repro && env ? v.repro.split("@ENV@").join(env) : v.repro,
      change: band && band[0] === i ? band[5] : "", kind: band && band[0] === i ? band[4] : "" };
  }
  function shownModes(c) { return state.mode === "all" ? c.modes : c.modes.filter(function (m) { return m === state.mode; }); }
  function matches(cell) {
    if (!state.outcome) return true;
    if (state.outcome === "bad") return !!BAD[cell.outcome];
    if (state.outcome === "changed") return !!cell.change;
    return cell.outcome === state.outcome;
  }
  function rowMatches(c, mode) {  // a behaviour row: does it pass the outcome / rows filters?
    var r = row(c, mode, state.device);
    if (!r) return false;
    var changed = r.bands.some(function (b) { return b[5]; });
    if ((state.rows !== "all" || state.outcome === "changed") && !changed) return false;
    if (state.rows === "semantic" && !r.bands.some(function (b) { return b[4] === "semantic"; })) return false;
    if (!state.outcome || state.outcome === "changed") return true;
    return minors.some(function (tf, i) { var cell = cellAt(c, i, mode, state.device); return cell && matches(cell); });
  }
  function textMatches(c) {
    var q = state.q.toLowerCase();
    return (!state.tag || (c.tags || []).indexOf(state.tag) >= 0) &&
      (!q || c.id.toLowerCase().indexOf(q) >= 0 || String(c.title).toLowerCase().indexOf(q) >= 0);
  }
  function range(b) {
    var a = minors[b[0]], z = minors[b[1]];
    if (b[0] === 0 && b[1] === minors.length - 1) return "all versions";
    if (b[0] === 0) return "\u2264 " + z;
    if (b[1] === minors.length - 1) return "\u2265 " + a;
    if (b[0] === b[1]) return a;
    return a + "\u2013" + z;
  }

  function buildControls() {
    devices.forEach(function (d) { $("filter-device").appendChild(el("option", { value: d }, d)); });
    tags.forEach(function (t) { $("filter-tag").appendChild(el("option", { value: t }, t)); });
    OUTCOMES.forEach(function (o) { $("filter-outcome").appendChild(el("option", { value: o }, label(o))); });
    ["filter-view", "filter-device", "filter-mode", "filter-tag", "filter-outcome", "filter-rows"].forEach(function (id) {
      $(id).addEventListener("change", function () { readControls(); update(true); });
    });
    $("filter-text").addEventListener("input", function () { readControls(); update(true); });
    Array.prototype.forEach.call($("tabs").querySelectorAll("button"), function (b) {
      b.addEventListener("click", function () { $("filter-view").value = b.getAttribute("data-view"); readControls(); update(true); });
    });
    $("details-close").addEventListener("click", function () { closeDetails(); writeHash(); });
    var problems = (DATA.problems || []).concat(DATA.case_errors || []);
    problems.forEach(function (p) { $("problems").querySelector("ul").appendChild(el("li", {}, p)); });
    $("problems").hidden = problems.length === 0;
    $("meta").textContent = CASES.length + (CASES.length === 1 ? " case" : " cases") + " \u00d7 " +
      minors.length + (minors.length === 1 ? " TF version (" : " TF versions (") + minors[0] + " \u2026 " +
      minors[minors.length - 1] + "); behaviour changes: " + DATA.changes.semantic + " semantic, " +
      DATA.changes.wording + " only in an error message's wording. Click a band or cell for details.";
  }

  function headRow(first) {
    var head = el("tr", { "class": "head" });
    head.appendChild(el("th", { "class": "corner" }, first));
    minors.forEach(function (tf) { head.appendChild(el("th", { "class": "col", "data-tf": tf }, tf)); });
    return head;
  }

  function behaviourRow(c, mode, r) {  // one case and mode; a band spans the versions it covers
    var tr = el("tr", { "class": "beh-row", "data-case": c.id, "data-mode": mode });
    var th = el("th", { "class": "case", scope: "row", title: c.id + " \u00b7 " + mode + "\n" + c.title });
    th.appendChild(el("span", { "class": "mode-tag" }, mode));
    th.appendChild(el("span", { "class": "id" }, c.id));
    tr.appendChild(th);
    r.bands.forEach(function (b) {
      var ran = b[2] !== null, text = ran ? (b[6] ? range(b) + ": " + b[6] : range(b)) : label(b[3] || "none");
      var td = el("td", { "class": "band", colspan: b[1] - b[0] + 1, "data-first": minors[b[0]],
        "data-cls": ran ? b[2] % 8 : "none", "data-kind": b[4] || "none" }, text);
      td.setAttribute("title", c.id + " \u00b7 " + mode + " \u00b7 TF " + range(b) + "\n" +
        (b[5] ? b[5] + " (" + b[4] + ")" : ran ? "same behaviour as the versions before" : label(b[3])) +
        (b[6] ? "\n" + b[6] : ""));
      if (b[5]) td.setAttribute("data-change", b[5]);
      tr.appendChild(td);
    });
    return tr;
  }
  function showBehaviour() {  // only the rows that pass the filters are built and shown
    var table = $("behaviour"), body = table.tBodies[0], all = 0, shown = [], cases = {};
    if (!table.tHead.rows.length) {  // fixed layout: the widths come from the columns
      var cols = el("colgroup");
      cols.appendChild(el("col", { "class": "case-col" }));
      minors.forEach(function () { cols.appendChild(el("col", { "class": "tf-col" })); });
      table.insertBefore(cols, table.tHead);
      table.style.width = (330 + 46 * minors.length) + "px";
      table.tHead.appendChild(headRow("case \u00b7 mode"));
    }
    if (!built.behaviour || built.behaviour.device !== state.device) built.behaviour = { device: state.device, rows: {} };
    CASES.forEach(function (c) {
      c.modes.forEach(function (mode) {
        var r = row(c, mode, state.device), key = c.id + "\u0000" + mode;
        if (!r) return;
        all++;
        if ((state.mode !== "all" && mode !== state.mode) || !textMatches(c) || !rowMatches(c, mode)) return;
        shown.push(built.behaviour.rows[key] || (built.behaviour.rows[key] = behaviourRow(c, mode, r)));
        cases[c.id] = 1;
      });
    });
    var fragment = document.createDocumentFragment();
    shown.forEach(function (tr) { fragment.appendChild(tr); });
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(fragment);
    $("count").textContent = shown.length + " of " + all + " case \u00b7 mode rows shown (" +
      Object.keys(cases).length + " cases)" + (state.rows === "all" ? "" : "; rows without a change are hidden");
  }

  function buildVerdict() {
    var table = $("grid"), ratio = el("tr", { "class": "ratio" });
    table.tHead.appendChild(headRow("case"));
    ratio.appendChild(el("th", { "class": "corner" }, "ok % (" + GOOD.join(" + ") + " of cells run)"));
    minors.forEach(function (tf) { ratio.appendChild(el("th", { "class": "col", "data-tf": tf })); });
    table.tHead.appendChild(ratio);
    var rows = [];
    CASES.forEach(function (c) {
      var tr = el("tr", { "class": "case-row", "data-case": c.id, "data-tags": (c.tags || []).join(" ") });
      var th = el("th", { "class": "case", scope: "row", title: c.title });
      th.appendChild(el("span", { "class": "id" }, c.id));
      th.appendChild(el("span", { "class": "title" }, c.title));
      tr.appendChild(th);
      minors.forEach(function (tf) { tr.appendChild(el("td", { "class": "cell", "data-tf": tf })); });
      rows.push(tr);
    });
    rows.forEach(function (tr) { table.tBodies[0].appendChild(tr); });
    built.verdict = { rows: rows };
  }
  function viewCells(c, i) {  // [mode, cell] pairs shown for one case and TF version
    return shownModes(c).map(function (m) { return [m, cellAt(c, i, m, state.device)]; }).filter(function (p) { return p[1]; });
  }
  function showVerdict() {
    if (!built.verdict) buildVerdict();
    var heads = $("grid").tHead.rows;
    minors.forEach(function (tf, i) {
      var col = column(tf, state.device), h = heads[0].cells[i + 1], r = heads[1].cells[i + 1];
      var s = DATA.summary[tf + "/" + state.device] || {}, ran = 0, ok = 0, bad = 0;
      OUTCOMES.forEach(function (o) { if (!DID_NOT_RUN[o]) ran += s[o] || 0; if (BAD[o]) bad += s[o] || 0; });
      GOOD.forEach(function (o) { ok += s[o] || 0; });
      h.setAttribute("data-status", col ? col.status : "none");
      h.setAttribute("title", col ? "TF " + (col.tf || tf) + " " + state.device + ": " + label(col.status) +
        (col.reason ? " (" + col.reason + ")" : "") : "no " + state.device + " environment");
      r.textContent = !col ? "" : SHORT.hasOwnProperty(col.status) ? SHORT[col.status] :
        ran ? Math.floor(100 * ok / ran) + "%" : "\u2013";
      r.setAttribute("title", h.getAttribute("title") + (col && col.status === "complete" ?
        "\n" + ok + " passed or known TF bugs of " + ran + " cells run" : ""));
      r.className = "col" + (bad ? " bad" : "");
    });
    var shown = 0;
    built.verdict.rows.forEach(function (tr) {
      var c = BY_ID[tr.getAttribute("data-case")], any = false;
      for (var i = 0; i < minors.length; i++) {
        var td = tr.cells[i + 1], pairs = viewCells(c, i), outcome = worst(pairs.map(function (p) { return p[1].outcome; }));
        var changes = pairs.filter(function (p) { return p[1].change; }), hit = pairs.some(function (p) { return matches(p[1]); });
        any = any || hit;
        td.setAttribute("data-outcome", outcome || "none");
        td.textContent = outcome ? SYMBOL[outcome] : "";
        td.classList.toggle("changed", changes.length > 0);
        td.classList.toggle("dim", !!outcome && !hit);
        td.setAttribute("title", c.id + " @ TF " + minors[i] + " " + state.device + "\n" + pairs.map(function (p) {
          return p[0] + ": " + label(p[1].outcome) + (p[1].change ? " \u2014 " + p[1].change : "");
        }).join("\n"));
        if (changes.length) td.setAttribute("data-change", changes[0][1].change); else td.removeAttribute("data-change");
      }
      var ok = textMatches(c) && (!state.outcome || any);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    $("count").textContent = shown + " of " + built.verdict.rows.length + " cases shown";
  }

  /* @@DETAILS@@ */

  function openDetails(id, tf, mode) {
    var c = BY_ID[id], i = minors.indexOf(tf);
    if (!c || i < 0) return;
    if (selected) selected.classList.remove("selected");
    selected = null;
    if (state.view === "verdict" && built.verdict) selected = built.verdict.rows[CASES.indexOf(c)].cells[i + 1];
    if (state.view === "behaviour") {
      Array.prototype.forEach.call($("behaviour").tBodies[0].rows, function (tr) {
        if (tr.getAttribute("data-case") !== id || tr.getAttribute("data-mode") !== (mode || tr.getAttribute("data-mode"))) return;
        for (var k = 1; k < tr.cells.length && !selected; k++) {
          var td = tr.cells[k], first = minors.indexOf(td.getAttribute("data-first"));
          if (first <= i && i < first + td.colSpan) selected = td;
        }
      });
    }
    if (selected) selected.classList.add("selected");
    var body = $("details-body");
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(el("h2", {}, id));
    body.appendChild(el("p", {}, c.title));
    body.appendChild(el("p", { "class": "muted" }, (c.file || "") + (c.line ? ":" + c.line : "") +
      ((c.tags || []).length ? " \u00b7 tags: " + c.tags.join(", ") : "")));
    var col = column(tf, state.device), nav = el("h3", {});
    var prev = el("button", { type: "button", "class": "step" }, "\u2039"), next = el("button", { type: "button", "class": "step" }, "\u203a");
    prev.disabled = i === 0;
    next.disabled = i === minors.length - 1;
    prev.addEventListener("click", function () { openDetails(id, minors[i - 1], mode); writeHash(); });
    next.addEventListener("click", function () { openDetails(id, minors[i + 1], mode); writeHash(); });
    nav.appendChild(prev);
    nav.appendChild(document.createTextNode(" TF " + (col && col.tf ? col.tf : tf) + " \u00b7 " + state.device +
      (col && col.status !== "complete" ? " \u00b7 " + label(col.status) + (col.reason ? ": " + col.reason : "") : "") + " "));
    nav.appendChild(next);
    body.appendChild(nav);
    var first = mode || state.mode;
    c.modes.filter(function (m) { return m === first; }).concat(c.modes.filter(function (m) { return m !== first; }))
      .forEach(function (m) {
        var cell = cellAt(c, i, m, state.device);
        if (cell) body.appendChild(modeSection(c, i, m, cell));
      });
    $("details").hidden = false;
    $("details").setAttribute("data-case", id);
    $("details").setAttribute("data-tf", tf);
    if (mode) $("details").setAttribute("data-mode", mode); else $("details").removeAttribute("data-mode");
  }
  function closeDetails() {
    $("details").hidden = true;
    $("details").removeAttribute("data-case");
    if (selected) selected.classList.remove("selected");
    selected = null;
  }
  function onGridClick(ev) {
    var td = ev.target.closest ? ev.target.closest("td") : null, tr = td && td.parentNode;
    if (!td || !tr.getAttribute("data-case")) return;
    if (td.classList.contains("band")) openDetails(tr.getAttribute("data-case"), td.getAttribute("data-first"), tr.getAttribute("data-mode"));
    else openDetails(tr.getAttribute("data-case"), td.getAttribute("data-tf"));
    writeHash();
  }

  var CONTROLS = { view: "filter-view", device: "filter-device", mode: "filter-mode", tag: "filter-tag",
    outcome: "filter-outcome", q: "filter-text", rows: "filter-rows" };
  function readControls() { Object.keys(CONTROLS).forEach(function (k) { state[k] = $(CONTROLS[k]).value; }); }
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
    // Links from before the behaviour view: an outcome filter meant the verdict grid.
    if (params.view === undefined && params.outcome && params.outcome !== "changed") params.view = "verdict";
    Object.keys(CONTROLS).forEach(function (k) { setControl(CONTROLS[k], params[k] !== undefined ? params[k] : DEFAULTS[k]); });
    readControls();
    return params;
  }
  function writeHash() {
    var parts = [];
    Object.keys(CONTROLS).forEach(function (k) { if (state[k] !== DEFAULTS[k]) parts.push(k + "=" + encodeURIComponent(state[k])); });
    if (!$("details").hidden) {
      ["case", "tf", "mode"].forEach(function (k) {
        var v = $("details").getAttribute("data-" + k);
        if (v && !(k === "mode" && state.mode === v)) parts.push((k === "mode" ? "in" : k) + "=" + encodeURIComponent(v));
      });
    }
    if (history.replaceState) history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
  }

  function update(toHash) {
    document.body.setAttribute("data-view", state.view);
    Array.prototype.forEach.call($("tabs").querySelectorAll("button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === state.view));
    });
    $("behaviour-wrap").hidden = state.view !== "behaviour";
    $("grid-wrap").hidden = state.view !== "verdict";
    $("legend-behaviour").hidden = state.view !== "behaviour";
    $("legend-verdict").hidden = state.view !== "verdict";
    if (state.view === "verdict") showVerdict(); else showBehaviour();
    if (!$("details").hidden) openDetails($("details").getAttribute("data-case"), $("details").getAttribute("data-tf"), $("details").getAttribute("data-mode"));
    if (toHash) writeHash();
  }

  function buildLegend() {
    OUTCOMES.forEach(function (o) {
      var li = el("li");
      li.appendChild(el("span", { "class": "cell", "data-outcome": o }, SYMBOL[o]));
      li.appendChild(document.createTextNode(label(o)));
      $("legend-verdict").appendChild(li);
    });
    var li = el("li");
    li.appendChild(el("span", { "class": "cell changed", "data-outcome": "skip" }));
    li.appendChild(document.createTextNode("behaviour changed since the previous TF version"));
    $("legend-verdict").appendChild(li);
  }

  buildControls();
  buildLegend();
  $("behaviour").addEventListener("click", onGridClick);
  $("grid").addEventListener("click", onGridClick);
  var params = readHash();
  update(false);
  if (params["case"] && params.tf) openDetails(params["case"], params.tf, params["in"]);
  window.addEventListener("hashchange", function () {
    var p = readHash();
    update(false);
    if (p["case"] && p.tf) openDetails(p["case"], p.tf, p["in"]);
  });
  document.body.setAttribute("data-ready", "1");
  document.body.setAttribute("data-ms", String(Math.round(window.performance ? performance.now() : 0)));
})();
