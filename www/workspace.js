// The store open in the page, and keeping it: a merchant opens their own store (the four
// policy files as files, a folder or a .zip; a .snapshot as a backtest baseline), the
// edits are kept in this browser (IndexedDB: a 10⁵-row list outgrows localStorage's
// ~5 MB) and restored on reload, "Reset to demo" forgets them. It also owns the store's
// identity: the footer's merchant and version, the snapshot download (named after them)
// with its `Engine.fromBytes` snippet, the one creation time of every snapshot the page
// compiles (`state.createdAt`: same files → same bytes as `compile --created-at`), and
// which policy the backtest compares with.
import { t } from "./i18n.js";
import { readZip, ZipError, mb } from "./zip.js";
import { $, FILES, state, el, download, safeCall } from "./state.js";
import { compileNow } from "./editor.js";
import { renderStore } from "./store.js";

/** Largest policy file (or zip, or snapshot) the page opens. */
export const MAX_FILE_BYTES = 64 << 20;
// two records: the store (as loaded, saved version, snapshot, choices) and the edited files
const DB = { name: "checkout-guard-page", store: "workspace", key: "store", filesKey: "files", version: 1 };

// ---- keeping the workspace (IndexedDB) ----

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB.name, DB.version);
    req.onupgradeneeded = () => req.result.createObjectStore(DB.store);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function dbDo(mode, op) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(DB.store, mode);
      const reqs = op(tx.objectStore(DB.store)); // the requests, in order
      tx.oncomplete = () => resolve(reqs.map((r) => r.result));
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Restores the kept workspace into `state` (before the views start); false when none. */
export async function restoreWorkspace() {
  const [kept, files] = await dbDo("readonly", (s) => [s.get(DB.key), s.get(DB.filesKey)])
    .catch((e) => { console.warn("workspace not restored:", e); return []; });
  if (!kept || kept.v !== 1 || !FILES.every((f) => typeof files?.[f] === "string" && typeof kept.original?.[f] === "string")) return false;
  state.store = kept.store;
  state.original = kept.original;
  state.files = files;
  state.saved = kept.saved;
  const info = kept.snapshot ? safeCall(() => loadSnapshot(kept.snapshot.bytes).info) : null;
  state.snapshot = info ? { ...kept.snapshot, info } : null;
  state.baseline = kept.baseline;
  if (kept.createdAt) state.createdAt = kept.createdAt;
  storeKept = true;
  return true;
}

let keepTimer = 0;
let keeping = Promise.resolve();
let storeKept = false; // whether the store record is written (edits alone cannot be restored)

/**
 * Keeps the edited files a moment after typing stops. Only the files are written: the
 * store as loaded (as large again, at 10⁵ rows) is written when it changes (`keepNow`).
 */
function keepSoon() {
  setKeptState("saving");
  clearTimeout(keepTimer);
  keepTimer = setTimeout(() => (storeKept ? write((s) => [s.put({ ...state.files }, DB.filesKey)]) : keepNow()), 500);
}

/** Keeps everything: the store, its files as loaded and edited, saved version, snapshot, baseline. */
function keepNow() {
  clearTimeout(keepTimer);
  const record = {
    v: 1, store: state.store, original: state.original, saved: state.saved,
    snapshot: state.snapshot ? { name: state.snapshot.name, bytes: state.snapshot.bytes } : null, baseline: state.baseline,
    createdAt: state.createdAt,
  };
  const files = { ...state.files };
  storeKept = true;
  return write((s) => [s.put(record, DB.key), s.put(files, DB.filesKey)]);
}

function write(op) {
  keeping = keeping.then(() => dbDo("readwrite", op))
    .then(() => setKeptState("kept"), (e) => { console.warn("workspace not kept:", e); setKeptState("failed"); });
  return keeping;
}

function forget() {
  clearTimeout(keepTimer);
  storeKept = false;
  keeping = keeping.then(() => dbDo("readwrite", (s) => [s.delete(DB.key), s.delete(DB.filesKey)])).then(() => setKeptState("demo"), () => setKeptState("failed"));
  return keeping;
}

function setKeptState(s) {
  const box = $("#ws-kept");
  box.dataset.state = s;
  const text = s === "demo" ? "" : t(`ws.kept.${s}`);
  if (box.textContent !== text) box.textContent = text; // a status: announced on change only
}

// ---- opening a store ----

/** An error for the user (shown in the workspace bar), not a bug. */
class OpenError extends Error {}

function checkSize(name, size) {
  if (size > MAX_FILE_BYTES) throw new OpenError(t("ws.tooLarge", { name, size: mb(size), max: mb(MAX_FILE_BYTES) }));
}

/** The policy files among `named` ([{path, text()}]), the shallowest of each name. */
async function pickPolicyFiles(named) {
  const best = {};
  for (const f of named) {
    const base = f.path.split("/").pop();
    if (!FILES.includes(base)) continue;
    const depth = f.path.split("/").length;
    if (!best[base] || depth < best[base].depth) best[base] = { ...f, depth };
  }
  const out = {};
  for (const [name, f] of Object.entries(best)) out[name] = await f.text();
  return out;
}

async function filesFromZip(file) {
  checkSize(file.name, file.size);
  let entries;
  try {
    entries = readZip(new Uint8Array(await file.arrayBuffer()), { maxBytes: MAX_FILE_BYTES });
  } catch (e) {
    throw e instanceof ZipError ? new OpenError(`${file.name}: ${e.message}`) : e;
  }
  const utf8 = new TextDecoder("utf-8");
  try {
    return await pickPolicyFiles(entries.map((e) => ({ path: e.name, text: async () => utf8.decode(await e.read()) })));
  } catch (e) {
    throw e instanceof ZipError ? new OpenError(`${file.name}: ${e.message}`) : e;
  }
}

/** `Engine.fromBytes` on a snapshot: its info, or an OpenError saying why it does not load. */
function loadSnapshot(bytes, name = "") {
  let engine;
  try {
    engine = state.cg.Engine.fromBytes(bytes);
    return { info: engine.info() };
  } catch (e) {
    const why = e?.kind === "key_required" ? t("ws.snapshotKey") : String(e?.message || e);
    throw new OpenError(`${name}: ${why}`);
  } finally {
    engine?.free?.();
  }
}

/**
 * Opens what the user chose: a .zip or a folder's files (a new store: all four policy
 * files needed), loose policy files (all four: a new store; some: they replace those
 * files in the editors), a .snapshot (the backtest's baseline).
 */
export async function openChosen(list, { folder = false } = {}) {
  const chosen = [...list];
  try {
    if (!chosen.length) return;
    const snapshots = chosen.filter((f) => /\.snapshot$/i.test(f.name));
    const zips = chosen.filter((f) => /\.zip$/i.test(f.name));
    const rest = chosen.filter((f) => !snapshots.includes(f) && !zips.includes(f));
    for (const s of snapshots) await openSnapshot(s);
    let found = {};
    let name = "";
    for (const z of zips) { found = { ...found, ...(await filesFromZip(z)) }; name = z.name.replace(/\.zip$/i, ""); }
    const loose = rest.map((f) => ({ path: f.webkitRelativePath || f.name, size: f.size, text: () => f.text() }));
    for (const f of loose) if (FILES.includes(f.path.split("/").pop())) checkSize(f.path, f.size);
    found = { ...found, ...(await pickPolicyFiles(loose)) };
    if (folder && loose.length) name = loose[0].path.split("/")[0];
    const names = Object.keys(found);
    if (!names.length) {
      if (snapshots.length) return;
      throw new OpenError(t("ws.noFiles", { files: FILES.join(", ") }));
    }
    if ((folder || zips.length) && names.length < FILES.length) {
      throw new OpenError(t("ws.missing", { missing: FILES.filter((f) => !found[f]).join(", "), files: FILES.join(", ") }));
    }
    if (names.length === FILES.length) openStore(found, name);
    else replaceFiles(found);
  } catch (e) {
    if (!(e instanceof OpenError)) console.warn(e);
    showOpenError(e.message || String(e));
  }
}

function showOpenError(message) {
  const box = $("#ws-error");
  box.hidden = !message;
  box.textContent = message || "";
}

/** A new store: what it is as first loaded is the default baseline. */
function openStore(files, name) {
  state.original = { ...files };
  state.files = { ...files };
  state.store = { name: name || "", demo: false };
  state.saved = null;
  // created now (to the second), then fixed: later orders are judged by a fresh snapshot
  state.createdAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  state.baseline = state.snapshot && state.baseline === "snapshot" ? "snapshot" : "original";
  applyStore();
}

function replaceFiles(files) {
  Object.assign(state.files, files);
  applyStore();
}

async function openSnapshot(file) {
  checkSize(file.name, file.size);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { info } = loadSnapshot(bytes, file.name);
  state.snapshot = { name: file.name, bytes, info };
  state.baseline = "snapshot";
  showOpenError("");
  renderWorkspace();
  keepNow();
}

/** The demo store again; the kept workspace is forgotten. */
export function resetToDemo() {
  state.original = { ...state.demo };
  state.files = { ...state.demo };
  state.store = { name: "demo-store", demo: true };
  state.saved = null;
  state.snapshot = null;
  state.createdAt = state.index.now;
  state.baseline = "original";
  applyStore({ keep: false });
  forget();
}

/** After the files changed wholesale: the editor, the compile, every view that shows the store. */
function applyStore({ keep = true } = {}) {
  showOpenError("");
  state.compiled = null; // never check with the previous store's snapshot
  compileNow(); // the editor takes the new text there (renderEditor), caret and view at its start
  if (!$("#view-store").hidden) renderStore();
  renderWorkspace();
  if (keep) keepNow();
}

/** "Save": the policy as it is now becomes the "last saved" baseline. */
function saveVersion() {
  state.saved = { files: { ...state.files }, at: new Date().toISOString() };
  renderWorkspace();
  keepNow();
}

// ---- the backtest's baseline ----

const compiledBaselines = new Map(); // "original" | "saved" → {files, bytes}

/**
 * The snapshot the backtest compares with (null: none), or an Error saying why there is
 * none: the chosen policy is compiled like the editors' (same key), so the "changed"
 * counts are what `checkout-guard backtest --baseline` reports on that policy's snapshot.
 */
export function baselineBytes() {
  const which = state.baseline;
  if (which === "none") return null;
  if (which === "snapshot") {
    if (!state.snapshot) throw new Error(t("ws.noSnapshot"));
    return state.snapshot.bytes;
  }
  const files = which === "saved" ? state.saved?.files : state.original;
  if (!files) throw new Error(t("ws.noSaved"));
  const cached = compiledBaselines.get(which);
  if (cached && cached.files === files && cached.createdAt === state.createdAt) return cached.bytes;
  let out;
  try {
    out = state.cg.compilePolicy({ ...files }, { key: state.demoKey, createdAt: state.createdAt });
  } catch (e) {
    throw new Error(t("ws.baselineFails", { n: e?.diagnostics?.length ?? 1 }));
  }
  compiledBaselines.set(which, { files, createdAt: state.createdAt, bytes: out.bytes });
  return out.bytes;
}

/** The chosen baseline's name, for the report. */
export function baselineLabel() {
  if (state.baseline === "snapshot" && state.snapshot) return `${t("ws.base.snapshot")}: ${state.snapshot.name}`;
  return t(state.baseline === "original" && state.store.demo ? "ws.base.demo" : `ws.base.${state.baseline}`);
}

// ---- identity: footer, download, snippet ----

/**
 * The snapshot to download: the one the page checks with (every compile is created at
 * `state.createdAt`, so these bytes are `checkout-guard compile --created-at`'s), named
 * after its merchant and version.
 */
function downloadable() {
  if (!state.compileOk || !state.compiled) return null;
  const { bytes, info } = state.compiled;
  const merchant = info.merchant.replace(/[^\w.-]+/g, "_") || "store";
  return { bytes, info, name: `${merchant}-${info.version}.snapshot`, createdAt: state.createdAt };
}

function downloadSnapshot() {
  const snap = downloadable();
  if (snap) download(new Blob([snap.bytes], { type: "application/octet-stream" }), snap.name);
}

function renderSnippet() {
  const code = $("#ws-snippet");
  const snap = downloadable();
  code.dataset.file = snap?.name ?? "";
  if (!snap) {
    code.textContent = t("ws.snippetNone");
    return;
  }
  code.textContent = [
    `// ${t("ws.snippetKey")}`,
    `//   checkout-guard compile STORE_DIR --key store.key --created-at ${snap.createdAt} -o ${snap.name}`,
    `import { readFileSync } from "node:fs";`,
    `import { Engine } from "checkout-guard";`,
    ``,
    `const engine = Engine.fromBytes(readFileSync("${snap.name}"), { merchant: "${snap.info.merchant}" });`,
    `const verdict = engine.check(order, { now: new Date() });`,
  ].join("\n");
}

/** A new creation time for the page's snapshots: every policy is compiled again. */
function setCreatedAt() {
  const input = $("#ws-created");
  const v = input.value.trim();
  // RFC 3339 with a zone, as compilePolicy takes it; anything else is refused here
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
    input.setAttribute("aria-invalid", "true");
    showOpenError(t("ws.createdAtBad", { value: v }));
    return;
  }
  input.removeAttribute("aria-invalid");
  showOpenError("");
  state.createdAt = v;
  compileNow();
  keepNow();
}

/** The store bar, the footer and the baseline choice, from `state`. */
export function renderWorkspace() {
  const info = state.compileOk ? state.compiled?.info : null;
  const merchant = info?.merchant ?? "";
  const name = state.store.name || merchant;
  $("#ws-store").textContent = state.store.demo ? t("ws.demo") : [name, merchant && merchant !== name ? `(${merchant})` : ""].filter(Boolean).join(" ");
  $("#ws-store").dataset.demo = String(state.store.demo);
  const foot = $("#foot-store");
  if (state.store.demo) {
    foot.setAttribute("data-i18n", "app.store");
    foot.textContent = t("app.store");
  } else {
    foot.removeAttribute("data-i18n");
    foot.textContent = t("ws.footStore", { name });
  }
  $("#engine-info").textContent = info ? ` · ${info.merchant} ${info.version}` : "";
  $("#engine-info").dataset.merchant = info?.merchant ?? "";
  $("#engine-info").dataset.version = info?.version ?? "";
  $("#ws-reset").disabled = state.store.demo && !state.saved && !state.snapshot && FILES.every((f) => state.files[f] === state.demo[f]);
  $("#ws-saved").textContent = state.saved ? t("ws.savedAt", { at: state.saved.at.slice(0, 19).replace("T", " ") }) : "";
  if (document.activeElement !== $("#ws-created")) $("#ws-created").value = state.createdAt;
  // the backtest's baseline choice: only the ones that exist
  const sel = $("#bt-baseline");
  const options = [
    ["original", t(state.store.demo ? "ws.base.demo" : "ws.base.original")],
    ...(state.saved ? [["saved", `${t("ws.base.saved")} (${state.saved.at.slice(0, 16).replace("T", " ")})`]] : []),
    ...(state.snapshot ? [["snapshot", `${t("ws.base.snapshot")}: ${state.snapshot.name} (${state.snapshot.info.merchant})`]] : []),
    ["none", t("ws.base.none")],
  ];
  if (!options.some(([v]) => v === state.baseline)) state.baseline = "original";
  sel.replaceChildren(...options.map(([v, label]) => el("option", { value: v }, label)));
  sel.value = state.baseline;
  renderSnippet();
  setKeptState($("#ws-kept").dataset.state); // its text in the language shown
}

export function setupWorkspace() {
  $("#ws-files").addEventListener("change", async (e) => { await openChosen(e.target.files); e.target.value = ""; });
  $("#ws-folder").addEventListener("change", async (e) => { await openChosen(e.target.files, { folder: true }); e.target.value = ""; });
  $("#bt-snapshot").addEventListener("change", async (e) => { await openChosen(e.target.files); e.target.value = ""; });
  // a store dropped on the bar: a .zip, policy files, a .snapshot (not a folder: use Open folder)
  const bar = $("#workspace");
  bar.addEventListener("dragover", (e) => { e.preventDefault(); bar.classList.add("over"); });
  bar.addEventListener("dragleave", () => bar.classList.remove("over"));
  bar.addEventListener("drop", async (e) => {
    e.preventDefault();
    bar.classList.remove("over");
    if (e.dataTransfer?.files?.length) await openChosen(e.dataTransfer.files);
  });
  $("#ws-save").addEventListener("click", saveVersion);
  $("#ws-reset").addEventListener("click", resetToDemo);
  $("#download-snapshot").addEventListener("click", downloadSnapshot);
  $("#ws-created").addEventListener("change", setCreatedAt);
  $("#bt-baseline").addEventListener("change", (e) => { state.baseline = e.target.value; keepNow(); });
  // edits: kept a moment after typing stops (editor.js owns the text)
  $("#source").addEventListener("input", keepSoon);
  $("#reset-file").addEventListener("click", keepSoon);
  document.addEventListener("cg:compiled", renderWorkspace);
  setKeptState(state.store.demo && FILES.every((f) => state.files[f] === state.demo[f]) ? "demo" : "kept");
  renderWorkspace();
}
