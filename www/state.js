// The page's shared state and the small DOM helpers every view uses. The views
// (editor.js, order.js, verdict.js, store.js, backtest.js, charts.js, workspace.js) read and write
// `state`; app.js starts them.
import { t } from "./i18n.js";
import { parseCsv } from "./lib.js";
import { PurchaseMemory } from "./purchases.js";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
export const FILES = ["policy.toml", "blocklist.csv", "catalog.csv", "customers.csv"];
export const DECISIONS = ["allow", "warn", "review", "step_up", "deny"];

export const state = {
  cg: null,                 // the wasm module
  demo: {},                 // file name → demo store text (what "Reset to demo" restores)
  original: {},             // file name → the store's text as first loaded (demo or opened)
  files: {},                // file name → edited text
  store: { name: "demo-store", demo: true }, // the store open (workspace.js); demo: the demo's
  saved: null,              // {files, at}: the policy last saved (a backtest baseline)
  snapshot: null,           // {name, bytes, info}: a snapshot opened (a backtest baseline)
  baseline: "original",     // the backtest's baseline: "original" | "saved" | "snapshot" | "none"
  entries: {},              // CSV file → entries the compiler read (compilePolicy's `entries`)
  createdAt: "2026-11-25T10:00:00Z", // written into every snapshot the page compiles: same files → same bytes
  demoKey: null,            // examples/demo-store/demo.key: the demo's published key
  active: "policy.toml",
  compiled: null,           // last good {bytes, warnings, info}
  compileOk: false,
  diagnostics: [],
  index: null,              // samples.json
  sampleOrders: {},         // file → order
  sample: null,             // selected sample entry
  order: null,
  before: [],
  session: { on: false, customerId: "" }, // "Signed-in session": the identity the server vouches for
  now: "2026-11-25T10:00:00Z",
  msgLocale: "zh-CN",
  verdict: null,            // the shown verdict, or {policyError} / {inputError, path}
  explained: null,          // engine.explain(): {verdict, facts, suppressed}
  cleared: null,            // {from, methods, challenged, orderId} after "complete verification"
  purchases: new PurchaseMemory(), // "Record as bought": passed to each check as `bought` (purchases.js)
  limitKey: null,           // engine.limitKey() of the order shown, or null (nothing limited, or anonymous)
  orderView: "form",
  ruleFacts: {},
  lastReport: null,
  review: null,             // the list review shown (monitor.js), from reviewPolicy
};

/** Whether the store open is the demo's (its samples' expected decisions then hold). */
export function isDemoStore() { return state.store.demo; }

export function safeCall(f) { try { return f(); } catch { return null; } }

/** An engine on the last policy that compiled (the embedded demo store before any). */
export function freshEngine() {
  const { Engine } = state.cg;
  return state.compiled ? Engine.fromBytes(state.compiled.bytes) : new Engine();
}

/** The store's CSV files as rows, for the store view, the SKU list and the batch generator. */
export function storeData() {
  return {
    blocklist: parseCsv(state.files["blocklist.csv"] || ""),
    catalog: parseCsv(state.files["catalog.csv"] || ""),
    customers: parseCsv(state.files["customers.csv"] || ""),
  };
}

export function el(tag, attrs = {}, ...children) {
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

export function decisionBadge(d, big = false) {
  return el("span", { class: `badge d-${d}${big ? " big" : ""}`, "data-decision": d }, t(`decision.${d}`), big ? el("small", {}, d) : "");
}

export function table(headers, rows, name) {
  const tb = el("tbody");
  for (const r of rows) {
    const cells = Array.isArray(r) ? r : r.cells;
    tb.append(el("tr", { class: Array.isArray(r) ? "" : r.cls }, ...cells.map((c) => el("td", {}, c))));
  }
  return el("table", { class: `data ${name || ""}` }, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))), tb);
}

/** Saves `blob` as `name` through a temporary link. */
export function download(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
