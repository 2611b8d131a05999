// The policy editor: a textarea over a mirror that underlines diagnostic spans, a gutter
// with line numbers, and a list of diagnostics that jumps to the line. Every edit is
// compiled (debounced) with the package's `compilePolicy`.
import { t } from "./i18n.js";
import { $, FILES, state, el } from "./state.js";
import { runCheck } from "./verdict.js";

let compileTimer = 0;

export function setupEditor() {
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

export function renderFileTabs() {
  const box = $("#file-tabs");
  box.replaceChildren(...FILES.map((f) => {
    const b = el("button", { type: "button", "aria-pressed": String(f === state.active), class: "file-tab" }, f);
    const n = state.diagnostics.filter((d) => d.file === f && d.severity === "error").length;
    if (n) b.append(el("span", { class: "count err", "aria-label": `${n} ${t("policy.errors")}` }, String(n)));
    // entries the compiler read: fewer than the rows exported means rows were lost (a missing quote)
    const read = state.entries[f];
    if (read !== undefined) b.append(el("span", { class: "entries muted", "data-entries": read, title: t("policy.entriesRead", { n: read }) }, t("policy.entries", { n: read.toLocaleString() })));
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

/** 1-based line and character column → UTF-16 index into `text`, and that line's bounds. */
function lineColumn(text, line, column) {
  const starts = lineStarts(text);
  const start = starts[Math.max(0, Math.min(line - 1, starts.length - 1))];
  const next = text.indexOf("\n", start);
  const end = next < 0 ? text.length : next;
  const chars = [...text.slice(start, end)].slice(0, Math.max(0, column - 1));
  return { index: start + chars.join("").length, start, end };
}

/**
 * Where span `s` lies in `text`, as UTF-16 indexes [a, b). By its byte range when it has
 * one; diagnostics located only by line and column (`csv-row`, `csv-header`, JSON
 * `policy-syntax`…) have no `start`/`end` — or, from older packages, 0 and 0 — and are
 * underlined from their column to the end of that line.
 */
export function spanRange(text, s) {
  const hasRange = Number.isInteger(s.start) && Number.isInteger(s.end)
    && !(s.start === 0 && s.end === 0 && (s.line > 1 || s.column > 1));
  let a;
  let b;
  if (hasRange) {
    a = byteToIndex(text, s.start);
    b = byteToIndex(text, s.end);
  } else {
    const at = lineColumn(text, s.line || 1, s.column || 1);
    a = at.index;
    b = at.start + text.slice(at.start, at.end).trimEnd().length;
  }
  if (b <= a) b = Math.min(text.length, a + 1);
  return [a, b];
}

function diagnosticsOf(file) {
  return state.diagnostics.filter((d) => d.file === file || (!d.file && file === "policy.toml"));
}

export function renderEditor() {
  const text = state.files[state.active];
  const n = lineStarts(text).length;
  const errLines = new Map();
  const marks = [];
  for (const d of diagnosticsOf(state.active)) {
    for (const s of d.spans || []) {
      if (s.line) errLines.set(s.line, errLines.get(s.line) === "error" ? "error" : d.severity);
      const [a, b] = spanRange(text, s);
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
  const off = lineColumn(ta.value, line, col).index;
  ta.focus();
  ta.setSelectionRange(off, off);
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (line - 4) * lh);
  syncScroll();
  renderCursor();
}

export function compileNow() {
  clearTimeout(compileTimer);
  const status = $("#compile-status");
  try {
    // The demo store's published key (demo only): the page's snapshots then load with
    // no key argument, like the embedded one.
    const out = state.cg.compilePolicy({ ...state.files }, { key: state.demoKey, createdAt: state.createdAt });
    state.compiled = { bytes: out.bytes, warnings: out.warnings, info: out.info };
    state.entries = out.entries ?? {};
    state.compileOk = true;
    state.diagnostics = out.warnings;
    const nw = state.diagnostics.length;
    status.textContent = `${t("policy.ok")} · ${out.info.rules} ${t("policy.rules")}${nw ? ` · ${nw} ${t(nw === 1 ? "policy.warning" : "policy.warnings")}` : ""}`;
    status.className = "status ok";
    $("#download-snapshot").disabled = false;
  } catch (e) {
    state.compileOk = false;
    state.entries = e?.entries ?? {};
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
  document.dispatchEvent(new CustomEvent("cg:compiled")); // workspace.js: footer, snippet, kept edits
}

export function renderDiagnostics() {
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
  const from = starts[s.line - 1] ?? 0;
  const line = text.slice(from, (starts[s.line] ?? text.length + 1) - 1);
  const [a0, b0] = spanRange(text, s);
  const a = Math.max(0, a0 - from);
  const b = Math.max(a + 1, Math.min(b0 - from, line.length));
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
