// The demo page: edit the demo store's policy with live diagnostics, check sample
// orders against it, simulate the step-up, backtest a batch of orders. Everything runs
// in the browser on the checkout-guard wasm package (pkg/web/, its compiler build); the page only fetches
// static files (the demo store's sources, the sample orders, the embedded snapshot).
import { STRINGS, t, setLang, lang, applyI18n } from "./i18n.js";
import {
  parseCsv, maskIdentifier, extractRules, previewFacts, factValue, ordersFromCsv,
  ORDER_CSV_COLUMNS, generateBatch,
} from "./lib.js";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const FILES = ["policy.toml", "blocklist.csv", "catalog.csv", "customers.csv"];
const DECISIONS = ["allow", "review", "step_up", "deny"];
const METHODS = ["sms_otp", "id_check"];

const state = {
  cg: null,                 // the wasm module
  original: {},             // file name → demo store text
  files: {},                // file name → edited text
  active: "policy.toml",
  compiled: null,           // last good {bytes, warnings, info}
  compileOk: false,
  diagnostics: [],
  embeddedBytes: null,
  index: null,              // samples.json
  sampleOrders: {},         // file → order
  sample: null,             // selected sample entry
  order: null,
  before: [],
  now: "2026-11-25T10:00:00Z",
  msgLocale: "zh-CN",
  verdict: null,
  cleared: null,            // {from, to} after "complete verification"
  orderView: "form",
  ruleFacts: {},
  lastReport: null,
};

// ---------------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------------

async function boot() {
  const saved = localStorage.getItem("cg-lang");
  setLang(saved && STRINGS[saved] ? saved : /^en\b/i.test(navigator.language || "") ? "en" : "zh-CN");
  state.msgLocale = lang();
  applyI18n();
  syncLangButtons();
  try {
    // The compiler build (`checkout-guard/compiler`) is the runtime plus compilePolicy:
    // one module, one wasm instance, so snapshots move between them as plain bytes.
    const cg = await import("../pkg/web/checkout_guard_compiler.js");
    await cg.default();
    state.cg = cg;
    const [texts, index, snap] = await Promise.all([
      Promise.all(FILES.map((f) => fetchText(`../examples/demo-store/${f}`))),
      fetch("samples.json").then((r) => r.json()),
      fetch("../assets/demo-store.snapshot").then((r) => (r.ok ? r.arrayBuffer() : null)).catch(() => null),
    ]);
    FILES.forEach((f, i) => { state.original[f] = texts[i]; });
    state.files = { ...state.original };
    state.index = index;
    state.now = index.now;
    state.embeddedBytes = snap ? new Uint8Array(snap) : null;
    const orders = await Promise.all(index.samples.map((s) => fetch(`../examples/orders/${s.file}`).then((r) => r.json())));
    index.samples.forEach((s, i) => { state.sampleOrders[s.file] = orders[i]; });
    setupUi();
    compileNow();
    selectSample(index.samples[0].file);
    const info = safeCall(() => new cg.Engine().info());
    if (info) $("#engine-info").textContent = ` · ${info.merchant ?? ""} ${info.version ?? ""}`;
    $("#boot").hidden = true;
    document.body.classList.add("ready");
  } catch (e) {
    console.warn(e);
    $("#boot").classList.add("failed");
    $("#boot").textContent = `${t("app.loadFailed")}: ${e.message || e}`;
  }
}

async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.text();
}

function safeCall(f) { try { return f(); } catch { return null; } }

function setupUi() {
  // tabs, with arrow keys between them
  const tabs = $$('[role="tab"]', $(".tabs"));
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => showView(tab));
    tab.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!d) return;
      const next = tabs[(i + d + tabs.length) % tabs.length];
      next.focus();
      showView(next);
    });
  });
  for (const b of $$(".lang-btn")) {
    b.addEventListener("click", () => {
      setLang(b.dataset.lang);
      localStorage.setItem("cg-lang", lang());
      state.msgLocale = lang();
      applyI18n();
      syncLangButtons();
      renderAllText();
      runCheck();
    });
  }
  $("#download-snapshot").addEventListener("click", downloadSnapshot);
  setupEditor();
  setupOrder();
  setupBacktest();
  renderAllText();
}

function syncLangButtons() {
  for (const b of $$(".lang-btn")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
}

function showView(tab) {
  for (const t2 of $$('[role="tab"]', $(".tabs"))) {
    const on = t2 === tab;
    t2.setAttribute("aria-selected", String(on));
    t2.tabIndex = on ? 0 : -1;
    $("#" + t2.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "tab-store") renderStore();
}

/** Re-renders everything whose text is built in JS (after a language switch). */
function renderAllText() {
  renderSampleOptions();
  renderFileTabs();
  renderDiagnostics();
  renderForm();
  renderVerdict();
  $("#csv-help").textContent = t("backtest.csvHelp", { cols: ORDER_CSV_COLUMNS.join(", ") });
  if (!$("#view-store").hidden) renderStore();
  if (state.lastReport) renderReport(state.lastReport.report, state.lastReport.meta);
}

// ---------------------------------------------------------------------------------
// Policy editor: textarea over a mirror that underlines diagnostic spans, a gutter
// with line numbers, and a list of diagnostics that jumps to the line.
// ---------------------------------------------------------------------------------

let compileTimer = 0;

function setupEditor() {
  const ta = $("#source");
  ta.value = state.files[state.active];
  ta.setSelectionRange(0, 0);
  ta.addEventListener("input", () => {
    state.files[state.active] = ta.value;
    renderEditor();
    $("#compile-status").textContent = t("policy.compiling");
    $("#compile-status").className = "status busy";
    clearTimeout(compileTimer);
    compileTimer = setTimeout(compileNow, 250);
  });
  ta.addEventListener("scroll", syncScroll);
  for (const ev of ["keyup", "click", "select"]) ta.addEventListener(ev, renderCursor);
  // Tab is left to move focus (keyboard users must be able to leave the editor).
  $("#reset-file").addEventListener("click", () => {
    state.files[state.active] = state.original[state.active];
    ta.value = state.files[state.active];
    renderEditor();
    compileNow();
  });
  renderEditor();
}

function renderFileTabs() {
  const box = $("#file-tabs");
  box.replaceChildren(...FILES.map((f) => {
    const b = el("button", { type: "button", "aria-pressed": String(f === state.active), class: "file-tab" }, f);
    const n = state.diagnostics.filter((d) => d.file === f && d.severity === "error").length;
    if (n) b.append(el("span", { class: "count err", "aria-label": `${n} ${t("policy.errors")}` }, String(n)));
    if (state.files[f] !== state.original[f]) b.append(el("span", { class: "dot", title: "modified" }, "•"));
    b.addEventListener("click", () => openFile(f));
    return b;
  }));
}

function openFile(f, focus = true) {
  state.active = f;
  const ta = $("#source");
  ta.value = state.files[f];
  ta.setSelectionRange(0, 0);
  ta.scrollTop = 0;
  renderFileTabs();
  renderEditor();
  if (focus) ta.focus();
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

/** UTF-8 byte offset → UTF-16 index into `text`. */
function byteToIndex(text, byte) {
  let b = 0;
  let i = 0;
  while (i < text.length && b < byte) {
    const cp = text.codePointAt(i);
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return i;
}

function renderEditor() {
  const text = state.files[state.active];
  const diags = state.diagnostics.filter((d) => d.file === state.active || (!d.file && state.active === "policy.toml"));
  const n = lineStarts(text).length;
  const errLines = new Map();
  const marks = [];
  for (const d of diags) {
    for (const s of d.spans || []) {
      if (s.line) errLines.set(s.line, errLines.get(s.line) === "error" ? "error" : d.severity);
      let a = byteToIndex(text, s.start);
      let b = byteToIndex(text, s.end);
      if (b <= a) b = Math.min(text.length, a + 1);
      marks.push({ a, b, sev: d.severity });
    }
  }
  const gutter = $("#gutter");
  const frag = document.createDocumentFragment();
  for (let i = 1; i <= n; i++) {
    const div = document.createElement("div");
    div.textContent = i;
    if (errLines.has(i)) div.className = errLines.get(i) === "error" ? "g-err" : "g-warn";
    frag.append(div);
  }
  gutter.replaceChildren(frag);
  marks.sort((x, y) => x.a - y.a);
  const mirror = $("#mirror");
  const parts = [];
  let pos = 0;
  for (const m of marks) {
    if (m.a < pos) continue;
    parts.push(document.createTextNode(text.slice(pos, m.a)));
    const mk = document.createElement("mark");
    mk.className = m.sev === "error" ? "sq-err" : "sq-warn";
    mk.textContent = text.slice(m.a, m.b);
    parts.push(mk);
    pos = m.b;
  }
  parts.push(document.createTextNode(text.slice(pos) + "\n "));
  mirror.replaceChildren(...parts);
  syncScroll();
  renderCursor();
}

function syncScroll() {
  const ta = $("#source");
  $("#mirror").style.transform = `translate(${-ta.scrollLeft}px, ${-ta.scrollTop}px)`;
  $("#gutter").style.transform = `translateY(${-ta.scrollTop}px)`;
}

function renderCursor() {
  const ta = $("#source");
  const before = ta.value.slice(0, ta.selectionStart);
  const line = before.split("\n").length;
  const col = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
  $("#cursor-pos").textContent = `${state.active} · ${t("policy.cursor", { line, col })}`;
}

function jumpTo(file, line, col) {
  if (file && file !== state.active && FILES.includes(file)) openFile(file, false);
  const ta = $("#source");
  const starts = lineStarts(ta.value);
  const start = starts[Math.max(0, Math.min(line - 1, starts.length - 1))];
  const lineText = ta.value.slice(start, starts[line] ?? ta.value.length);
  const off = start + [...lineText].slice(0, Math.max(0, col - 1)).join("").length;
  ta.focus();
  ta.setSelectionRange(off, off);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (line - 4) * lh);
  syncScroll();
  renderCursor();
}

function compileNow() {
  clearTimeout(compileTimer);
  const status = $("#compile-status");
  const rules = extractRules(state.files["policy.toml"]).length;
  try {
    const out = state.cg.compilePolicy({ ...state.files });
    state.compiled = { bytes: toBytes(out.bytes), warnings: out.warnings || [], info: out.info };
    state.compileOk = true;
    state.diagnostics = (out.warnings || []).map((w) => ({ severity: "warning", ...w }));
    const nw = state.diagnostics.length;
    status.textContent = `${t("policy.ok")} · ${rules} ${t("policy.rules")}${nw ? ` · ${nw} ${t(nw === 1 ? "policy.warning" : "policy.warnings")}` : ""}`;
    status.className = "status ok";
    $("#download-snapshot").disabled = false;
  } catch (e) {
    state.compileOk = false;
    state.diagnostics = Array.isArray(e?.diagnostics) ? e.diagnostics
      : [{ code: "error", severity: "error", message: String(e?.message || e), help: null, file: "policy.toml", spans: [] }];
    const ne = state.diagnostics.filter((d) => d.severity !== "warning").length;
    status.textContent = `${t("policy.failed")} · ${ne} ${t(ne === 1 ? "policy.error" : "policy.errors")}`;
    status.className = "status bad";
    $("#download-snapshot").disabled = true;
  }
  renderFileTabs();
  renderEditor();
  renderDiagnostics();
  $("#bt-policy-warning").hidden = state.compileOk;
  runCheck();
}

function toBytes(b) {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (Array.isArray(b)) return Uint8Array.from(b);
  return b;
}

function renderDiagnostics() {
  const list = $("#diagnostics");
  if (!state.diagnostics.length) {
    list.replaceChildren(el("li", { class: "diag-none" }, t("policy.noDiagnostics")));
    return;
  }
  list.replaceChildren(...state.diagnostics.map((d) => {
    const s = (d.spans || [])[0] || {};
    const file = d.file || "policy.toml";
    const where = s.line ? `${file}:${s.line}:${s.column}` : file;
    const li = el("li", { class: `diag ${d.severity === "warning" ? "warn" : "err"}`, "data-line": s.line ?? "", "data-column": s.column ?? "", "data-file": file, "data-code": d.code, "data-message": d.message, "data-help": d.help ?? "" });
    const btn = el("button", { type: "button", class: "diag-btn", "aria-label": s.line ? t("policy.jump", { line: s.line }) : where });
    btn.append(
      el("span", { class: "diag-sev" }, d.severity === "warning" ? "warning" : "error"),
      el("code", { class: "diag-code" }, `[${d.code}]`),
      el("span", { class: "diag-where" }, where),
      d.rule ? el("span", { class: "diag-rule" }, `rule ${d.rule}`) : "",
    );
    btn.addEventListener("click", () => { if (s.line) jumpTo(file, s.line, s.column || 1); });
    li.append(btn, el("div", { class: "diag-msg" }, ...richText(d.message)));
    if (s.line) li.append(excerpt(file, s));
    if (d.help) li.append(el("div", { class: "diag-help" }, el("b", {}, `${t("policy.help")}: `), ...richText(d.help)));
    return li;
  }));
}

/** The diagnostic's line with a caret under the span, like the CLI's `lint`. */
function excerpt(file, s) {
  const text = state.files[file] ?? "";
  const starts = lineStarts(text);
  const line = text.slice(starts[s.line - 1] ?? 0, (starts[s.line] ?? text.length + 1) - 1);
  const a = byteToIndex(text, s.start) - (starts[s.line - 1] ?? 0);
  const b = Math.max(a + 1, Math.min(byteToIndex(text, s.end) - (starts[s.line - 1] ?? 0), line.length));
  const pre = el("pre", { class: "diag-excerpt" });
  pre.append(
    el("span", { class: "ln" }, `${String(s.line).padStart(3)} │ `),
    line.slice(0, a), el("mark", {}, line.slice(a, b)), line.slice(b),
  );
  return pre;
}

/** `backticked` parts of a message as <code>. */
function richText(s) {
  return String(s ?? "").split(/(`[^`]*`)/).map((p) => (p.startsWith("`") && p.endsWith("`") && p.length > 1 ? el("code", {}, p.slice(1, -1)) : p));
}

function downloadSnapshot() {
  if (!state.compiled) return;
  const blob = new Blob([state.compiled.bytes], { type: "application/octet-stream" });
  const a = el("a", { href: URL.createObjectURL(blob), download: "demo-store.snapshot" });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// ---------------------------------------------------------------------------------
// Orders: a sample gallery (grouped <select>), a form and a JSON view of one order.
// ---------------------------------------------------------------------------------

let checkTimer = 0;
function scheduleCheck() { clearTimeout(checkTimer); checkTimer = setTimeout(runCheck, 120); }

function setupOrder() {
  $("#sample").addEventListener("change", (e) => selectSample(e.target.value));
  const step = (d) => {
    const list = [...$("#sample").options].map((o) => o.value);
    const i = list.indexOf(state.sample.file);
    selectSample(list[(i + d + list.length) % list.length]);
  };
  $("#sample-prev").addEventListener("click", () => step(-1));
  $("#sample-next").addEventListener("click", () => step(1));
  const now = $("#now");
  now.value = state.now;
  now.addEventListener("input", () => {
    if (!Number.isNaN(Date.parse(now.value))) { state.now = now.value.trim(); now.removeAttribute("aria-invalid"); scheduleCheck(); }
    else now.setAttribute("aria-invalid", "true");
  });
  for (const b of $$(".order-view")) b.addEventListener("click", () => setOrderView(b.dataset.view));
  $("#order-json").addEventListener("input", (e) => {
    try {
      state.order = JSON.parse(e.target.value);
      $("#json-error").textContent = "";
      e.target.removeAttribute("aria-invalid");
      state.cleared = null;
      scheduleCheck();
    } catch (err) {
      $("#json-error").textContent = `${t("order.jsonError")}: ${err.message}`;
      e.target.setAttribute("aria-invalid", "true");
    }
  });
}

function setOrderView(view) {
  state.orderView = view;
  for (const b of $$(".order-view")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
  $("#order-form").hidden = view !== "form";
  $("#order-json-wrap").hidden = view !== "json";
  if (view === "json") $("#order-json").value = JSON.stringify(state.order, null, 2);
  else renderForm();
}

function renderSampleOptions() {
  const sel = $("#sample");
  if (!state.index) return;
  const groups = state.index.groups;
  const opts = Object.keys(groups).map((g) => {
    const og = el("optgroup", { label: groups[g][lang()] || groups[g].en });
    for (const s of state.index.samples.filter((x) => x.group === g)) {
      og.append(el("option", { value: s.file }, `${s.title[lang()] || s.title.en} — ${s.file.replace(/\.json$/, "")}`));
    }
    return og;
  });
  sel.replaceChildren(...opts);
  if (state.sample) sel.value = state.sample.file;
}

function selectSample(file) {
  const s = state.index.samples.find((x) => x.file === file);
  state.sample = s;
  state.order = structuredClone(state.sampleOrders[file]);
  state.before = (s.before || []).map((b) => ({ ...b }));
  state.cleared = null;
  $("#sample").value = file;
  renderBefore();
  if (state.orderView === "json") $("#order-json").value = JSON.stringify(state.order, null, 2);
  renderForm();
  runCheck();
}

function renderBefore() {
  const box = $("#before-note");
  box.hidden = !state.before.length;
  box.replaceChildren(...state.before.map((b, i) => {
    const btn = el("button", { type: "button", class: "link-btn" }, t("order.removeBefore"));
    btn.addEventListener("click", () => { state.before.splice(i, 1); renderBefore(); runCheck(); });
    return el("div", {}, el("span", {}, t("order.before", { file: b.file, minutes: b.minutes })), " ", btn);
  }));
}

const CUSTOMER_FIELDS = [["id", "order.customerId"], ["email", "order.email"], ["phone", "order.phone"], ["device_id", "order.device"], ["payment_fingerprint", "order.payment"], ["ip", "order.ip"], ["account_created_at", "order.accountCreated"]];
const SHIPPING_FIELDS = [["name", "order.shipName"], ["phone", "order.shipPhone"], ["province", "order.province"], ["city", "order.city"], ["district", "order.district"], ["line1", "order.line1"]];

function renderForm() {
  const form = $("#order-form");
  const o = state.order;
  if (!o || state.orderView !== "form") return;
  let uid = 0;
  const input = (label, value, onInput, attrs = {}) => {
    const id = `f-${++uid}`;
    const inp = el("input", { id, value: value ?? "", ...attrs });
    inp.addEventListener("input", () => { onInput(inp.value); state.cleared = null; scheduleCheck(); });
    return el("div", { class: "field" }, el("label", { for: id }, label), inp);
  };
  const setIn = (objKey, key, keepEmpty) => (v) => {
    if (typeof o[objKey] !== "object" || o[objKey] === null) o[objKey] = {};
    if (v === "" && !keepEmpty) delete o[objKey][key]; else o[objKey][key] = v;
  };
  const top = el("fieldset", { class: "fs-grid three" }, el("legend", {}, t("order.title")),
    input(t("order.orderId"), o.order_id, (v) => { if (v) o.order_id = v; else delete o.order_id; }),
    input(t("order.currency"), o.currency, (v) => { if (v) o.currency = v; else delete o.currency; }),
    input(t("order.channel"), o.channel, (v) => { if (v) o.channel = v; else delete o.channel; }));
  const cust = el("fieldset", { class: "fs-grid" }, el("legend", {}, t("order.customer")),
    ...CUSTOMER_FIELDS.map(([k, label]) => input(t(label), o.customer?.[k], setIn("customer", k, false))));
  const ship = el("fieldset", { class: "fs-grid" }, el("legend", {}, t("order.shipping")),
    ...SHIPPING_FIELDS.map(([k, label]) => input(t(label), o.shipping?.[k], setIn("shipping", k, true))));
  const catalog = parseCsv(state.files["catalog.csv"] || "");
  const dl = el("datalist", { id: "sku-list" }, ...catalog.map((r) => el("option", { value: r.sku }, r.name)));
  const items = el("fieldset", { class: "items" }, el("legend", {}, t("order.items")), dl);
  (o.items || []).forEach((it, i) => {
    const row = el("div", { class: "item-row" });
    row.append(
      input(`${t("order.sku")} ${i + 1}`, it.sku, (v) => { it.sku = v; }, { list: "sku-list", class: "sku" }),
      input(t("order.qty"), it.quantity, (v) => { it.quantity = v === "" ? v : (Number.isFinite(Number(v)) ? Number(v) : v); }, { type: "number", min: "1", step: "1", inputmode: "numeric" }),
      input(t("order.unitPrice"), it.unit_price, (v) => { if (v === "") delete it.unit_price; else it.unit_price = Number.isFinite(Number(v)) ? Number(v) : v; }, { type: "number", step: "0.01", min: "0", inputmode: "decimal" }),
    );
    const rm = el("button", { type: "button", class: "icon-btn", "aria-label": `${t("order.removeItem")} (${i + 1})`, title: t("order.removeItem") }, "×");
    rm.addEventListener("click", () => { o.items.splice(i, 1); state.cleared = null; renderForm(); runCheck(); });
    row.append(rm);
    items.append(row);
  });
  const add = el("button", { type: "button", class: "btn small" }, `+ ${t("order.addItem")}`);
  add.addEventListener("click", () => { (o.items ||= []).push({ sku: catalog[0]?.sku || "TEA-001", quantity: 1, unit_price: Number(catalog[0]?.price || 0) }); renderForm(); runCheck(); });
  items.append(add);
  const ver = el("fieldset", { class: "verified" }, el("legend", {}, t("order.verified")),
    ...METHODS.map((m) => {
      const id = `f-v-${m}`;
      const cb = el("input", { type: "checkbox", id });
      cb.checked = (o.verified || []).includes(m);
      cb.addEventListener("change", () => {
        const v = new Set(o.verified || []);
        if (cb.checked) v.add(m); else v.delete(m);
        if (v.size) o.verified = [...v]; else delete o.verified;
        state.cleared = null;
        runCheck();
      });
      return el("label", { for: id, class: "check" }, cb, ` ${t("method." + m)} `, el("code", {}, m));
    }));
  form.replaceChildren(top, cust, ship, items, ver);
}

// ---------------------------------------------------------------------------------
// Checking: a fresh engine per check (its duplicate memory holds only the sample's
// `before` orders), so editing a field never looks like a duplicate submission.
// ---------------------------------------------------------------------------------

function shiftTime(iso, minutes) {
  return new Date(Date.parse(iso) - minutes * 60000).toISOString().replace(".000Z", "Z");
}

function freshEngine() {
  const { Engine } = state.cg;
  return state.compiled ? Engine.fromBytes(state.compiled.bytes) : new Engine();
}

function check(order) {
  const engine = freshEngine();
  try {
    for (const b of state.before) {
      engine.check(state.sampleOrders[b.file], { now: shiftTime(state.now, b.minutes), locale: state.msgLocale });
    }
    // The engine's own facts, read before the check records the order (so an order
    // without an id is not its own duplicate).
    state.engineFacts = safeCall(() => engine.facts(order, { now: state.now })) || null;
    const v = engine.check(order, { now: state.now, locale: state.msgLocale });
    const rf = safeCall(() => engine.ruleFacts());
    if (rf) state.ruleFacts = normalizeRuleFacts(rf);
    return v;
  } finally {
    engine.free?.();
  }
}

function normalizeRuleFacts(rf) {
  if (rf instanceof Map) return Object.fromEntries(rf);
  if (Array.isArray(rf)) return Object.fromEntries(rf.map((r) => [r.rule ?? r.id, r.facts ?? r.reads ?? []]));
  return rf || {};
}

function runCheck() {
  if (!state.cg || !state.order) return;
  if (!state.compileOk) { state.verdict = { policyError: true }; renderVerdict(); return; }
  try {
    state.verdict = check(state.order);
  } catch (e) {
    const text = e?.path !== undefined && e?.reason ? `${e.path || "order"}: ${e.reason}` : String(e?.message || e);
    state.verdict = { inputError: text, path: e?.path };
  }
  renderVerdict();
}

function completeVerification() {
  const v = state.verdict;
  if (!v || v.decision !== "step_up") return;
  const from = v;
  const o = state.order;
  o.verified = [...new Set([...(o.verified || []), ...v.verify])];
  runCheck();
  state.cleared = { from, methods: v.verify };
  renderVerdict();
  renderForm();
  if (state.orderView === "json") $("#order-json").value = JSON.stringify(o, null, 2);
  $("#verdict-card").scrollIntoView({ block: "nearest" });
}

function decisionBadge(d, big = false) {
  return el("span", { class: `badge d-${d}${big ? " big" : ""}`, "data-decision": d }, t(`decision.${d}`), big ? el("small", {}, d) : "");
}

function renderVerdict() {
  const box = $("#verdict");
  const v = state.verdict;
  const exp = $("#expected");
  exp.replaceChildren();
  if (state.sample) exp.append(`${t("verdict.expected")}: `, decisionBadge(state.sample.expected));
  if (!v) { box.replaceChildren(); return; }
  if (v.policyError) {
    box.replaceChildren(el("div", { class: "alert err", "data-testid": "verdict-policy-error" }, t("verdict.policyError")));
    return;
  }
  if (v.inputError) {
    box.replaceChildren(el("div", { class: "alert err", "data-testid": "verdict-input-error" }, el("b", {}, t("verdict.inputError")), el("div", {}, el("code", {}, v.inputError))));
    return;
  }
  const parts = [];
  // decision + verify + complete button
  const head = el("div", { class: "decision-row" }, decisionBadge(v.decision, true));
  head.firstChild.dataset.testid = "decision";
  if (v.decision === "step_up") {
    head.append(el("div", { class: "verify" }, el("span", { class: "muted small" }, t("verdict.verify")),
      ...v.verify.map((m) => el("span", { class: "chip method" }, t(`method.${m}`), " ", el("code", {}, m)))));
    const btn = el("button", { type: "button", class: "btn primary", id: "complete-verification", title: t("verdict.completeHelp") }, t("verdict.complete"));
    btn.addEventListener("click", completeVerification);
    head.append(btn);
  }
  parts.push(head);
  if (state.cleared) {
    parts.push(el("div", { class: `alert ${v.decision === "step_up" ? "warn" : "ok"}`, "data-testid": "cleared" },
      decisionBadge(state.cleared.from.decision), " → ", decisionBadge(v.decision), " ",
      t("verdict.cleared", { decision: t(`decision.${v.decision}`) }), " ",
      el("code", {}, `verified: ${JSON.stringify(state.order.verified || [])}`)));
  }
  // message
  const msgBox = el("div", { class: "message" });
  const seg = el("div", { class: "seg small", role: "group", "aria-label": t("verdict.msgLocale") },
    ...["zh-CN", "en"].map((l) => {
      const b = el("button", { type: "button", "aria-pressed": String(state.msgLocale === l), "data-msg-locale": l }, l === "zh-CN" ? "中文" : "English");
      b.addEventListener("click", () => { state.msgLocale = l; runCheck(); });
      return b;
    }));
  msgBox.append(el("div", { class: "sub-head" }, el("h3", {}, t("verdict.message")), seg));
  if (v.message) {
    msgBox.append(el("blockquote", { lang: v.message.locale, "data-testid": "message" }, v.message.text),
      el("div", { class: "muted small" }, el("code", {}, v.message.key), ` · ${v.message.locale}`));
  } else msgBox.append(el("p", { class: "muted" }, t("verdict.noMessage")));
  parts.push(msgBox);
  // lines
  // Facts as the engine computed them; the page-side preview only if the package is
  // older than `engine.facts()`.
  let facts = state.engineFacts;
  if (!facts) {
    facts = previewFacts(state.order, storeData(), state.now, policySettings());
    facts.order.issues = pageIssues(facts);
  }
  const table = el("table", { class: "lines" });
  table.append(el("thead", {}, el("tr", {}, ...["#", "SKU", t("verdict.name"), t("verdict.qty"), t("verdict.price"), t("verdict.decision")].map((h) => el("th", { scope: "col" }, h)))));
  const tb = el("tbody");
  (v.lines || []).forEach((ln, i) => {
    const it = facts.items[i] || {};
    const tags = [];
    if (it.high_value) tags.push(el("span", { class: "tag hv" }, t("verdict.highValue")));
    if (it.limited) tags.push(el("span", { class: "tag ltd" }, t("verdict.limited")));
    tb.append(el("tr", { class: `${it.restricted ? "restricted" : ""} ld-${ln.decision}`, "data-line-decision": ln.decision },
      el("td", {}, String(i)), el("td", {}, el("code", {}, ln.sku)),
      el("td", {}, it.name || "—", " ", ...tags), el("td", { class: "num" }, String(it.quantity ?? "")),
      el("td", { class: "num" }, it.price !== undefined ? `¥${Number(it.price).toFixed(2)}` : ""), el("td", {}, decisionBadge(ln.decision))));
  });
  table.append(tb);
  parts.push(el("div", { class: "sub" }, el("h3", {}, t("verdict.lines")), el("div", { class: "table-wrap" }, table)));
  // reasons with "why"
  const rs = el("ol", { class: "reasons" });
  const rank = (d) => DECISIONS.indexOf(d);
  for (const r of v.reasons || []) {
    const suppressed = (r.action === "review" || r.action === "step_up") && rank(r.action) > rank(v.decision) && v.decision === "allow";
    const li = el("li", { class: `reason a-${r.action}`, "data-rule": r.rule });
    li.append(el("div", { class: "reason-head" }, decisionBadge(r.action), el("code", { class: "rule-id" }, r.rule),
      el("span", { class: "code" }, r.code),
      r.lines?.length ? el("span", { class: "muted small" }, r.lines.map((n) => t("verdict.lineN", { n })).join(", ")) : "",
      suppressed ? el("span", { class: "chip muted" }, t("verdict.suppressed")) : ""));
    const read = state.ruleFacts[r.rule] || [];
    if (read.length) {
      const dl = el("dl", { class: "why" });
      for (const p of read) {
        const val = r.lines?.length && p.startsWith("item.")
          ? r.lines.map((n) => `${n}: ${fmt(factValue(facts, p, n))}`).join(" · ")
          : p === "items" ? factValue(facts, p) : fmt(factValue(facts, p));
        dl.append(el("dt", {}, el("code", {}, p)), el("dd", {}, val));
      }
      li.append(el("div", { class: "why-label muted small" }, `${t("verdict.why")} — ${t("verdict.factsRead")}`), dl);
    }
    rs.append(li);
  }
  parts.push(el("div", { class: "sub" }, el("h3", {}, t("verdict.reasons")),
    v.reasons?.length ? rs : el("p", { class: "muted" }, t("verdict.noReasons"))));
  if (v.warnings?.length) parts.push(el("div", { class: "alert warn" }, `${t("verdict.warnings")}: `, v.warnings.map((w) => (typeof w === "string" ? w : w.message || JSON.stringify(w))).join("; ")));
  if (v.snapshot) parts.push(el("div", { class: "muted small snap" }, `${t("verdict.snapshot")}: ${v.snapshot.merchant} · ${v.snapshot.version} · → ${v.snapshot.expires_at}`));
  box.replaceChildren(...parts);
}

function fmt(v) {
  if (v === undefined) return "—";
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function storeData() {
  return {
    blocklist: parseCsv(state.files["blocklist.csv"] || ""),
    catalog: parseCsv(state.files["catalog.csv"] || ""),
    customers: parseCsv(state.files["customers.csv"] || ""),
  };
}

function policySettings() {
  const s = {};
  for (const line of (state.files["policy.toml"] || "").split("\n")) {
    if (line.startsWith("[")) break;
    const m = /^(\w+)\s*=\s*"?([^"#]*)"?/.exec(line.trim());
    if (m) s[m[1]] = m[2].trim();
  }
  return s;
}

/** Order issues as the page sees them (docs/semantics.md §7), for the "why" panel. */
function pageIssues(facts) {
  const o = state.order;
  const s = o.shipping;
  const out = [];
  if (!s || !String(s.name || "").trim()) out.push("missing_recipient");
  const ph = String(s?.phone || "").replace(/\D/g, "").replace(/^00/, "");
  if (!s || !String(s.phone || "").trim() || ph.length < 8 || ph.length > 15 || (ph.startsWith("86") && !/^861\d{10}$/.test(ph) && !(ph.length === 11 && ph.startsWith("1")))) out.push("invalid_phone");
  if (!s || !String(s.province || "").trim() || !String(s.city || "").trim() || !String(s.line1 || "").trim()) out.push("incomplete_address");
  const catalog = storeData().catalog;
  if (catalog.length && facts.items.some((i) => !i.known)) out.push("unknown_sku");
  if ((o.items || []).some((it) => { const r = catalog.find((c) => c.sku === it.sku); return r && it.unit_price !== undefined && Math.abs(Number(r.price) - Number(it.unit_price)) > 0.005; })) out.push("price_mismatch");
  const cur = policySettings().currency || "CNY";
  if (o.currency && o.currency.toLowerCase() !== cur.toLowerCase()) out.push("currency_mismatch");
  const sums = {};
  for (const i of facts.items) sums[i.sku] = (sums[i.sku] || 0) + i.quantity;
  if (facts.items.some((i) => i.max_per_order > 0 && sums[i.sku] > i.max_per_order)) out.push("over_max_per_order");
  const key = (x) => JSON.stringify((x.items || []).map((i) => `${i.sku}*${i.quantity}`).sort());
  if (state.before.some((b) => {
    const p = state.sampleOrders[b.file];
    return p.customer?.id === o.customer?.id && key(p) === key(o) && p.order_id !== o.order_id && b.minutes < 10;
  })) out.push("duplicate_recent");
  return out;
}

// ---------------------------------------------------------------------------------
// Store data: what the snapshot was compiled from, identifiers masked.
// ---------------------------------------------------------------------------------

function renderStore() {
  const { blocklist, catalog, customers } = storeData();
  const settings = policySettings();
  const threshold = Number(settings.high_value_threshold || 2000);
  const nowMs = Date.parse(state.now);
  $("#restricted-note").textContent = t("store.restrictedNote", { threshold });
  const rules = extractRules(state.files["policy.toml"] || "");
  $("#rules-table").replaceChildren(table(
    ["#", t("store.id"), t("store.scope"), t("store.action"), t("store.code"), t("store.when")],
    rules.map((r, i) => [String(i + 1), el("code", {}, r.id), r.scope, decisionBadge(r.action || "allow"),
      el("code", {}, r.reason || ""), el("code", { class: "when" }, r.when || "")]), "rules"));
  $("#blocklist-table").replaceChildren(table(
    [t("store.kind"), t("store.value"), t("store.level"), t("store.reason"), t("store.expires"), t("store.note")],
    blocklist.map((e) => {
      const expired = e.expires_at && Date.parse(e.expires_at) <= nowMs;
      return { cls: expired ? "expired" : "", cells: [el("code", {}, e.kind), el("code", {}, maskIdentifier(e.kind, e.value)),
        el("span", { class: `lvl lvl-${e.level}` }, e.level), el("code", {}, e.reason),
        expired ? el("span", { class: "muted" }, `${e.expires_at.slice(0, 10)} (${t("store.expired")})`) : e.expires_at ? e.expires_at.slice(0, 10) : el("span", { class: "muted" }, t("store.never")),
        el("span", { class: "note-cell" }, e.note)] };
    }), "blocklist"));
  $("#catalog-table").replaceChildren(table(
    [t("store.sku"), t("store.name"), t("store.category"), t("store.price"), t("store.tags"), t("store.max")],
    catalog.map((r) => {
      const tags = r.tags ? r.tags.split(";").filter(Boolean) : [];
      const hv = tags.includes("high_value") || Number(r.price) >= threshold;
      const ltd = tags.includes("limited_edition");
      return { cls: hv || ltd ? "restricted" : "", cells: [el("code", {}, r.sku), r.name, r.category, el("span", { class: "num" }, `¥${Number(r.price).toFixed(2)}`),
        el("span", {}, ...(hv ? [el("span", { class: "tag hv" }, t("verdict.highValue"))] : []), ...(ltd ? [el("span", { class: "tag ltd" }, t("verdict.limited"))] : [])),
        r.max_per_order || "—"] };
    }), "catalog"));
  $("#customers-table").replaceChildren(table(
    [t("store.customer"), t("store.since"), t("store.orders"), t("store.refunds"), t("store.chargebacks"), t("store.addresses")],
    customers.map((c) => [el("code", {}, c.customer_id), c.account_created_at.slice(0, 10), c.orders_90d, c.refunds_90d, c.chargebacks_365d, c.addresses_90d]), "customers"));
}

function table(headers, rows, name) {
  const tb = el("tbody");
  for (const r of rows) {
    const cells = Array.isArray(r) ? r : r.cells;
    tb.append(el("tr", { class: Array.isArray(r) ? "" : r.cls }, ...cells.map((c) => el("td", {}, c))));
  }
  return el("table", { class: `data ${name || ""}` }, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))), tb);
}

// ---------------------------------------------------------------------------------
// Backtest: chunked so the progress bar moves, then charts and tables.
// ---------------------------------------------------------------------------------

let btRunning = false;

function setupBacktest() {
  const dz = $("#dropzone");
  $("#bt-file").addEventListener("change", async (e) => {
    const f = e.target.files?.[0];
    if (f) await backtestFile(f);
    e.target.value = "";
  });
  dz.addEventListener("dragover", (e) => { e.preventDefault(); dz.classList.add("over"); });
  dz.addEventListener("dragleave", () => dz.classList.remove("over"));
  dz.addEventListener("drop", async (e) => {
    e.preventDefault();
    dz.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) await backtestFile(f);
  });
  $("#bt-generate").addEventListener("click", async () => {
    const n = Math.max(100, Math.min(200000, Number($("#bt-count").value) || 5000));
    const batch = generateBatch(Object.values(state.sampleOrders), storeData().catalog, { count: n });
    const text = batch.map((o) => JSON.stringify(o)).join("\n") + "\n";
    await runBacktest(text, "jsonl", `sample-batch-${n}.jsonl`);
  });
}

async function backtestFile(file) {
  const text = await file.text();
  const csv = /\.csv$/i.test(file.name) || (!text.trimStart().startsWith("{") && text.includes(","));
  await runBacktest(text, csv ? "csv" : "jsonl", file.name);
}

async function runBacktest(text, kind, name) {
  if (btRunning || !state.cg) return;
  btRunning = true;
  const started = performance.now();
  const prog = $("#bt-progress");
  const bar = $("#bt-bar");
  const label = $("#bt-progress-text");
  prog.hidden = false;
  $("#bt-generate").disabled = true;
  let lines;
  try {
    lines = kind === "csv" ? ordersFromCsv(text).map((o) => JSON.stringify(o)) : text.split(/\r?\n/);
  } catch (e) {
    label.textContent = String(e.message || e);
    btRunning = false;
    $("#bt-generate").disabled = false;
    return;
  }
  const total = lines.filter((l) => l.trim()).length;
  const bt = new state.cg.Backtest(state.compiled ? state.compiled.bytes : null, state.embeddedBytes ?? null);
  let done = 0;
  bar.max = Math.max(1, total);
  const CHUNK = 500;
  try {
    for (let i = 0; i < lines.length; i += CHUNK) {
      const chunk = lines.slice(i, i + CHUNK);
      bt.addJsonLines(chunk.join("\n") + "\n");
      done += chunk.filter((l) => l.trim()).length;
      bar.value = done;
      label.textContent = t("backtest.running", { done, total });
      await new Promise(requestAnimationFrame);
    }
    const report = bt.finish();
    const meta = { name, ms: Math.round(performance.now() - started), text, kind };
    state.lastReport = { report, meta };
    renderReport(report, meta);
    window.__cgBacktestReport = report;
  } catch (e) {
    label.textContent = String(e.message || e);
  } finally {
    bt.free?.();
    btRunning = false;
    $("#bt-generate").disabled = false;
  }
}

const ACTION_COLORS = { allow: "var(--allow)", review: "var(--review)", step_up: "var(--stepup)", deny: "var(--deny)" };

/** Horizontal bar chart as SVG. rows: {label, value, base?, color}. */
function barChart(rows, { title, baseLabel, valueLabel } = {}) {
  // narrow screens get a narrower drawing, so its text is not scaled down to nothing
  const W = window.innerWidth < 700 ? Math.max(300, window.innerWidth - 56) : 560;
  const labelW = W < 420 ? 128 : 190;
  const rowH = 26;
  const H = rows.length * rowH + 8;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value, r.base ?? 0)));
  const scale = (W - labelW - 60) / max;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart" });
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    const g = svgEl("g", { "data-label": r.label });
    const lbl = svgEl("text", { x: labelW - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "c-label" });
    const maxChars = W < 420 ? 17 : 26;
    lbl.textContent = r.label.length > maxChars ? r.label.slice(0, maxChars - 1) + "…" : r.label;
    const tip = svgEl("title", {});
    tip.textContent = `${r.label}: ${r.value}${r.base !== undefined ? ` (${baseLabel}: ${r.base})` : ""}`;
    g.append(tip, lbl);
    if (r.base !== undefined) g.append(svgEl("rect", { x: labelW, y: y + 3, width: Math.max(r.base * scale, r.base ? 2 : 0), height: rowH - 6, rx: 3, class: "c-base" }));
    g.append(svgEl("rect", { x: labelW, y: y + (r.base !== undefined ? 8 : 3), width: Math.max(r.value * scale, r.value ? 2 : 0), height: r.base !== undefined ? rowH - 16 : rowH - 6, rx: 3, fill: r.color || "var(--accent)", class: "c-bar" }));
    const val = svgEl("text", { x: labelW + Math.max(r.value, r.base ?? 0) * scale + 6, y: y + rowH / 2 + 4, class: "c-value" });
    val.textContent = r.value.toLocaleString();
    g.append(val);
    svg.append(g);
  });
  const fig = el("figure", { class: "chart-fig" }, svg);
  if (baseLabel) fig.append(el("figcaption", { class: "legend" }, el("span", { class: "key base" }), baseLabel, el("span", { class: "key cur" }), valueLabel));
  return fig;
}

function svgEl(name, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function renderReport(rep, meta) {
  const out = $("#bt-results");
  out.hidden = false;
  $("#bt-progress-text").textContent = t("backtest.done", { orders: rep.orders.toLocaleString(), unusable: rep.unusable, ms: meta.ms });
  $("#bt-bar").value = $("#bt-bar").max;
  const base = rep.baseline;
  const card = (title, ...body) => el("section", { class: "card bt-card" }, el("h3", {}, title), ...body);
  const decisions = card(t("backtest.byDecision"),
    barChart(DECISIONS.map((d) => ({ label: t(`decision.${d}`), value: rep.decisions[d] ?? 0, base: base ? base[d] ?? 0 : undefined, color: ACTION_COLORS[d] })),
      { title: t("backtest.byDecision"), baseLabel: base ? t("backtest.baseline") : null, valueLabel: t("backtest.current") }),
    table([t("verdict.decision"), t("backtest.current"), ...(base ? [t("backtest.baseline")] : [])],
      DECISIONS.map((d) => [decisionBadge(d), el("span", { class: "num", "data-bt-decision": d, "data-value": rep.decisions[d] ?? 0 }, (rep.decisions[d] ?? 0).toLocaleString()), ...(base ? [el("span", { class: "num" }, (base[d] ?? 0).toLocaleString())] : [])]), "bt-decisions"));
  const rules = card(t("backtest.byRule"),
    barChart(rep.rules.map((r) => ({ label: r.rule, value: r.fired, color: ACTION_COLORS[r.action] })), { title: t("backtest.byRule") }),
    el("details", {}, el("summary", {}, t("store.rules")), table([t("store.id"), t("store.action"), t("backtest.fired")],
      rep.rules.map((r) => [el("code", {}, r.rule), decisionBadge(r.action), el("span", { class: "num", "data-bt-rule": r.rule, "data-value": r.fired }, r.fired.toLocaleString())]), "bt-rules")),
    el("details", {}, el("summary", {}, t("backtest.byReason")), table([t("store.code"), t("backtest.orders")],
      (rep.reasons || []).map((r) => [el("code", {}, r.code), el("span", { class: "num", "data-bt-reason": r.code, "data-value": r.orders }, r.orders.toLocaleString())]), "bt-reasons")));
  const cats = card(t("backtest.byCategory"),
    barChart(rep.categories.map((c) => ({ label: c.category || "—", value: c.flagged_lines, base: c.lines, color: "var(--deny)" })),
      { title: t("backtest.byCategory"), baseLabel: t("backtest.lines"), valueLabel: t("backtest.flagged") }),
    table([t("store.category"), t("backtest.lines"), t("backtest.flagged"), t("backtest.byItemRules")],
      rep.categories.map((c) => [c.category || "—", el("span", { class: "num", "data-bt-category": c.category, "data-value": c.lines }, c.lines.toLocaleString()), el("span", { class: "num" }, c.flagged_lines.toLocaleString()), el("span", { class: "num" }, c.flagged_by_item_rules.toLocaleString())]), "bt-categories"));
  const skus = card(t("backtest.topSkus"),
    barChart(rep.top_skus.map((s) => ({ label: `${s.sku} ${s.name || ""}`.trim(), value: s.flagged_orders, base: s.orders, color: "var(--stepup)" })),
      { title: t("backtest.topSkus"), baseLabel: t("backtest.orders"), valueLabel: t("backtest.flaggedOrders") }),
    el("details", {}, el("summary", {}, "SKU"), table(["SKU", t("store.name"), t("backtest.orders"), t("backtest.flaggedOrders")],
      rep.top_skus.map((s) => [el("code", {}, s.sku), s.name || "", el("span", { class: "num", "data-bt-sku": s.sku, "data-value": s.flagged_orders }, s.orders.toLocaleString()), el("span", { class: "num" }, s.flagged_orders.toLocaleString())]), "bt-skus")));
  const changes = rep.changes || [];
  const LIMIT = 200;
  const chg = el("section", { class: "card bt-card wide", "data-testid": "bt-changes", "data-count": changes.length }, el("h3", {}, `${t("backtest.changes")} · ${changes.length.toLocaleString()}`));
  if (!base) chg.append(el("p", { class: "muted" }, "—"));
  else if (!changes.length) chg.append(el("p", { class: "muted" }, t("backtest.noChanges")));
  else {
    chg.append(el("div", { class: "table-wrap" }, table([t("backtest.index"), t("order.orderId"), t("backtest.baseline"), "", t("backtest.current")],
      changes.slice(0, LIMIT).map((c) => [String(c.index), el("code", {}, c.order_id ?? "—"), decisionBadge(c.baseline), "→", decisionBadge(c.decision)]), "bt-changes")));
    if (changes.length > LIMIT) chg.append(el("p", { class: "muted small" }, t("backtest.moreChanges", { n: changes.length - LIMIT })));
  }
  const head = el("div", { class: "bt-summary card" },
    el("div", { class: "kpi" }, el("b", { "data-testid": "bt-orders", "data-value": rep.orders }, rep.orders.toLocaleString()), el("span", {}, t("backtest.orders"))),
    ...DECISIONS.map((d) => el("div", { class: `kpi k-${d}` }, el("b", {}, (rep.decisions[d] ?? 0).toLocaleString()), el("span", {}, t(`decision.${d}`)))),
    el("div", { class: "kpi" }, el("b", { "data-testid": "bt-unusable", "data-value": rep.unusable }, String(rep.unusable)), el("span", {}, t("backtest.errors"))),
    el("div", { class: "bt-meta muted small" }, t("backtest.source", { name: meta.name }), " ", downloadLink(meta)));
  const errs = (rep.errors || []).length
    ? card(t("backtest.errors"), el("ul", { class: "errors" }, ...rep.errors.slice(0, 20).map((e) => el("li", {}, el("code", {}, typeof e === "string" ? e : `${e.line ?? e.index ?? ""} ${e.path ?? ""}: ${e.message ?? JSON.stringify(e)}`)))))
    : "";
  out.replaceChildren(head, el("div", { class: "bt-grid" }, decisions, rules, cats, skus, chg, errs));
}

function downloadLink(meta) {
  const a = el("button", { type: "button", class: "link-btn" }, t("backtest.downloadReport"));
  a.addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(state.lastReport.report, null, 2)], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `${meta.name.replace(/\.\w+$/, "")}-report.json` });
    document.body.append(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  });
  return a;
}

// ---------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "value") e.value = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== "" && c !== null && c !== undefined) e.append(c);
  return e;
}

boot();
