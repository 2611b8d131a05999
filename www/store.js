// The store view: what the snapshot was compiled from — rules, blocklist (identifiers
// masked), catalog and customer history. Which catalog items are restricted, and the
// high-value threshold, are the engine's answers for the last policy that compiled.
import { t, duration } from "./i18n.js";
import { maskIdentifier } from "./lib.js";
import { $, state, el, decisionBadge, table, storeData, freshEngine, safeCall } from "./state.js";

/** Kinds whose value names a class (a domain, a range, a prefix), not a person: shown
 * as written (docs/semantics.md §3.3). */
const PATTERN_KINDS = new Set(["email_domain", "ip_range", "phone_prefix"]);

/** The kind cell: the kind, and a scoped entry's scope (`tag:limited_edition`) beside it. */
function kindCell(e) {
  const scope = (e.scope || "").trim();
  return el("span", {}, el("code", {}, e.kind),
    ...(scope ? [" ", el("span", { class: "tag scope", title: t("store.scope") }, scope)] : []));
}

/** `engine`'s item facts (`high_value`, `limited`…) for each catalog SKU, by SKU. */
function catalogFacts(engine, catalog) {
  const bySku = new Map();
  const CHUNK = 500; // an order holds at most 1000 lines
  for (let i = 0; i < catalog.length; i += CHUNK) {
    const items = catalog.slice(i, i + CHUNK).map((r) => {
      const price = Number(r.price);
      return Number.isFinite(price) && price >= 0 ? { sku: r.sku, quantity: 1, unit_price: price } : { sku: r.sku, quantity: 1 };
    });
    const facts = safeCall(() => engine.facts({ items }, { now: state.now }));
    for (const it of facts?.items ?? []) bySku.set(it.sku, it);
  }
  return bySku;
}

/** "—" with what it means spelled out for screen readers and on hover. */
const none = (meaning) => el("span", { class: "muted none", title: meaning },
  el("span", { "aria-hidden": "true" }, "—"), el("span", { class: "visually-hidden" }, meaning));

/** The engine's `item.stock`: -1 is not tracked, 0 sold out. */
function stockCell(f) {
  if (!(f.stock >= 0)) return none(t("store.notTracked"));
  return el("span", { class: "num", "data-stock": String(f.stock) }, String(f.stock),
    ...(f.stock === 0 ? [el("span", { class: "tag out" }, t("store.soldOut"))] : []));
}

/** The engine's `item.max_per_customer` over the policy's purchase window: 0 is no limit. */
function limitCell(f, purchaseWindow) {
  if (!(f.max_per_customer > 0)) return none(t("store.noLimit"));
  return el("span", { "data-max-per-customer": String(f.max_per_customer) }, t("store.perWindow", { n: f.max_per_customer, window: purchaseWindow }));
}

export function renderStore() {
  const { blocklist, catalog, customers } = storeData();
  const engine = freshEngine();
  let info;
  let itemFacts;
  try {
    info = safeCall(() => engine.info());
    itemFacts = catalogFacts(engine, catalog);
  } finally {
    engine.free();
  }
  const nowMs = Date.parse(state.now);
  const policy = info?.policy;
  const purchaseWindow = policy ? duration(policy.purchase_window_seconds) : "—";
  $("#restricted-note").textContent = t("store.restrictedNote", { threshold: policy?.high_value_threshold ?? "—" });
  $("#limits-note").textContent = t("store.limitsNote", { window: purchaseWindow });
  $("#policy-settings").textContent = policy ? t("store.settings", { threshold: policy.high_value_threshold,
    dup: duration(policy.duplicate_window_seconds), window: purchaseWindow, valid: duration(policy.valid_for_seconds) }) : "";
  const rules = info?.policy.rules ?? [];
  $("#rules-table").replaceChildren(table(
    ["#", t("store.id"), t("store.scope"), t("store.action"), t("store.code"), t("store.when")],
    rules.map((r, i) => [String(i + 1), el("code", {}, r.id), r.scope, decisionBadge(r.action || "allow"),
      el("code", {}, r.reason || ""), el("code", { class: "when" }, r.when || "")]), "rules"));
  $("#blocklist-table").replaceChildren(table(
    [t("store.kind"), t("store.value"), t("store.level"), t("store.reason"), t("store.expires"), t("store.note")],
    blocklist.map((e) => {
      const expired = e.expires_at && Date.parse(e.expires_at) <= nowMs;
      return { cls: expired ? "expired" : "", cells: [kindCell(e),
        el("code", {}, PATTERN_KINDS.has(e.kind) ? String(e.value).trim() : maskIdentifier(e.kind, e.value)),
        el("span", { class: `lvl lvl-${e.level}` }, e.level), el("code", {}, e.reason),
        expired ? el("span", { class: "muted" }, `${e.expires_at.slice(0, 10)} (${t("store.expired")})`) : e.expires_at ? e.expires_at.slice(0, 10) : el("span", { class: "muted" }, t("store.never")),
        el("span", { class: "note-cell" }, e.note)] };
    }), "blocklist"));
  $("#catalog-table").replaceChildren(table(
    [t("store.sku"), t("store.name"), t("store.category"), t("store.price"), t("store.tags"), t("store.max"), t("store.stock"), t("store.maxCustomer")],
    catalog.map((r) => {
      const f = itemFacts.get(r.sku) ?? {};
      return { cls: f.restricted ? "restricted" : "", cells: [el("code", {}, r.sku), r.name, r.category, el("span", { class: "num" }, `¥${Number(r.price).toFixed(2)}`),
        el("span", {}, ...(f.high_value ? [el("span", { class: "tag hv" }, t("verdict.highValue"))] : []), ...(f.limited ? [el("span", { class: "tag ltd" }, t("verdict.limited"))] : [])),
        r.max_per_order || "—", stockCell(f), limitCell(f, purchaseWindow)] };
    }), "catalog"));
  $("#customers-table").replaceChildren(table(
    [t("store.customer"), t("store.since"), t("store.orders"), t("store.refunds"), t("store.chargebacks"), t("store.addresses")],
    customers.map((c) => [el("code", {}, c.customer_id), c.account_created_at.slice(0, 10), c.orders_90d, c.refunds_90d, c.chargebacks_365d, c.addresses_90d]), "customers"));
}
