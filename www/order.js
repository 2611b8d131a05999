// The order being checked: a sample gallery (grouped <select>), a form and a JSON view.
// Every change re-checks it (verdict.js).
import { t, lang } from "./i18n.js";
import { $, $$, state, el, storeData } from "./state.js";
import { runCheck } from "./verdict.js";

const METHODS = ["sms_otp", "id_check"];
const CUSTOMER_FIELDS = [["id", "order.customerId"], ["email", "order.email"], ["phone", "order.phone"], ["device_id", "order.device"], ["payment_fingerprint", "order.payment"], ["ip", "order.ip"], ["account_created_at", "order.accountCreated"]];
const SHIPPING_FIELDS = [["name", "order.shipName"], ["phone", "order.shipPhone"], ["province", "order.province"], ["city", "order.city"], ["district", "order.district"], ["line1", "order.line1"]];

let checkTimer = 0;
function scheduleCheck() { clearTimeout(checkTimer); checkTimer = setTimeout(runCheck, 120); }

export function setupOrder() {
  $("#sample").addEventListener("change", (e) => selectSample(e.target.value));
  const step = (d) => {
    const list = [...$("#sample").options].map((o) => o.value);
    const i = list.indexOf(sampleKey(state.sample));
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
  if (view === "json") showOrderJson();
  else renderForm();
}

/** Writes the order into the JSON view when that view is shown. */
export function showOrderJson() {
  if (state.orderView === "json") $("#order-json").value = JSON.stringify(state.order, null, 2);
}

export function renderSampleOptions() {
  const sel = $("#sample");
  if (!state.index) return;
  const groups = state.index.groups;
  const opts = Object.keys(groups).map((g) => {
    const og = el("optgroup", { label: groups[g][lang()] || groups[g].en });
    for (const s of state.index.samples.filter((x) => x.group === g)) {
      og.append(el("option", { value: sampleKey(s) }, `${s.title[lang()] || s.title.en} — ${s.file.replace(/\.json$/, "")}${s.identity ? ` · ${t("order.sessionTag")}` : ""}`));
    }
    return og;
  });
  sel.replaceChildren(...opts);
  if (state.sample) sel.value = sampleKey(state.sample);
}

/**
 * A gallery entry's key: its `id`, else its order file. Two entries may share an order
 * file and differ in the session they are checked under (`identity`).
 */
export function sampleKey(s) { return s.id || s.file; }

export function selectSample(key) {
  const s = state.index.samples.find((x) => sampleKey(x) === key);
  state.sample = s;
  state.order = structuredClone(state.sampleOrders[s.file]);
  state.before = (s.before || []).map((b) => ({ ...b }));
  state.session = s.identity ? { on: true, customerId: s.identity.customerId ?? "" } : { on: false, customerId: "" };
  state.cleared = null;
  $("#sample").value = key;
  renderBefore();
  showOrderJson();
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

export function renderForm() {
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
  const session = sessionFieldset(o);
  const ship = el("fieldset", { class: "fs-grid" }, el("legend", {}, t("order.shipping")),
    ...SHIPPING_FIELDS.map(([k, label]) => input(t(label), o.shipping?.[k], setIn("shipping", k, true))));
  const { catalog } = storeData();
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
  add.addEventListener("click", () => { state.cleared = null; (o.items ||= []).push({ sku: catalog[0]?.sku || "TEA-001", quantity: 1, unit_price: Number(catalog[0]?.price || 0) }); renderForm(); runCheck(); });
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
  form.replaceChildren(top, cust, session, ship, items, ver);
}

/**
 * "Signed-in session": what the checkout's server vouches for, passed to the engine as
 * `identity` (verdict.js checkIdentity) rather than written into the order — the body
 * is the customer's to write, the session is not. Off, the order's customer id is only
 * claimed, and the demo policy's allowlist (`"customer_id" in customer.bound`) never
 * applies.
 */
function sessionFieldset(o) {
  const s = state.session;
  const cb = el("input", { type: "checkbox", id: "f-session" });
  cb.checked = s.on;
  const idInput = el("input", { id: "f-session-id", value: s.customerId, disabled: !s.on, spellcheck: "false", autocomplete: "off" });
  cb.addEventListener("change", () => {
    s.on = cb.checked;
    // a new session vouches for the customer the order names, until edited
    if (s.on && !s.customerId) s.customerId = o.customer?.id ?? "";
    state.cleared = null;
    renderForm();
    runCheck();
    $("#f-session")?.focus();
  });
  idInput.addEventListener("input", () => { s.customerId = idInput.value.trim(); state.cleared = null; scheduleCheck(); });
  return el("fieldset", { class: `session${s.on ? " on" : ""}`, "data-testid": "session" },
    el("legend", {}, t("order.session")),
    el("label", { for: "f-session", class: "check" }, cb, ` ${t("order.sessionOn")}`),
    el("div", { class: "field" }, el("label", { for: "f-session-id" }, t("order.sessionCustomer")), idInput),
    el("p", { class: "muted small session-help" }, t(s.on ? "order.sessionHelpOn" : "order.sessionHelpOff", { orderId: o.order_id ?? "—" })));
}
