// Orders for the test of the order's two ways into the engine (tests/wasm.rs,
// `both_ways_in_read_the_same_order`): every order the repository holds, and variants of
// each that a careless caller or an attacker writes, each made afresh on every call (so
// a getter counts from one on each side). src/wasm/order.js writes the plain ones
// packed and declines the rest; `viaJson` wraps an order so that it always declines and
// the engine reads JSON.stringify's text of the same order.

/** The order texts of examples/orders/all.jsonl and of the conformance cases. */
export function corpus(jsonLines, casesText) {
  const texts = jsonLines.split("\n").filter((line) => line.trim() !== "");
  for (const c of JSON.parse(casesText)) {
    if (c.order !== undefined) texts.push(JSON.stringify(c.order));
  }
  return texts;
}

/** An object JSON.stringify reads as `order`, which the packed writer always declines. */
export function viaJson(order) {
  // The writer declines every value that is not an object by itself.
  if (typeof order !== "object" || order === null) return order;
  // JSON.stringify calls one toJSON per value: the wrapper's stands in for the order's.
  return { toJSON: (key) => (typeof order?.toJSON === "function" ? order.toJSON(key) : order) };
}

const lone = "a\ud800b";
const line = (sku, quantity = 1) => ({ sku, quantity, unit_price: 10 });

// Each variant changes a fresh copy of an order (`o`, an object when the text is one).
const VARIANTS = [
  (o) => o,
  (o) => (o.note = "gift", o.count = 3, o.flag = true, o.nothing = null, o.gone = undefined, o),
  (o) => ((o.items ?? [])[0] && Object.assign(o.items[0], { name: "茶", tags: 2 }), o),
  (o) => (o.extra = { nested: 1 }, o),
  (o) => (o.extra = [1, 2], o),
  (o) => (o.fn = () => 1, o),
  (o) => (o[Symbol("s")] = 1, o.sym = Symbol("v"), o),
  (o) => (o.big = 10n, o),
  (o) => (o.customer = { ...(o.customer ?? {}), email: lone }, o),
  (o) => (o.note = lone, o),
  (o) => (o[lone] = 1, o),
  (o) => (o.customer = { ...(o.customer ?? {}), email: "张三😀@例子.cn", id: "\u0000\u001f\"\\" }, o),
  (o) => (o.order_id = "x".repeat(3000), o),
  (o) => (o.channel = 5, o),
  (o) => (o.currency = true, o),
  (o) => (o.created_at = new Date(Date.UTC(2026, 10, 1)), o),
  (o) => (o.created_at = new Date(NaN), o),
  (o) => (o.created_at = "2026-11-01T10:00:00+08:00", o),
  (o) => (o.order_id = new String("boxed"), o),
  (o) => (o.items = [line("A", -0)], o),
  (o) => (o.items = [line("A", 2 ** 53 + 2)], o),
  (o) => (o.items = [line("A", 1e21)], o),
  (o) => (o.items = [line("A", NaN)], o),
  (o) => (o.items = [line("A", Infinity)], o),
  (o) => (o.items = [line("A", 1.5)], o),
  (o) => (o.items = [line("A", 1e6), line("B", 1e6 + 1), line("C", 2 ** 64), line("D", 1e20), line("E", 5e-324)], o),
  (o) => (o.items = [line("A", 1e6 + 1)], o),
  (o) => (o.items = [line("A", 2 ** 64 - 2048)], o),
  (o) => (o.items = [line("A", 1e20)], o),
  (o) => (o.items = [{ sku: "A", quantity: 1, unit_price: 1e9 }, { sku: "B", quantity: 2, unit_price: 0.1 + 0.2 }, { sku: "C", quantity: 1, unit_price: 5e-324 }], o),
  (o) => (o.items = [{ sku: "A", quantity: 1, unit_price: 1e9 + 0.5 }], o),
  (o) => (o.items = [{ sku: "A", quantity: 1, unit_price: 123456.78 }, { sku: "B", quantity: 3, unit_price: 1e-7 }], o),
  (o) => (o.items = [line("A", "2")], o),
  (o) => (o.items = [line("A", 3n)], o),
  (o) => (o.items = [{ sku: "A", quantity: 1, unit_price: -0 }, { sku: "B", quantity: 1, unit_price: 1e-7 }], o),
  (o) => (o.items = [{ sku: "A", quantity: 1, unit_price: -1 }], o),
  (o) => (o.items = [{ sku: "A", quantity: 1, unit_price: null }], o),
  (o) => (o.items = [{ sku: " ", quantity: 1 }], o),
  (o) => (o.items = [{ sku: 7, quantity: 1 }], o),
  (o) => (o.items = [line("A"), , line("B")], o), // a hole: null to JSON
  (o) => (o.items = [line("A"), null], o),
  (o) => (o.items = [line("A"), "B"], o),
  (o) => (o.items = [], o),
  (o) => (delete o.items, o),
  (o) => (o.items = undefined, o),
  (o) => (o.items = { 0: line("A"), length: 1 }, o),
  (o) => (o.items = [Object.assign(Object.create(null), line("A"))], o),
  (o) => (o.customer = null, o.shipping = undefined, o),
  (o) => (o.customer = "C-1", o),
  (o) => (o.customer = [], o),
  (o) => (o.shipping = { city: "杭州市", line1: lone }, o),
  (o) => (o.verified = ["sms_otp", "id_check"], o),
  (o) => (o.verified = ["sms_otp", 1], o),
  (o) => (o.verified = [undefined], o),
  (o) => (o.verified = "sms_otp", o),
  (o) => (o.verified = Array.from({ length: 33 }, () => "sms_otp"), o),
  (o) => (o.verified = null, o),
  (o) => JSON.parse(`{"__proto__": {"items": []}, "items": ${JSON.stringify(o.items ?? [])}}`),
  (o) => JSON.parse(`{"__proto__": ${JSON.stringify(o.items ?? [])}, "customer": {"__proto__": "x", "id": "C-9"}}`),
  (o) => Object.assign(Object.create(null), o),
  (o) => {
    let calls = 0;
    Object.defineProperty(o, "order_id", { get: () => `call-${++calls}`, enumerable: true });
    return o;
  },
  (o) => (Object.defineProperty(o, "channel", { get: () => { throw new Error("boom"); }, enumerable: true }), o),
  (o) => (Object.defineProperty(o, "currency", { value: "USD", enumerable: false }), o),
  (o) => (o.customer = { toJSON: () => ({ id: "C-1" }) }, o),
  (o) => (o.toJSON = () => ({ items: [] }), o),
  (o) => Object.assign(new (class Order {})(), o),
  (o) => Object.fromEntries(Object.entries(o).reverse()),
  (o) => [o],
  () => "a string",
  () => 42,
  () => null,
  () => undefined,
];

// Large ones, for the first order only: over the line limit, over the document limit.
const HEAVY = [
  (o) => (o.items = Array.from({ length: 1001 }, (_, i) => line(`S-${i}`)), o),
  (o) => (o.items = Array.from({ length: 1000 }, (_, i) => line(`S-${i}`)), o),
  (o) => (o.note = "x".repeat((1 << 20) + 1), o),
  () => ({ items: [], note: "x".repeat((1 << 20) + 1) }),
  (o) => (o.note = "\u0001".repeat(180_000), o),
  (o) => (o.customer = { ...(o.customer ?? {}), email: "é".repeat(200_000) }, o),
];

/** How many variants there are (with the heavy ones when `heavy`). */
export function variantCount(heavy) {
  return VARIANTS.length + (heavy ? HEAVY.length : 0);
}

/** Variant `i` of the order in `text`, made afresh. */
export function variant(text, i) {
  const make = i < VARIANTS.length ? VARIANTS[i] : HEAVY[i - VARIANTS.length];
  const order = JSON.parse(text);
  // An order that is not an object (a case of a bad order) is sent as it is.
  if (typeof order !== "object" || order === null || Array.isArray(order)) return order;
  return make(order);
}

/**
 * Runs `f` with an enumerable `items` on Object.prototype (what a polluted page has),
 * then removes it.
 */
export function withPollutedPrototype(f) {
  Object.defineProperty(Object.prototype, "items", { value: [], enumerable: true, configurable: true, writable: true });
  try {
    return f();
  } finally {
    delete Object.prototype.items;
  }
}

const NOW = Date.parse("2026-11-25T10:00:00Z");

// Options for the same test: the common kind (packed with the order) and the rest (read
// by the engine from the object). Each sets `now`, or fails before the clock matters.
const OPTIONS = [
  () => ({ now: NOW }),
  () => ({ now: NOW, locale: "en" }),
  () => ({ now: NOW, locale: "zh-CN", duplicate: false }),
  () => ({ now: NOW, duplicate: true }),
  () => ({ now: NOW + 0.5, other: { ignored: true } }),
  () => ({ now: -1e20 }),
  () => ({ now: 1e20 }),
  () => ({ now: new Date(NOW) }),
  () => ({ now: "2026-11-25T10:00:00Z" }),
  () => ({ now: NaN }),
  () => ({ now: NOW, locale: 5 }),
  () => ({ now: NOW, duplicate: "yes" }),
  () => ({ now: NOW, identity: { customerId: "C10001" } }),
  () => ({ now: NOW, bought: { "TEA-001": 3 } }),
  () => ({ now: NOW, locale: "e\ud800" }),
  () => Object.create({ now: NOW, locale: "en" }),
  () => ({ get now() { return NOW; }, locale: "en" }),
  () => "options",
];

export function optionsCount() {
  return OPTIONS.length;
}

/** Options variant `i`, made afresh. */
export function options(i) {
  return OPTIONS[i]();
}
