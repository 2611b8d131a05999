// The backtest view: a batch of orders (an uploaded file — one JSON order, a JSON array,
// JSON Lines or CSV — or generated from the sample orders) fed to the package's
// `Backtest` in chunks so the progress bar moves, then the report as charts and tables,
// compared with the baseline the user chose (workspace.js: the store as first loaded,
// the last saved version, an uploaded snapshot). Unusable inputs are named by their
// 1-based line in the file (or element of the array).
import { t } from "./i18n.js";
import { ordersFromCsv, ordersFromText, generateBatch } from "./lib.js";
import { $, DECISIONS, state, el, decisionBadge, table, storeData, download } from "./state.js";
import { ACTION_COLORS, barChart } from "./charts.js";
import { baselineBytes, baselineLabel } from "./workspace.js";

let btRunning = false;

export function setupBacktest() {
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
    const n = Math.max(1, Math.min(200000, Math.round(Number($("#bt-count").value)) || 5000));
    $("#bt-count").value = String(n); // what runs is what the field shows
    const batch = generateBatch(Object.values(state.sampleOrders), storeData().catalog, { count: n });
    const inputs = batch.map((o) => JSON.stringify(o));
    await runBacktest({ format: "generated", inputs, where: inputs.map((_, i) => i + 1), multiline: false }, `sample-batch-${n}.jsonl`);
  });
}

async function backtestFile(file) {
  const text = await file.text();
  const head = text.replace(/^\uFEFF/, "").trimStart();
  const csv = /\.csv$/i.test(file.name) || (!head.startsWith("{") && !head.startsWith("[") && text.includes(","));
  await runBacktest(() => {
    if (!csv) return ordersFromText(text);
    const inputs = ordersFromCsv(text).map((o) => JSON.stringify(o));
    return { format: "csv", inputs, where: inputs.map((_, i) => i + 2), multiline: false }; // row 1 is the header
  }, file.name);
}

/** Runs the backtest of `read` (the inputs, or a function reading them) against the chosen baseline. */
async function runBacktest(read, name) {
  if (btRunning || !state.cg) return;
  btRunning = true;
  const started = performance.now();
  const prog = $("#bt-progress");
  const bar = $("#bt-bar");
  const label = $("#bt-progress-text");
  prog.hidden = false;
  $("#bt-generate").disabled = true;
  let source;
  let bt;
  try {
    source = typeof read === "function" ? read() : read;
    let base;
    try { base = baselineBytes(); } catch (e) { throw new Error(t("backtest.baselineError", { message: e.message || e })); }
    // never the demo's policy in place of a store that does not compile
    if (!state.compiled) throw new Error(t("backtest.noPolicy"));
    bt = new state.cg.Backtest(state.compiled.bytes, base);
  } catch (e) {
    label.textContent = String(e.message || e);
    $("#bt-results").hidden = true;
    btRunning = false;
    $("#bt-generate").disabled = false;
    return;
  }
  const lines = source.inputs;
  const total = lines.length;
  let done = 0;
  bar.max = Math.max(1, total);
  const CHUNK = 500;
  try {
    for (let i = 0; i < lines.length; i += CHUNK) {
      const chunk = lines.slice(i, i + CHUNK);
      bt.addJsonLines(chunk.join("\n") + "\n");
      done += chunk.length;
      bar.value = done;
      label.textContent = t("backtest.running", { done, total });
      await new Promise(requestAnimationFrame);
    }
    const report = bt.finish();
    const meta = { name, ms: Math.round(performance.now() - started), format: source.format, where: source.where, multiline: source.multiline, baseline: report.baseline ? baselineLabel() : null };
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

export function renderReport(rep, meta) {
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
    el("div", { class: "bt-meta muted small" }, t("backtest.source", { name: meta.name }), " · ",
      el("span", { "data-testid": "bt-read", "data-value": meta.where.length, "data-format": meta.format }, t("backtest.read", { n: meta.where.length.toLocaleString(), format: t(`backtest.format.${meta.format}`) })),
      meta.baseline ? ` · ${t("backtest.baseline")}: ${meta.baseline}` : "", " ", downloadLink(meta)));
  // an unusable input by where it is in the file: `index` counts inputs from 0
  const where = (e) => {
    const n = meta.where[e.index] ?? e.index + 1;
    return meta.format === "array" ? t("backtest.element", { n }) : t("backtest.line", { n });
  };
  const errs = (rep.errors || []).length
    ? card(t("backtest.errors"),
      meta.multiline ? el("p", { class: "warn", "data-testid": "bt-multiline-hint" }, t("backtest.multilineHint")) : "",
      el("ul", { class: "errors" }, ...rep.errors.slice(0, 20).map((e) => el("li", { "data-line": meta.where[e.index] ?? "" }, el("code", {}, `${where(e)}${e.path ? ` ${e.path}` : ""}: ${e.message}`)))))
    : "";
  out.replaceChildren(head, el("div", { class: "bt-grid" }, decisions, rules, cats, skus, chg, errs));
}

function downloadLink(meta) {
  const a = el("button", { type: "button", class: "link-btn" }, t("backtest.downloadReport"));
  a.addEventListener("click", () => {
    download(new Blob([JSON.stringify(state.lastReport.report, null, 2)], { type: "application/json" }), `${meta.name.replace(/\.\w+$/, "")}-report.json`);
  });
  return a;
}
