// Checking the order and showing the verdict: the decision, verification, message,
// lines, and for each firing rule the facts it read. Everything shown comes from the
// engine's `explain` (verdict, facts, rules an allow suppressed) and `ruleFacts`.
// A fresh engine per check (its duplicate memory holds only the sample's `before`
// orders, and on a step-up re-check the challenged order), so editing a field never
// looks like a duplicate submission.
// Identity: with the "Signed-in session" on, the session's customer id and the order's
// id are passed as `identity` (what the checkout's server vouches for); the facts'
// `customer.bound` says which identifiers came from it. "Complete verification" plays the
// real re-check: the challenged order is remembered first, and the verified order is
// checked in the same engine under the order id the server issued (bound) — an order id
// only claimed by the body never exempts a re-check from duplicate-submission.
import { t, duration } from "./i18n.js";
import { factValue } from "./lib.js";
import { $, state, el, decisionBadge, freshEngine, isDemoStore } from "./state.js";
import { renderForm, showOrderJson } from "./order.js";
import { countCheck, renderReview } from "./monitor.js";

function shiftTime(iso, minutes) {
  return new Date(Date.parse(iso) - minutes * 60000).toISOString().replace(".000Z", "Z");
}

/**
 * The `identity` option: the session's customer id and the order's own id when the
 * session is on; `orderId` (the id the server issued) is bound for a step-up re-check
 * even without a session. Undefined when nothing is bound (binding not in effect).
 */
export function checkIdentity(order, { orderId } = {}) {
  const identity = {};
  const s = state.session;
  if (s?.on && s.customerId) {
    identity.customerId = s.customerId;
    if (typeof order?.order_id === "string" && order.order_id) identity.orderId = order.order_id;
  }
  if (orderId) identity.orderId = orderId;
  return Object.keys(identity).length ? identity : undefined;
}

/** Decisions whose order is recorded as a purchase (docs/semantics.md §8.1). */
const BOUGHT = new Set(["allow", "warn"]);

/**
 * `options` with `bought` from `memory` (the page's purchase memory, a shared memory to
 * the engine) when the order has a SKU with a `max_per_customer` and an identifier, and
 * that order's `limitKey()`; otherwise `options` as given and no key.
 */
function withBought(engine, order, options, memory) {
  const key = engine.limitKey(order, options);
  return key ? { options: { ...options, bought: memory.bought(key, Date.parse(options.now)) }, key } : { options, key: null };
}

function explain(order) {
  const engine = freshEngine();
  const recheck = state.cleared;
  const locale = state.msgLocale;
  // the purchases recorded in the page, and those of the sample's earlier orders for this check only
  const memory = state.purchases.copy();
  try {
    for (const b of state.before) {
      const before = state.sampleOrders[b.file];
      const at = shiftTime(state.now, b.minutes);
      const { options, key } = withBought(engine, before, { now: at, locale, identity: checkIdentity(before) }, memory);
      const v = engine.check(before, options);
      if (key && BOUGHT.has(v.decision)) memory.record(key, Date.parse(at), before.order_id ?? b.file);
    }
    // a re-check after a step-up: the challenged order was checked first, by the same
    // engine (as the edge remembers it), under the same bound order id
    const bound = recheck ? { orderId: recheck.orderId } : {};
    if (recheck) {
      const challenged = { now: state.now, locale, identity: checkIdentity(recheck.challenged, bound) };
      engine.check(recheck.challenged, withBought(engine, recheck.challenged, challenged, memory).options);
    }
    const { options: opts, key } = withBought(engine, order, { now: state.now, locale, identity: checkIdentity(order, bound) }, memory);
    const out = engine.explain(order, opts);
    state.limitKey = key;
    state.ruleFacts = engine.ruleFacts();
    countCheck(order, opts, out); // the monitor's live counters
    return out;
  } finally {
    engine.free();
  }
}

/** "Record as bought": the order shown, allowed, goes into the page's purchase memory. */
function recordPurchase() {
  const key = state.limitKey;
  if (!key || !BOUGHT.has(state.verdict?.decision)) return;
  state.purchases.record(key, Date.parse(state.now), state.order.order_id || "—");
  runCheck();
  $('#verdict [data-testid="purchases"]')?.focus();
}

function clearPurchases() {
  state.purchases.clear();
  runCheck();
  // the row is gone when the order shown cannot be recorded: keep focus in the verdict
  ($('#verdict [data-testid="purchases"]') ?? $('#verdict [data-testid="issues"]'))?.focus();
}

export function runCheck() {
  renderReview(); // the list review follows the files and the check time (no-op if unchanged, or while its tab is hidden)
  if (!state.cg || !state.order) return;
  state.explained = null;
  state.limitKey = null;
  if (!state.compileOk) { state.verdict = { policyError: true }; renderVerdict(); return; }
  try {
    state.explained = explain(state.order);
    state.verdict = state.explained.verdict;
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
  const challenged = structuredClone(o);
  const orderId = typeof o.order_id === "string" && o.order_id ? o.order_id : undefined;
  o.verified = [...new Set([...(o.verified || []), ...v.verify])];
  state.cleared = { from, methods: v.verify, challenged, orderId };
  runCheck();
  renderForm();
  showOrderJson();
  $("#verdict-card").scrollIntoView({ block: "nearest" });
  // The button is gone with the step-up: keep keyboard focus on what replaced it (the
  // re-check's note), not at the top of the page.
  $('#verdict [data-testid="cleared"]')?.focus();
}

/**
 * What screen readers hear: the decision (or that there is none), once when it changes —
 * not the whole verdict on every keystroke in the form.
 */
function announce(v) {
  const live = $("#verdict-live");
  if (!live) return;
  const text = !v ? "" : v.policyError ? t("verdict.policyError") : v.jsonError ? t("verdict.noVerdict")
    : v.inputError ? t("verdict.inputError") : t("verdict.live", { decision: t(`decision.${v.decision}`) });
  if (live.textContent !== text) live.textContent = text;
}

export function renderVerdict() {
  const box = $("#verdict");
  const v = state.verdict;
  announce(v);
  const exp = $("#expected");
  exp.replaceChildren();
  // a sample's expected decision is the demo store's: another store's policy owes it nothing
  if (state.sample && isDemoStore()) exp.append(`${t("verdict.expected")}: `, decisionBadge(state.sample.expected));
  if (!v) { box.replaceChildren(); return; }
  if (v.policyError) {
    box.replaceChildren(el("div", { class: "alert err", "data-testid": "verdict-policy-error" }, t("verdict.policyError")));
    return;
  }
  if (v.jsonError) {
    box.replaceChildren(el("div", { class: "alert err", "data-testid": "verdict-json-error" }, el("b", {}, t("verdict.noVerdict")), el("div", {}, v.jsonError)));
    return;
  }
  if (v.inputError) {
    box.replaceChildren(el("div", { class: "alert err", "data-testid": "verdict-input-error" }, el("b", {}, t("verdict.inputError")), el("div", {}, el("code", {}, v.inputError))));
    return;
  }
  const { facts, suppressed } = state.explained;
  box.replaceChildren(
    decisionRow(v),
    ...(state.cleared ? [clearedNote(v)] : []),
    boundRow(facts),
    issuesRow(facts),
    purchasesRow(v),
    messageBox(v),
    linesTable(v, facts),
    reasonsList(v, facts, new Set(suppressed)),
    ...(v.warnings?.length ? [el("div", { class: "alert warn" }, `${t("verdict.warnings")}: `, v.warnings.join("; "))] : []),
    el("div", { class: "muted small snap" }, `${t("verdict.snapshot")}: ${v.snapshot.merchant} · ${v.snapshot.version} · → ${v.snapshot.expires_at}`),
    rawJson(v),
  );
}

/** Whether the raw verdict panel is open. */
let rawOpen = false;

/** The verdict exactly as `engine.check` returned it, to copy into a bug report, a test or
 * the merchant's own code (closed by default; the text is what `JSON.stringify` makes). */
function rawJson(v) {
  const text = JSON.stringify(v, null, 2);
  const done = el("span", { class: "muted small", role: "status" });
  const copy = el("button", { type: "button", class: "link-btn", "data-testid": "copy-verdict-json" }, t("verdict.copyJson"));
  const pre = el("pre", { class: "raw-json", tabindex: "0", "data-testid": "verdict-json" }, text);
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      done.textContent = t("verdict.copied");
    } catch {
      // no clipboard (an insecure origin, a denied permission): select the text for Ctrl+C
      getSelection()?.selectAllChildren(pre);
      done.textContent = t("verdict.copySelected");
    }
  });
  // every edit re-renders the verdict: a panel the user opened stays open
  const details = el("details", { class: "raw" }, el("summary", {}, t("verdict.json")), el("div", {}, copy, " ", done), pre);
  details.open = rawOpen;
  details.addEventListener("toggle", () => { rawOpen = details.open; });
  return details;
}

/** The decision, and for a step-up the methods and the "complete verification" button. */
function decisionRow(v) {
  const head = el("div", { class: "decision-row" }, decisionBadge(v.decision, true));
  head.firstChild.dataset.testid = "decision";
  if (v.decision === "step_up") {
    head.append(el("div", { class: "verify" }, el("span", { class: "muted small" }, t("verdict.verify")),
      ...v.verify.map((m) => el("span", { class: "chip method" }, t(`method.${m}`), " ", el("code", {}, m)))));
    const btn = el("button", { type: "button", class: "btn primary", id: "complete-verification", title: t("verdict.completeHelp") }, t("verdict.complete"));
    btn.addEventListener("click", completeVerification);
    head.append(btn);
  }
  return head;
}

function clearedNote(v) {
  const { orderId } = state.cleared;
  return el("div", { class: `alert ${["allow", "warn", "review"].includes(v.decision) ? "ok" : "warn"}`, "data-testid": "cleared", tabindex: "-1" },
    decisionBadge(state.cleared.from.decision), " → ", decisionBadge(v.decision), " ",
    t("verdict.cleared", { decision: t(`decision.${v.decision}`) }), " ",
    el("code", {}, `verified: ${JSON.stringify(state.order.verified || [])}`), " ",
    el("span", { class: "small", "data-testid": "recheck-order-id" },
      orderId ? t("verdict.recheckBound", { orderId }) : t("verdict.recheckNoId")));
}

/** Which identifiers the engine took from the session (`customer.bound`), and which were only claimed. */
function boundRow(facts) {
  const bound = facts?.customer?.bound;
  const list = Array.isArray(bound) ? bound : [];
  return el("div", { class: `bound-row small${list.length ? " bound" : ""}`, "data-testid": "bound" },
    el("code", {}, "customer.bound"), " = ", el("code", { "data-testid": "bound-value" }, JSON.stringify(list)), " ",
    el("span", { class: "muted" }, list.length ? t("verdict.boundSome") : t("verdict.boundNone")));
}

/** The order's issues (`order.issues`), each with what it means. */
function issuesRow(facts) {
  const issues = facts?.order?.issues ?? [];
  return el("div", { class: "issues-row small", "data-testid": "issues", tabindex: "-1" },
    el("span", { class: "muted" }, `${t("verdict.issues")}: `),
    ...(issues.length ? issues.map((i) => el("span", { class: "chip issue", "data-issue": i }, t(`issue.${i}`), " ", el("code", {}, i)))
      : [el("span", { class: "muted" }, t("verdict.noIssues"))]));
}

/**
 * The page's purchase memory: "Record as bought" for an allowed order with a limited SKU,
 * how many purchases are remembered (units by SKU) and "Clear". Shown when the order can
 * be recorded (allowed, with a limited SKU and an identifier: a `limitKey()`) or
 * purchases are remembered.
 */
function purchasesRow(v) {
  const key = state.limitKey;
  const memory = state.purchases;
  const recordable = key && BOUGHT.has(v.decision);
  if (!recordable && !memory.orders.length) return "";
  const row = el("div", { class: "purchases small", "data-testid": "purchases", tabindex: "-1" });
  if (recordable) {
    const btn = el("button", { type: "button", class: "btn small", "data-testid": "record-purchase", title: t("purchases.recordHelp") }, t("purchases.record"));
    btn.addEventListener("click", recordPurchase);
    row.append(btn);
  }
  const units = [...memory.unitsBySku()].map(([sku, n]) => `${sku} ×${n}`).join(", ");
  const recorded = memory.orders.map((o) => `${o.label} · ${new Date(o.at).toISOString().replace(".000Z", "Z")}`).join("\n");
  row.append(el("span", { "data-testid": "purchases-count", "data-count": String(memory.orders.length), title: recorded || undefined },
    t("purchases.count", { n: memory.orders.length }), units ? ` (${units})` : ""));
  if (memory.orders.length) {
    const clear = el("button", { type: "button", class: "link-btn", "data-testid": "clear-purchases" }, t("purchases.clear"));
    clear.addEventListener("click", clearPurchases);
    row.append(clear);
  }
  const notes = [];
  if (key && !BOUGHT.has(v.decision)) notes.push(t("purchases.onlyAllowed"));
  if (key && memory.hasOrder(key)) notes.push(t("purchases.recheck"));
  if (key) notes.push(t("purchases.help", { window: duration(key.windowMs / 1000) }));
  row.append(...notes.map((n) => el("p", { class: "muted" }, n)));
  return row;
}

function messageBox(v) {
  // A warn verdict's message is the point of it: a notice the checkout must show.
  const notice = v.decision === "warn";
  const msgBox = el("div", { class: notice ? "message notice" : "message", "data-testid": "message-box" });
  const seg = el("div", { class: "seg small", role: "group", "aria-label": t("verdict.msgLocale") },
    ...["zh-CN", "en"].map((l) => {
      const b = el("button", { type: "button", "aria-pressed": String(state.msgLocale === l), "data-msg-locale": l }, l === "zh-CN" ? "中文" : "English");
      b.addEventListener("click", () => { state.msgLocale = l; runCheck(); });
      return b;
    }));
  msgBox.append(el("div", { class: "sub-head" }, el("h3", {}, t("verdict.message")), seg));
  if (notice) msgBox.append(el("p", { class: "small notice-note", "data-testid": "warn-note" }, t("verdict.warnNote")));
  if (v.message) {
    msgBox.append(el("blockquote", { lang: v.message.locale, "data-testid": "message" }, v.message.text),
      el("div", { class: "muted small" }, el("code", {}, v.message.key), ` · ${v.message.locale}`));
  } else msgBox.append(el("p", { class: "muted" }, t("verdict.noMessage")));
  return msgBox;
}

/** Each line's decision, with the engine's item facts (name, price, restrictions). */
function linesTable(v, facts) {
  const table = el("table", { class: "lines" });
  table.append(el("thead", {}, el("tr", {}, ...["#", "SKU", t("verdict.name"), t("verdict.qty"), t("verdict.price"), t("verdict.decision")].map((h) => el("th", { scope: "col" }, h)))));
  const tb = el("tbody");
  v.lines.forEach((ln, i) => {
    const it = facts.items[i] || {};
    const tags = [];
    if (it.high_value) tags.push(el("span", { class: "tag hv" }, t("verdict.highValue")));
    if (it.limited) tags.push(el("span", { class: "tag ltd" }, t("verdict.limited")));
    const rowClass = `${it.restricted ? "restricted" : ""} ld-${ln.decision}`;
    const stock = stockTags(it);
    tb.append(el("tr", { class: `${rowClass}${stock.length ? " has-extra" : ""}`, "data-line-decision": ln.decision },
      el("td", {}, String(i)), el("td", {}, el("code", {}, ln.sku)),
      el("td", {}, it.name || "—", " ", ...tags), el("td", { class: "num" }, String(it.quantity ?? "")),
      el("td", { class: "num" }, it.price !== undefined ? `¥${Number(it.price).toFixed(2)}` : ""), el("td", {}, decisionBadge(ln.decision))));
    // stock and the per-customer limit under the line, across the table (a narrow name cell would fold them)
    if (stock.length) tb.append(el("tr", { class: `${rowClass} line-extra` }, el("td"), el("td", { colspan: "5" }, ...stock)));
  });
  table.append(tb);
  // A line's decision comes from the item rules only (order rules decide the order, not
  // its lines): say so, or a denied order whose lines all show Allow reads as a contradiction.
  return el("div", { class: "sub" }, el("h3", {}, t("verdict.lines")),
    el("p", { class: "muted small lines-note", "data-testid": "lines-note" }, t("verdict.linesNote")),
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("verdict.lines") }, table));
}

/** A line's stock and per-customer limit, from its item facts (quantities summed over the SKU's lines). */
function stockTags(it) {
  const tags = [];
  if (it.stock >= 0 && it.sku_quantity > it.stock) {
    tags.push(el("span", { class: "tag out", "data-testid": "out-of-stock" }, t("verdict.outOfStock", { stock: it.stock, qty: it.sku_quantity })));
  }
  if (it.max_per_customer > 0) {
    const over = it.bought_in_window + it.sku_quantity > it.max_per_customer;
    tags.push(el("span", { class: `tag limit${over ? " out" : ""}`, "data-testid": "customer-limit", "data-bought": String(it.bought_in_window) },
      t("verdict.customerLimit", { max: it.max_per_customer, bought: it.bought_in_window, qty: it.sku_quantity })));
  }
  return tags;
}

/** The firing rules, each with the fact paths it reads and their values ("why"). */
function reasonsList(v, facts, suppressed) {
  const rs = el("ol", { class: "reasons" });
  for (const r of v.reasons) {
    const li = el("li", { class: `reason a-${r.action}`, "data-rule": r.rule });
    li.append(el("div", { class: "reason-head" }, decisionBadge(r.action), el("code", { class: "rule-id" }, r.rule),
      el("span", { class: "code" }, r.code),
      r.lines.length ? el("span", { class: "muted small" }, r.lines.map((n) => t("verdict.lineN", { n })).join(", ")) : "",
      suppressed.has(r.rule) ? el("span", { class: "chip muted", "data-testid": "suppressed" }, t("verdict.suppressed")) : ""));
    const read = state.ruleFacts[r.rule] || [];
    if (read.length) {
      const dl = el("dl", { class: "why" });
      for (const p of read) {
        const val = r.lines.length && p.startsWith("item.")
          ? r.lines.map((n) => `${t("verdict.lineN", { n })} = ${fmt(factValue(facts, p, n))}`).join(" · ")
          : p === "items" ? factValue(facts, p) : fmt(factValue(facts, p));
        dl.append(el("dt", {}, el("code", {}, p)), el("dd", {}, val));
      }
      li.append(el("div", { class: "why-label muted small" }, `${t("verdict.why")} — ${t("verdict.factsRead")}`), dl);
    }
    rs.append(li);
  }
  return el("div", { class: "sub" }, el("h3", {}, t("verdict.reasons")),
    v.reasons.length ? rs : el("p", { class: "muted" }, t("verdict.noReasons")));
}

function fmt(v) {
  if (v === undefined) return "—";
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}
