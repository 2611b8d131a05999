// The order being checked: a sample gallery (grouped <select>), a form and a JSON view.
// Every change re-checks it (verdict.js).
import { t, lang } from "./i18n.js";
import { $, $$, state, el } from "./state.js";
import { parseCsv } from "./lib.js";
import { runCheck, renderVerdict } from "./verdict.js";
import { compileNow } from "./editor.js";

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
  // The engine takes an RFC 3339 time with its zone; Date.parse also takes "2026-11-25",
  // which the engine then refused with an error that blamed the order.
  const nowError = el("span", { id: "now-error", class: "field-error", role: "alert" });
  now.after(nowError);
  now.setAttribute("aria-describedby", "now-error");
  now.addEventListener("input", () => {
    const v = now.value.trim();
    // a recompile (editor.js compiles at the check time), which checks the order again
    if (isRfc3339(v)) { state.now = v; now.removeAttribute("aria-invalid"); nowError.textContent = ""; clearTimeout(checkTimer); checkTimer = setTimeout(compileNow, 120); }
    else { now.setAttribute("aria-invalid", "true"); nowError.textContent = t("order.nowInvalid"); }
  });
  for (const b of $$(".order-view")) b.addEventListener("click", () => setOrderView(b.dataset.view));
  $("#order-json").setAttribute("aria-describedby", "json-error");
  $("#order-json").addEventListener("input", (e) => {
    const parsed = parseOrderJson(e.target.value);
    state.cleared = null;
    if (parsed.order) {
      state.order = parsed.order;
      showJsonError(null);
      scheduleCheck();
    } else {
      // No verdict for text that is not an order: the last one would pass for its verdict.
      showJsonError(parsed);
      clearTimeout(checkTimer);
      setJsonError(parsed.message);
    }
  });
}

/** An RFC 3339 date-time with seconds optional and a zone (`Z` or ±hh:mm), and a real date. */
export function isRfc3339(v) {
  return /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
}

/**
 * The order in the JSON view: {order} when it is a JSON object, else {message, index}
 * with the UTF-16 index of the error when the parser says where (V8 gives "position N"
 * and, in newer versions, "line L column C").
 */
export function parseOrderJson(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (err) {
    const msg = String(err?.message || err);
    let index = null;
    const pos = /position (\d+)/.exec(msg);
    const lc = /line (\d+) column (\d+)/.exec(msg);
    if (pos) index = Number(pos[1]);
    else if (lc) {
      const lines = text.split("\n").slice(0, Number(lc[1]) - 1);
      index = lines.reduce((n, l) => n + l.length + 1, 0) + Number(lc[2]) - 1;
    } else if (/end of (JSON )?input/i.test(msg)) index = text.length;
    return { message: `${t("order.jsonError")}: ${msg}`, index };
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return { message: t("order.jsonNotObject"), index: null };
  return { order: v };
}

/** The JSON view's error line, and the error's place in the text marked under it. */
function showJsonError(parsed) {
  const box = $("#json-error");
  const ta = $("#order-json");
  if (!parsed) { box.replaceChildren(); ta.removeAttribute("aria-invalid"); return; }
  ta.setAttribute("aria-invalid", "true");
  box.replaceChildren(el("div", {}, parsed.message));
  if (parsed.index === null) return;
  const text = ta.value;
  const i = Math.min(parsed.index, text.length);
  const start = text.lastIndexOf("\n", i - 1) + 1;
  const end = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i);
  const line = text.slice(0, start).split("\n").length;
  const col = i - start + 1;
  const go = el("button", { type: "button", class: "link-btn" }, t("order.jsonAt", { line, col }));
  go.addEventListener("click", () => { ta.focus(); ta.setSelectionRange(i, Math.min(text.length, i + 1)); });
  const lineText = text.slice(start, end);
  box.append(go, el("pre", { class: "diag-excerpt", "data-testid": "json-error-at" },
    el("span", { class: "ln" }, `${String(line).padStart(3)} │ `),
    lineText.slice(0, col - 1), el("mark", {}, lineText.slice(col - 1, col) || " "), lineText.slice(col)));
}

/** The verdict card says there is no verdict (verdict.js renders it). */
function setJsonError(message) {
  state.verdict = { jsonError: message };
  state.explained = null;
  renderVerdict();
}

function setOrderView(view) {
  state.orderView = view;
  for (const b of $$(".order-view")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
  $("#order-form").hidden = view !== "form";
  $("#order-json-wrap").hidden = view !== "json";
  if (view === "json") showOrderJson();
  else renderForm();
  // both views now show the last valid order: its verdict replaces "invalid JSON"
  if (state.verdict?.jsonError) runCheck();
}

/** Writes the order into the JSON view when that view is shown. */
export function showOrderJson() {
  if (state.orderView !== "json") return;
  $("#order-json").value = JSON.stringify(state.order, null, 2);
  showJsonError(null); // the text is the order now: an earlier error no longer applies
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
  // the catalog only: storeData() would parse a 100k-row blocklist on every redraw of the form
  const catalog = parseCsv(state.files["catalog.csv"] || "");
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
