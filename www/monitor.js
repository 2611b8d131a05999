// The monitor view: the list review and the live counters.
// - List review: `reviewPolicy` (checkout-guard/compiler; docs/policy.md, "Reviewing the
//   list") on the store in the editors, at the page's check time, over the chosen window.
//   Recomputed when the files, the check time or the window change; while the store does
//   not compile it shows the compiler's errors, never the last good report.
// - Live counters: `stats()` of one long-lived engine on the last compiled snapshot (a
//   recompile is `engine.load`, which keeps the counts by name), which counts the checks
//   the user runs. The verdicts themselves come from a fresh engine per check
//   (verdict.js); each one is mirrored into this engine with `duplicate` set to the fresh
//   engine's answer, so re-checking an order is not a duplicate here either, and a check
//   is counted once however often it is re-shown (language switch, unchanged recompile).
//   Backtests are not counted: the backtest view reports them in the same vocabulary.
import { t, lang } from "./i18n.js";
import { maskIdentifier } from "./lib.js";
import { diagnosticText } from "./diagtext.js";
import { $, state, el, decisionBadge, table, DECISIONS, safeCall } from "./state.js";

let live = null;        // the counting engine
let liveBytes = null;   // the snapshot it serves
let lastCounted = null; // what the last counted check was (a key)
let reviewKey = null;   // what the shown review was computed from
let seenFiles = {};     // the file texts filesVersion last saw
let filesSeq = 0;

/**
 * A number that changes when any store file does. The keys below used to hold the files
 * themselves, stringified on every check: 10 MB per keystroke in the order form with a
 * 100k-row blocklist. Strings compare by reference first, so this costs nothing while
 * the files are unchanged.
 */
function filesVersion() {
  const changed = Object.keys(state.files).some((f) => state.files[f] !== seenFiles[f])
    || Object.keys(seenFiles).some((f) => !(f in state.files));
  if (changed) { seenFiles = { ...state.files }; filesSeq++; }
  return filesSeq;
}

export function setupMonitor() {
  $("#review-within").addEventListener("change", () => renderReview());
  $("#reset-counters").addEventListener("click", () => {
    if (live) live.resetStats();
    lastCounted = null;
    renderCounters();
  });
}

/** The counting engine, on the snapshot last compiled. */
function liveEngine() {
  if (!state.compiled) return null;
  if (!live) live = state.cg.Engine.fromBytes(state.compiled.bytes);
  // force: the page's snapshots share one creation time (workspace.js), so a recompile
  // is a snapshot of the same version — replacing it is deliberate, not a rollback
  else if (liveBytes !== state.compiled.bytes) live.load(state.compiled.bytes, { force: true });
  liveBytes = state.compiled.bytes;
  return live;
}

/**
 * Counts the check the page just showed: `order` checked with `opts`, whose fresh-engine
 * explanation is `explained`. Skipped when it is the check last counted.
 */
export function countCheck(order, opts, explained) {
  const key = JSON.stringify([order, opts.now, opts.identity ?? null, opts.bought ?? null, state.before, state.cleared?.orderId ?? null, filesVersion()]);
  if (key === lastCounted) return;
  const engine = liveEngine();
  if (!engine) return;
  const duplicate = (explained?.facts?.issues ?? []).includes("duplicate_recent");
  if (safeCall(() => engine.explain(order, { ...opts, duplicate })) === null) return;
  lastCounted = key;
  renderCounters();
}

/** Both panels (after a language switch: `force`; when the view is shown: only if changed). */
export function renderMonitor(force = true) {
  renderReview(force);
  renderCounters();
}

const count = (testid, value, label) => el("div", { class: "stat", "data-testid": testid, "data-value": String(value) },
  el("span", { class: "stat-n" }, String(value)), el("span", { class: "stat-l" }, label));

const entryRows = (entries, at) => entries.map((e) => [
  el("time", { datetime: e[at] ?? "" }, e[at] ? e[at].slice(0, 10) : "—"),
  el("span", { class: `lvl lvl-${e.level}` }, e.level), el("code", {}, e.kind), el("code", {}, e.reason),
  el("code", { class: "masked" }, maskIdentifier(e.kind, e.value)),
]);

function sub(id, title, ...body) {
  const section = el("section", { class: "rv-part", "aria-labelledby": id }, el("h3", { id }, title), ...body);
  // its table scrolls: it takes the keyboard, named by the heading (axe: scrollable-region-focusable)
  for (const w of section.querySelectorAll(".table-wrap")) {
    w.setAttribute("tabindex", "0");
    w.setAttribute("role", "region");
    w.setAttribute("aria-labelledby", id);
  }
  return section;
}

const none = () => el("p", { class: "muted small" }, t("monitor.none"));

/**
 * The review report, or the store's errors. `force`: recompute even if nothing changed.
 * Only while the monitor view is shown: `reviewPolicy` on a 100k-row store held the page
 * 0.2–0.3 s after every compile while the tab was hidden. Hidden, it only notes that a
 * forced redraw is due; app.js calls it when the tab is shown, and the key then tells
 * whether the files, the check time or the window changed meanwhile.
 */
export function renderReview(force = false) {
  const box = $("#review-body");
  if (!box || !state.cg) return;
  if ($("#view-monitor")?.hidden) {
    if (force) reviewKey = null;
    return;
  }
  const within = $("#review-within").value;
  if (!state.compileOk) {
    reviewKey = null;
    showErrors(box, state.diagnostics);
    return;
  }
  const key = JSON.stringify([filesVersion(), state.now, within, lang()]);
  if (!force && key === reviewKey) return;
  reviewKey = key;
  let r;
  try {
    r = state.cg.reviewPolicy({ ...state.files }, { now: state.now, within });
  } catch (e) {
    reviewKey = null;
    showErrors(box, Array.isArray(e?.diagnostics) ? e.diagnostics : [{ severity: "error", code: "error", message: String(e?.message || e) }]);
    return;
  }
  state.review = r;
  const entryHead = (at) => [t(at === "expires_at" ? "monitor.expires" : "monitor.added"), t("store.level"), t("store.kind"), t("store.reason"), t("store.value")];
  const nv = r.never_expiring;
  box.replaceChildren(
    el("p", { class: "muted small", "data-testid": "review-at" }, t("monitor.reviewAt", { now: r.now, days: Math.round(r.within_seconds / 86400) })),
    el("div", { class: "stats" },
      count("review-entries", r.entries, t("monitor.entries")),
      count("review-in-force", r.in_force, t("monitor.inForce")),
      count("review-expired", r.expired.length, t("monitor.expired")),
      count("review-expiring", r.expiring.length, t("monitor.expiring")),
      count("review-never", nv.watch + nv.step_up + nv.block, t("monitor.never")),
      count("review-candidates", r.candidates.length, t("monitor.candidates"))),
    sub("rv-expired", `${t("monitor.expiredTitle")} (${r.expired.length})`,
      r.expired.length ? tableWrap(table(entryHead("expires_at"), entryRows(r.expired, "expires_at"), "review-expired")) : none()),
    sub("rv-expiring", `${t("monitor.expiringTitle", { days: Math.round(r.within_seconds / 86400) })} (${r.expiring.length})`,
      r.expiring.length ? tableWrap(table(entryHead("expires_at"), entryRows(r.expiring, "expires_at"), "review-expiring")) : none()),
    sub("rv-never", t("monitor.neverTitle"),
      tableWrap(table([t("store.level"), t("monitor.entries")], ["block", "step_up", "watch"].map((l) => [el("span", { class: `lvl lvl-${l}` }, l), el("span", { class: "num" }, String(nv[l]))]), "review-never"))),
    el("div", { class: "rv-pair" },
      sub("rv-reason", t("monitor.byReason"), tableWrap(table([t("store.reason"), t("monitor.entries"), t("monitor.inForce")],
        r.by_reason.map((c) => [el("code", {}, c.name), el("span", { class: "num" }, String(c.entries)), el("span", { class: "num" }, String(c.in_force))]), "review-by-reason"))),
      sub("rv-kind", t("monitor.byKind"), tableWrap(table([t("store.kind"), t("monitor.entries"), t("monitor.inForce")],
        r.by_kind.map((c) => [el("code", {}, c.name), el("span", { class: "num" }, String(c.entries)), el("span", { class: "num" }, String(c.in_force))]), "review-by-kind")))),
    sub("rv-oldest", t("monitor.oldest"),
      r.oldest.length ? tableWrap(table(entryHead("added_at"), entryRows(r.oldest, "added_at"), "review-oldest")) : none(),
      el("p", { class: "muted small" }, t("monitor.undated", { n: r.undated }))),
    sub("rv-candidates", `${t("monitor.candidatesTitle")} (${r.candidates.length})`,
      el("p", { class: "muted small" }, t("monitor.criteria"), " ",
        ...r.criteria.flatMap((c, i) => [i ? ", " : "", el("code", {}, c.rule), ` → ${c.suggests}`])),
      r.candidates.length ? tableWrap(table([t("store.customer"), t("monitor.listed"), t("monitor.suggested"), t("monitor.rules")],
        r.candidates.map((c) => [el("code", {}, c.customer_id), el("span", { class: `lvl lvl-${c.level}` }, c.level),
          el("span", { class: `lvl lvl-${c.suggested}` }, c.suggested), el("span", {}, ...c.rules.flatMap((id, i) => [i ? ", " : "", el("code", {}, id)]))]),
        "review-candidates")) : none()),
  );
}

const tableWrap = (tbl) => el("div", { class: "table-wrap" }, tbl);

function showErrors(box, diagnostics) {
  const errors = diagnostics.filter((d) => d.severity !== "warning");
  box.replaceChildren(el("div", { class: "rv-error", role: "alert", "data-testid": "review-error" },
    el("p", {}, t("monitor.storeError")),
    el("ul", {}, ...errors.map((d) => {
      const s = (d.spans || [])[0];
      const where = s?.line ? `${d.file || "policy.toml"}:${s.line}:${s.column} ` : d.file ? `${d.file} ` : "";
      return el("li", {}, el("code", {}, `[${d.code}]`), ` ${where}${diagnosticText(d).message}`);
    }))));
}

/** The counting engine's stats, or a hint before the first check (drawn when the view is shown). */
export function renderCounters() {
  const box = $("#counters-body");
  if (!box || $("#view-monitor")?.hidden) return;
  const s = live ? safeCall(() => live.stats()) : null;
  if (!s) { box.replaceChildren(el("p", { class: "muted" }, t("monitor.noChecks"))); return; }
  const fired = s.rules.filter((r) => r.fired > 0);
  const codes = (list, name) => tableWrap(table([t("store.code"), t("monitor.orders")],
    list.map((c) => [el("code", {}, c.code), el("span", { class: "num" }, String(c.orders))]), name));
  box.replaceChildren(
    el("div", { class: "stats" },
      count("counter-checks", s.checks, t("monitor.checks")),
      ...DECISIONS.map((d) => el("div", { class: "stat", "data-testid": `counter-${d}`, "data-value": String(s[d]) },
        el("span", { class: "stat-n" }, String(s[d])), decisionBadge(d))),
      count("counter-rule-errors", s.rule_errors, t("monitor.ruleErrors"))),
    el("div", { class: "rv-pair" },
      sub("ct-rules", t("monitor.byRule"), fired.length ? tableWrap(table([t("store.id"), t("store.action"), t("monitor.orders")],
        fired.map((r) => [el("code", {}, r.rule), decisionBadge(r.action), el("span", { class: "num" }, String(r.fired))]), "counter-rules")) : none()),
      sub("ct-reasons", t("monitor.byCode"), s.reasons.length ? codes(s.reasons, "counter-reasons") : none())),
    el("div", { class: "rv-pair" },
      sub("ct-list", t("monitor.byListReason"), s.list_reasons.length ? codes(s.list_reasons, "counter-list-reasons") : none()),
      sub("ct-categories", t("monitor.byCategory"), s.categories.length ? tableWrap(table([t("store.category"), t("monitor.lines"), t("monitor.flaggedLines"), t("monitor.itemFlagged")],
        s.categories.map((c) => [c.category, ...[c.lines, c.flagged_lines, c.flagged_by_item_rules].map((n) => el("span", { class: "num" }, String(n)))]), "counter-categories")) : none())),
    sub("ct-skus", t("monitor.topSkus"), s.top_skus.length ? tableWrap(table([t("store.sku"), t("store.name"), t("monitor.flaggedOrders")],
      s.top_skus.map((k) => [el("code", {}, k.sku), k.name, el("span", { class: "num" }, k.error ? `${k.flagged_orders} (±${k.error})` : String(k.flagged_orders))]), "counter-skus")) : none()),
  );
}
