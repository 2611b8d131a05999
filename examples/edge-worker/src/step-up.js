// checkout-guard edge worker: step-up proofs (README "Step-up proofs", docs/SECURITY.md).
//
// `X-Checkout-Guard-Proof: <payload>.<signature>`, both base64url; payload = JSON
// {"jti", "order_digest", "methods", "exp"}, signature = HMAC-SHA256(STEP_UP_SECRET,
// <payload as sent>). A proof clears a step-up only for the order it was issued for
// (`orderDigest`: customer identifiers, basket, shipping, amounts), only before `exp`,
// and only once (`jti` remembered until it expires: per isolate, see ProofMemory).
//
// Plain WebCrypto and no worker globals, so a merchant's proof issuer running on Node,
// Deno or another worker can import this file and compute the same digest.

const DIGEST_VERSION = "checkout-guard/order-digest/v1";
// A proof may live at most this long (exp − now): the used-proof memory must hold every
// jti until its proof expires, so the lifetime bounds how long an entry stays.
export const MAX_PROOF_SECONDS = 900;
// How many unexpired used proofs an isolate remembers. Full, it refuses new proofs
// rather than forget one that could then be replayed (fail closed).
export const MAX_USED_PROOFS = 10_000;
const MAX_JTI_LENGTH = 128;

const utf8 = new TextEncoder();

/**
 * SHA-256 (lowercase hex) of the order's canonical form: the netstrings
 * (`<UTF-8 byte length>:<bytes>,`) of, in this order,
 *   "checkout-guard/order-digest/v1",
 *   customer.id, customer.email, customer.phone, currency,
 *   shipping.name, shipping.phone, shipping.province, shipping.city, shipping.district,
 *   shipping.line1   (each as submitted; absent or null → ""),
 *   the number of distinct SKUs (decimal), then per SKU in ascending UTF-8 byte order:
 *   the SKU, its summed quantity (decimal), its amount in thousandths
 *   (Σ quantity × floor(unit_price × 1000 + 0.5) over its lines, decimal; a line without
 *   unit_price counts 0).
 * Throws a TypeError when a field has the wrong type (the engine refuses that order too).
 */
export async function orderDigest(order) {
  if (!isObject(order)) throw new TypeError("the order is not an object");
  const customer = optionalObject(order.customer, "customer");
  const shipping = optionalObject(order.shipping, "shipping");
  const fields = [
    DIGEST_VERSION,
    text(customer.id, "customer.id"),
    text(customer.email, "customer.email"),
    text(customer.phone, "customer.phone"),
    text(order.currency, "currency"),
    ...["name", "phone", "province", "city", "district", "line1"].map((k) => text(shipping[k], `shipping.${k}`)),
  ];
  const basket = new Map(); // sku → {quantity, amount}, amounts in thousandths (BigInt: exact)
  const items = order.items === undefined || order.items === null ? [] : order.items;
  if (!Array.isArray(items)) throw new TypeError("items is not an array");
  items.forEach((item, i) => {
    if (!isObject(item) || typeof item.sku !== "string") throw new TypeError(`items[${i}].sku is not a string`);
    if (!Number.isSafeInteger(item.quantity)) throw new TypeError(`items[${i}].quantity is not an integer`);
    const price = item.unit_price === undefined || item.unit_price === null ? 0 : item.unit_price;
    if (typeof price !== "number" || !Number.isFinite(price)) throw new TypeError(`items[${i}].unit_price is not a number`);
    const entry = basket.get(item.sku) || { quantity: 0n, amount: 0n };
    entry.quantity += BigInt(item.quantity);
    entry.amount += BigInt(item.quantity) * BigInt(Math.floor(price * 1000 + 0.5));
    basket.set(item.sku, entry);
  });
  const skus = [...basket.keys()].map((sku) => [utf8.encode(sku), sku]).sort((a, b) => compareBytes(a[0], b[0]));
  fields.push(String(skus.length));
  for (const [, sku] of skus) {
    const { quantity, amount } = basket.get(sku);
    fields.push(sku, quantity.toString(), amount.toString());
  }
  const parts = fields.map((f) => utf8.encode(f));
  const framed = [];
  for (const p of parts) framed.push(utf8.encode(`${p.length}:`), p, utf8.encode(","));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", concat(framed)));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Used proof ids of one isolate, each kept until its proof expires. Per isolate: another
 * isolate or location has its own memory, so a proof can be used once per isolate, not
 * once in all. The worker uses it only without the ORDER_STATE Durable Object binding;
 * with it, state.js's SharedVisit spends the jti in the customer's object instead. Both
 * have `claim(jti, expMs, nowMs, orderDigest)`; verifyProof awaits it, so a memory may
 * answer now (this one) or with a promise (the shared one).
 */
export class ProofMemory {
  constructor(cap = MAX_USED_PROOFS) {
    this.cap = cap;
    this.used = new Map(); // jti → exp (ms)
  }

  /** Records `jti` as used: "ok", else "used" (it already was) or "full" (no room). */
  claim(jti, expMs, nowMs) {
    if (this.used.has(jti)) {
      if (this.used.get(jti) > nowMs) return "used";
      this.used.delete(jti);
    }
    if (this.used.size >= this.cap) this.sweep(nowMs);
    if (this.used.size >= this.cap) return "full";
    this.used.set(jti, expMs);
    return "ok";
  }

  sweep(nowMs) {
    for (const [jti, exp] of this.used) if (exp <= nowMs) this.used.delete(jti);
  }
}

/**
 * Checks a proof against the order it came with. {methods} when it holds (its jti is then
 * spent in `memory`, a ProofMemory or state.js's SharedVisit), else {error}: the reason
 * the 401 names as `proof_error`. Throws what the memory throws (the shared state
 * unreachable: the worker fails closed).
 */
export async function verifyProof(token, order, secret, memory, nowMs = Date.now()) {
  const [payload, signature, extra] = token.trim().split(".");
  if (!payload || !signature || extra !== undefined) return { error: "malformed proof" };
  let sig;
  let claims;
  try {
    sig = fromBase64url(signature);
    claims = JSON.parse(new TextDecoder().decode(fromBase64url(payload)));
  } catch {
    return { error: "malformed proof" };
  }
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  if (!(await crypto.subtle.verify("HMAC", key, sig, utf8.encode(payload)))) {
    return { error: "bad signature" };
  }
  if (!isObject(claims) || !Array.isArray(claims.methods) || !claims.methods.every((m) => typeof m === "string")) {
    return { error: "malformed proof" };
  }
  if (typeof claims.jti !== "string" || !claims.jti || claims.jti.length > MAX_JTI_LENGTH) {
    return { error: "proof has no jti" };
  }
  if (typeof claims.order_digest !== "string") return { error: "proof has no order_digest" };
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= nowMs) return { error: "proof expired" };
  if (claims.exp * 1000 > nowMs + MAX_PROOF_SECONDS * 1000) {
    return { error: `proof lives longer than ${MAX_PROOF_SECONDS} s` };
  }
  let digest;
  try {
    digest = await orderDigest(order);
  } catch {
    return { error: "proof is for another order" };
  }
  if (digest !== claims.order_digest) return { error: "proof is for another order" };
  // Spent last, once everything else holds: a refused proof is not spent. The memory's
  // has-and-set is atomic (synchronous here; one visit in the object when shared). The
  // digest names where an anonymous order's proof is spent (state.js).
  const spent = await memory.claim(claims.jti, claims.exp * 1000, nowMs, claims.order_digest);
  if (spent === "used") return { error: "proof already used" };
  if (spent === "full") return { error: "too many proofs in use, try again later" };
  return { methods: claims.methods };
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function optionalObject(v, name) {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new TypeError(`${name} is not an object`);
  return v;
}

function text(v, name) {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new TypeError(`${name} is not a string`);
  return v;
}

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function fromBase64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
