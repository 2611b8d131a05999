// The demo page: edit the demo store's policy with live diagnostics, check sample
// orders against it, simulate the step-up, backtest a batch of orders. Everything runs
// in the browser on the checkout-guard wasm package (pkg/web/, its compiler build); the
// page only fetches static files (the demo store's sources, the sample orders). A merchant's own store, opened and kept in this browser, replaces
// the demo's (workspace.js). This module starts the page and switches views and
// languages; each view is a module of its own (editor, order, verdict, store, backtest,
// charts, monitor, workspace) sharing state.js.
import { STRINGS, t, setLang, lang, applyI18n } from "./i18n.js";
import { ORDER_CSV_COLUMNS } from "./lib.js";
import { $, $$, FILES, state } from "./state.js";
import { setupEditor, renderFileTabs, renderDiagnostics, compileNow } from "./editor.js";
import { setupFind, renderFind } from "./find.js";
import { setupOrder, renderSampleOptions, renderForm, selectSample, sampleKey } from "./order.js";
import { runCheck, renderVerdict } from "./verdict.js";
import { renderStore } from "./store.js";
import { setupBacktest, renderReport } from "./backtest.js";
import { setupMonitor, renderMonitor } from "./monitor.js";
import { restoreWorkspace, setupWorkspace, renderWorkspace } from "./workspace.js";

async function boot() {
  const saved = localStorage.getItem("cg-lang");
  setLang(saved && STRINGS[saved] ? saved : /^en\b/i.test(navigator.language || "") ? "en" : "zh-CN");
  state.msgLocale = lang();
  applyI18n();
  syncLangButtons();
  try {
    // The compiler build (`checkout-guard/compiler`) is the runtime plus compilePolicy and Backtest:
    // one module, one wasm instance, so snapshots move between them as plain bytes.
    const cg = await import("../pkg/web/checkout_guard_compiler.js");
    await cg.default();
    state.cg = cg;
    const [texts, demoKey, index] = await Promise.all([
      Promise.all(FILES.map((f) => fetchText(`../examples/demo-store/${f}`))),
      fetchText("../examples/demo-store/demo.key"),
      fetch("samples.json").then((r) => r.json()),
    ]);
    FILES.forEach((f, i) => { state.demo[f] = texts[i]; });
    state.original = { ...state.demo };
    state.files = { ...state.demo };
    state.demoKey = demoKey.trim();
    state.index = index;
    state.now = index.now;
    state.createdAt = index.now; // the demo's snapshots are created at its check time
    const orders = await Promise.all(index.samples.map((s) => fetch(`../examples/orders/${s.file}`).then((r) => r.json())));
    index.samples.forEach((s, i) => { state.sampleOrders[s.file] = orders[i]; });
    await restoreWorkspace(); // the store and edits kept in this browser, if any
    setupUi();
    compileNow();
    selectSample(sampleKey(index.samples[0]));
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
  setupEditor();
  setupFind();
  setupOrder();
  setupBacktest();
  setupMonitor();
  setupWorkspace();
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
  if (tab.id === "tab-monitor") renderMonitor(false); // drawn only while shown (monitor.js)
}

/** Re-renders everything whose text is built in JS (after a language switch). */
function renderAllText() {
  renderSampleOptions();
  renderFileTabs();
  renderDiagnostics();
  renderFind();
  renderForm();
  renderVerdict();
  $("#csv-help").textContent = t("backtest.csvHelp", { cols: ORDER_CSV_COLUMNS.join(", ") });
  if (!$("#view-store").hidden) renderStore();
  renderMonitor();
  renderWorkspace();
  if (state.lastReport) renderReport(state.lastReport.report, state.lastReport.meta);
}

boot();
