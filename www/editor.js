// The policy editor: a textarea over a mirror that underlines diagnostic spans, a gutter
// with line numbers, and a list of diagnostics that jumps to the line. Every edit is
// compiled (debounced) with the package's `compilePolicy`, in a worker (compiler.js).
//
// A merchant's blocklist.csv has 10⁴–10⁶ rows, so the page's own work on a keystroke is
// what is on screen, not what is in the file: the line index is updated by the edit's
// extent (lines.js), the textarea holds only the lines around the view (textwindow.js:
// Chromium lays out all of a textarea's text after each edit), the gutter and the mirror
// draw only the visible lines (by scroll position and line height), and the underlines
// are computed once per compile and shifted by later edits (bench/www-typing.mjs;
// docs/BENCHMARKS.md, "The demo page's editor at scale").
import { t } from "./i18n.js";
import { diagnosticText } from "./diagtext.js";
import { $, FILES, state, el } from "./state.js";
import { runCheck } from "./verdict.js";
import { Lines } from "./lines.js";
import { TextWindow } from "./textwindow.js";
import { compileOffThread } from "./compiler.js";

let compileTimer = 0;
/** Line index of the text in the editor. */
const lines = new Lines();
/** Underlines of the active file: UTF-16 ranges {a, b, sev}, sorted by `a`. */
let marks = [];
/** The textarea, holding a window of the text (textwindow.js). */
let tw = null;
/** Lines drawn above and below the visible ones, so a quick scroll shows no blank band. */
const OVERSCAN = 10;

export function setupEditor() {
  const ta = $("#source");
  const box = $("#code");
  tw = new TextWindow(ta, box, $("#code-size"), lines, (extent) => {
    // state.files follows at the compile (syncFile): joining 10 MB a keystroke costs a frame
    if (!edited) edited = { files: state.files, name: state.active, was: state.files[state.active] };
    found = null;
    shiftMarks(extent);
    drawVisible();
    renderCursor();
    setStatus("busy", () => t("policy.compiling"));
    generation++; // a compile under way is of the text before this edit
    clearTimeout(compileTimer);
    compileTimer = setTimeout(compileSoon, 250);
  });
  tw.setText(state.files[state.active]);
  box.addEventListener("scroll", () => { tw.follow(); drawVisible(); });
  for (const ev of ["keyup", "click", "select"]) ta.addEventListener(ev, renderCursor);
  // Tab is left to move focus (keyboard users must be able to leave the editor).
  $("#reset-file").addEventListener("click", () => {
    state.files[state.active] = state.original[state.active];
    renderEditor();
    compileNow();
  });
  if (typeof ResizeObserver === "function") new ResizeObserver(() => { tw.follow(); drawVisible(); }).observe(box);
  renderEditor();
}

/** The active file's text as the editor holds it (the textarea holds only a window of it). */
export function editorText() {
  return lines.text;
}

/** The active file edited since state.files last took its text: {files, name, was} then (else null). */
let edited = null;

/**
 * Puts the active file's edited text in state.files (before anything reads it there),
 * unless the file was replaced meanwhile (a reset, another store opened).
 */
export function syncFile() {
  const e = edited;
  edited = null;
  if (e && state.files === e.files && state.active === e.name && state.files[e.name] === e.was) state.files[e.name] = lines.text;
}

/** Selects [start, end) of the active file (UTF-16 indexes) and scrolls it into view. */
export function selectInEditor(start, end = start) {
  tw.select(start, end);
  drawVisible();
  renderCursor();
}

/** The find bar's match ({a, b} in the active file, or null), highlighted in the mirror: the
 * textarea does not paint its selection while the find bar has the focus. */
let found = null;
/** Sets the match to highlight, drawn now with `redraw` or else by the next draw (an edit or a file opened clears it). */
export function markFound(range, redraw = false) {
  found = range;
  if (redraw) drawVisible();
}

/** The selection in the active file: {start, end, dir} (UTF-16 indexes). */
export function editorSelection() {
  return tw.selection();
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
    if (state.files[f] !== state.original[f]) b.append(el("span", { class: "dot", title: t("policy.modified") }, "•"));
    b.addEventListener("click", () => openFile(f));
    return b;
  }));
}

function openFile(f, focus = true) {
  syncFile();
  state.active = f;
  tw.setText(state.files[f]);
  renderFileTabs();
  renderEditor();
  if (focus) $("#source").focus();
}

/** Line index of `text`: the editor's when it is the active file's, else a fresh one (kept per file until the text changes). */
const otherLines = new Map();
function linesOf(text, file) {
  if (lines.text === text) return lines;
  const known = otherLines.get(file);
  if (known && known.text === text) return known;
  const l = new Lines(text);
  otherLines.set(file, l);
  return l;
}

/** 1-based line and character column → UTF-16 index into `text`, and that line's bounds. */
function lineColumn(idx, line, column) {
  const [start, end] = idx.bounds(line - 1);
  const chars = [...idx.text.slice(start, end)].slice(0, Math.max(0, column - 1));
  return { index: start + chars.join("").length, start, end };
}

/**
 * UTF-8 byte offsets → UTF-16 indexes into `text`, in one pass up to the largest: a big
 * file's diagnostics must not each rescan it from the start.
 */
function byteIndexes(text, bytes) {
  const want = [...new Set(bytes)].sort((x, y) => x - y);
  const out = new Map();
  let b = 0;
  let i = 0;
  for (const target of want) {
    while (i < text.length && b < target) {
      const cp = text.codePointAt(i);
      b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += cp >= 0x10000 ? 2 : 1;
    }
    out.set(target, i);
  }
  return out;
}

const hasRange = (s) => Number.isInteger(s.start) && Number.isInteger(s.end)
  && !(s.start === 0 && s.end === 0 && (s.line > 1 || s.column > 1));

/**
 * Where each span lies in `text`, as UTF-16 indexes [a, b). By its byte range when it has
 * one; diagnostics located only by line and column (`csv-row`, `csv-header`, JSON
 * `policy-syntax`…) have no `start`/`end` — or, from older packages, 0 and 0 — and are
 * underlined from their column to the end of that line.
 */
function spanRanges(text, spans, idx) {
  const at = byteIndexes(text, spans.filter(hasRange).flatMap((s) => [s.start, s.end]));
  return spans.map((s) => {
    let a;
    let b;
    if (hasRange(s)) {
      a = at.get(s.start);
      b = at.get(s.end);
    } else {
      const lc = lineColumn(idx, s.line || 1, s.column || 1);
      a = lc.index;
      b = lc.start + text.slice(lc.start, lc.end).trimEnd().length;
    }
    if (b <= a) b = Math.min(text.length, a + 1);
    return [a, b];
  });
}

/** Where span `s` lies in `text` (see spanRanges). */
export function spanRange(text, s) {
  return spanRanges(text, [s], new Lines(text))[0];
}

function diagnosticsOf(file) {
  return state.diagnostics.filter((d) => d.file === file || (!d.file && file === "policy.toml"));
}

/** The active file's underlines, from the diagnostics of the last compile. */
function computeMarks(text) {
  const spans = [];
  const sevs = [];
  for (const d of diagnosticsOf(state.active)) {
    for (const s of d.spans || []) { spans.push(s); sevs.push(d.severity); }
  }
  const ranges = spanRanges(text, spans, lines);
  return ranges.map(([a, b], k) => ({ a, b, sev: sevs[k] })).sort((x, y) => x.a - y.a);
}

/** Keeps the underlines on their text across an edit (those it overlaps shrink to it). */
function shiftMarks({ from, oldEnd, delta }) {
  if (!delta && from === oldEnd) return;
  for (const m of marks) {
    if (m.a >= oldEnd) { m.a += delta; m.b += delta; } else if (m.b > from) m.b = Math.max(m.a + 1, m.b + delta);
  }
}

/** Redraws the whole editor for the active file's current text and diagnostics. */
export function renderEditor() {
  syncFile();
  const text = state.files[state.active];
  // a file opened, reset or replaced (not an edit: syncFile made state.files = lines.text)
  if (lines.text !== text || tw.winText !== $("#source").value) { tw.setText(text); found = null; }
  marks = computeMarks(text);
  drawVisible();
  renderCursor();
}

const lineHeight = (ta) => parseFloat(getComputedStyle(ta).lineHeight) || 20;
const PAD_TOP = 8; // the textarea's, the gutter's and the mirror's top padding (style.css)

/** The gutter's numbers and the mirror's underlines for the lines in view, and no others. */
function drawVisible() {
  const ta = $("#source");
  const box = $("#code");
  const lh = lineHeight(ta);
  const top = box.scrollTop;
  const first = Math.max(0, Math.floor((top - PAD_TOP) / lh) - OVERSCAN);
  const last = Math.min(lines.count - 1, Math.ceil((top - PAD_TOP + (box.clientHeight || 600)) / lh) + OVERSCAN);
  const from = lines.starts[first];
  const to = lines.bounds(last)[1];
  // the marks that touch [from, to], by binary search on their start
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (marks[mid].b <= from && marks[mid].a < from) lo = mid + 1; else hi = mid; }
  const shown = [];
  for (let k = Math.max(0, lo - 50); k < marks.length && marks[k].a <= to; k++) if (marks[k].b > from) shown.push(marks[k]);
  const lineSev = new Map();
  for (const m of shown) {
    const n = lines.lineOf(Math.max(m.a, from));
    lineSev.set(n, lineSev.get(n) === "error" ? "error" : m.sev);
  }
  if (found && found.b > from && found.a <= to) {
    shown.push({ ...found, find: true });
    shown.sort((x, y) => x.a - y.a);
  }
  const gutter = $("#gutter");
  const digits = String(lines.count).length;
  gutter.style.width = digits > 4 ? `calc(${digits}ch + 14px)` : "";
  // the numbers move in an inner box: the gutter itself stays put, with its background
  const numbers = document.createElement("div");
  numbers.className = "gutter-lines";
  for (let i = first; i <= last; i++) {
    const div = document.createElement("div");
    div.textContent = i + 1;
    if (lineSev.has(i)) div.className = lineSev.get(i) === "error" ? "g-err" : "g-warn";
    numbers.append(div);
  }
  gutter.replaceChildren(numbers);
  const parts = [];
  let pos = from;
  for (const m of shown) {
    const a = Math.max(m.a, from);
    if (a < pos) continue;
    const b = Math.min(m.b, to + 1);
    parts.push(document.createTextNode(lines.slice(pos, a)));
    const mk = document.createElement("mark");
    mk.className = m.find ? "find-hit" : m.sev === "error" ? "sq-err" : "sq-warn";
    mk.textContent = lines.slice(a, b);
    parts.push(mk);
    pos = b;
  }
  parts.push(document.createTextNode(lines.slice(pos, Math.max(pos, to)) + "\n "));
  const mirror = $("#mirror");
  mirror.replaceChildren(...parts);
  // the mirror scrolls with the text in the box; the gutter beside it is moved
  mirror.style.transform = `translateY(${first * lh}px)`;
  numbers.style.transform = `translateY(${first * lh - top}px)`;
}

function renderCursor() {
  if (!edited && lines.text !== state.files[state.active]) return; // a file is being opened; renderEditor follows
  const at = tw.selection().start;
  const n = lines.lineOf(at);
  const col = [...lines.slice(lines.starts[n], at)].length + 1;
  $("#cursor-pos").textContent = `${state.active} · ${t("policy.cursor", { line: n + 1, col })}`;
}

function jumpTo(file, line, col) {
  if (file && file !== state.active && FILES.includes(file)) openFile(file, false);
  const ta = $("#source");
  const off = lineColumn(lines, line, col).index;
  ta.focus();
  tw.select(off, off);
  $("#code").scrollTop = Math.max(0, (line - 4) * lineHeight(ta));
  drawVisible();
  renderCursor();
}

/** The compile status: its kind and what to show, kept so a language switch redraws it. */
let status = { kind: "", text: () => "" };
function setStatus(kind, text) {
  status = { kind, text: typeof text === "function" ? text : () => text };
  renderStatus();
}
function renderStatus() {
  const el2 = $("#compile-status");
  el2.textContent = status.text();
  el2.className = `status ${status.kind}`;
}

/** Counts compiles and edits: a compile's result is shown only if nothing came after it. */
let generation = 0;

/** The compile's options: see compileNow. */
const compileOptions = () => ({ key: state.demoKey, createdAt: state.createdAt });

/**
 * The compile after typing: in the worker (compiler.js), so typing never waits for it;
 * its result is dropped when the text changed meanwhile (the next compile is coming).
 * Without a worker, compileNow.
 */
function compileSoon() {
  clearTimeout(compileTimer);
  syncFile();
  const gen = ++generation;
  const pending = compileOffThread({ ...state.files }, compileOptions());
  if (!pending) {
    compileNow();
    return;
  }
  pending.then((out) => (out ? { out } : null), (error) => ({ error })).then((result) => {
    if (gen !== generation) return; // stale: an edit or another compile came after it
    if (result) showCompile(result);
    else compileNow(); // the worker failed to load
  });
}

/** Compiles the files now, on the page's thread (opening a file or a store, a new creation time). */
export function compileNow() {
  clearTimeout(compileTimer);
  syncFile();
  generation++;
  try {
    // The demo store's published key (demo only): the page's snapshots then load with
    // no key argument, like the embedded one. Compiled at the store's fixed creation time
    // (workspace.js; the demo's is its check time), not the clock: the compiler's "already
    // expired" warnings then speak of the time the orders are checked at, and the same
    // files and time give the same snapshot bytes.
    showCompile({ out: state.cg.compilePolicy({ ...state.files }, compileOptions()) });
  } catch (error) {
    showCompile({ error });
  }
}

/** A compile's result ({out} or {error}) everywhere it shows: status, tabs, underlines, list, verdict. */
function showCompile({ out, error: e }) {
  if (out) {
    state.compiled = { bytes: out.bytes, warnings: out.warnings, info: out.info };
    state.entries = out.entries ?? {};
    state.compileOk = true;
    state.diagnostics = out.warnings;
    const nw = state.diagnostics.length;
    setStatus("ok", () => `${t("policy.ok")} · ${out.info.rules} ${t("policy.rules")}${nw ? ` · ${nw} ${t(nw === 1 ? "policy.warning" : "policy.warnings")}` : ""}`);
    $("#download-snapshot").disabled = false;
  } else {
    state.compileOk = false;
    state.entries = e?.entries ?? {};
    state.diagnostics = Array.isArray(e?.diagnostics) ? e.diagnostics
      : [{ code: "error", severity: "error", message: String(e?.message || e), help: null, file: "policy.toml", spans: [] }];
    const ne = state.diagnostics.filter((d) => d.severity !== "warning").length;
    setStatus("bad", () => `${t("policy.failed")} · ${ne} ${t(ne === 1 ? "policy.error" : "policy.errors")}`);
    $("#download-snapshot").disabled = true;
  }
  renderFileTabs();
  renderEditor();
  renderDiagnostics();
  $("#bt-policy-warning").hidden = state.compileOk;
  runCheck();
  document.dispatchEvent(new CustomEvent("cg:compiled")); // workspace.js: footer, snippet, kept edits
}

/**
 * The diagnostics list, and the other texts of the editor built here (compile status,
 * cursor position): app.js calls it again after a language switch.
 */
export function renderDiagnostics() {
  renderStatus();
  renderCursor();
  const list = $("#diagnostics");
  // Each file's first spans placed in one pass over it (see byteIndexes).
  const firstSpans = new Map();
  for (const d of state.diagnostics) {
    const s = (d.spans || [])[0];
    if (!s?.line) continue;
    const file = d.file || "policy.toml";
    if (!firstSpans.has(file)) firstSpans.set(file, []);
    firstSpans.get(file).push(s);
  }
  const ranges = new Map();
  for (const [file, spans] of firstSpans) {
    const text = state.files[file] ?? "";
    spanRanges(text, spans, linesOf(text, file)).forEach((r, k) => ranges.set(spans[k], r));
  }
  if (!state.diagnostics.length) {
    list.replaceChildren(el("li", { class: "diag-none" }, t("policy.noDiagnostics")));
    return;
  }
  list.replaceChildren(...state.diagnostics.map((d) => {
    const s = (d.spans || [])[0] || {};
    const file = d.file || "policy.toml";
    const where = s.line ? `${file}:${s.line}:${s.column}` : file;
    const li = el("li", { class: `diag ${d.severity === "warning" ? "warn" : "err"}`, "data-line": s.line ?? "", "data-column": s.column ?? "", "data-file": file, "data-code": d.code, "data-message": d.message, "data-help": d.help ?? "" });
    // No aria-label: the button's name is its visible text (severity, code, place), then where it goes.
    const btn = el("button", { type: "button", class: "diag-btn" });
    btn.append(
      el("span", { class: "diag-sev" }, t(d.severity === "warning" ? "policy.sevWarning" : "policy.sevError")),
      el("code", { class: "diag-code" }, `[${d.code}]`),
      el("span", { class: "diag-where" }, where),
      d.rule ? el("span", { class: "diag-rule" }, t("policy.ruleLabel", { rule: d.rule })) : "",
      s.line ? el("span", { class: "visually-hidden" }, ` · ${t("policy.jump", { line: s.line })}`) : "",
    );
    btn.addEventListener("click", () => { if (s.line) jumpTo(file, s.line, s.column || 1); });
    // in the page's language (diagtext.js); data-message keeps the compiler's English
    const text = diagnosticText(d);
    li.dataset.translated = String(text.translated);
    li.append(btn, el("div", { class: "diag-msg" }, ...richText(text.message)));
    if (s.line) li.append(excerpt(file, s, ranges.get(s)));
    if (text.help) li.append(el("div", { class: "diag-help" }, el("b", {}, `${t("policy.help")}: `), ...richText(text.help)));
    return li;
  }));
}

/** The diagnostic's line with a caret under the span, like the CLI's `lint`. */
function excerpt(file, s, [a0, b0]) {
  const text = state.files[file] ?? "";
  const idx = linesOf(text, file);
  const [from, end] = idx.bounds(s.line - 1);
  const line = text.slice(from, end);
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
