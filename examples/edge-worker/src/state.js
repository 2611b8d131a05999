// checkout-guard edge worker: state shared across edge nodes (README "Shared state
// (Durable Objects)", docs/SECURITY.md "State across edge nodes").
//
// The engine's own duplicate memory and step-up.js's ProofMemory live in one isolate, so
// a resubmission or a replayed proof that reaches another isolate or location is not
// seen. With a Durable Object namespace bound as ORDER_STATE, both live in one object
// per customer instead: `idFromName(key.customer)` with the key from
// `engine.orderKey(order, {identity})`, so every node asks the same object. Proofs of
// anonymous orders (no customer key) are spent in the object named `proof:<order digest>`.
//
// One round trip per order: the worker POSTs a visit {basket, orderId, windowMs, jti?,
// exp?} and the object records the basket, spends the jti and answers {duplicate, proof}
// in one step, with the object's single clock. The engine then judges with
// `check(order, {identity, duplicate})` and leaves its own memory alone.
//
// Purchase limits across orders (docs/semantics.md §8.1) live in the same class, in one
// object per identity: `idFromName("limit:" + identity)` for each digest of
// `engine.limitKey(order, {identity})`, so a second account at the same address or phone
// meets the first one's purchases. The worker POSTs each a purchase {skus, orderId,
// windowMs, hold}; the object answers what was bought of each SKU within the window
// before this order and, in the same step, holds this order's units under `hold`. The
// engine judges with `bought` (the largest answer per SKU); an order it does not allow is
// released (/release), an allowed one keeps its hold as its purchase. A hold that could
// not be released stays (counts more, never less), and two orders racing through two
// nodes meet in the object of the identifier they share.
//
// Anything but a well-formed answer (no object, a timeout, an error) throws
// StateUnavailable: the worker answers 503 and forwards nothing (fail closed).

/** Baskets remembered per customer key; past it the customer's least recently seen go. */
export const MAX_BASKETS_PER_CUSTOMER = 32;
/** Order ids remembered per basket (as the engine's memory: the oldest goes first). */
export const IDS_PER_BASKET = 4;
/** Unexpired spent proof ids kept per object; full, new proofs are refused, none forgotten. */
export const MAX_PROOFS_PER_OBJECT = 256;
/** Purchases kept per SKU in one identity's object; past it the two oldest are merged. */
export const PURCHASES_PER_SKU = 8;
/** SKUs kept per identity's object; past it the least recently bought go. */
export const MAX_SKUS_PER_OBJECT = 64;
/** How long the worker waits for the object before answering 503. */
export const STATE_TIMEOUT_MS = 5_000;

const STORAGE_KEY = "memory";
const VISIT_URL = "https://order-state.internal/visit";
const PURCHASE_URL = "https://order-state.internal/purchase";
const RELEASE_URL = "https://order-state.internal/release";
const MAX_SKU_LENGTH = 256;
const MAX_SKUS_PER_ORDER = 256;
const HEX16 = /^[0-9a-f]{16}$/;
const MAX_JTI_LENGTH = 128;

/**
 * One customer's memory: pure data and logic (no storage), so it is the same in the
 * Durable Object and in a unit test. Semantics are the engine's (docs/semantics.md §8):
 * a basket is a duplicate when it was seen within the window (both ends included) under
 * another order id, or when either sighting has no (bound) order id; a re-check under
 * the same bound order id is not a duplicate. Every visit records, whatever the verdict.
 */
export class CustomerMemory {
  /** `data` as toJSON wrote it (or undefined: empty). */
  constructor(data) {
    // basket hex → {last, until, seen: [{id, at}]}: `last` is the most recent sighting
    // (recency), `until` when the basket may be forgotten (its latest at + window).
    this.baskets = new Map(Object.entries((data && data.baskets) || {}));
    // jti → exp (ms): spent proofs, each kept until its proof expires.
    this.proofs = new Map(Object.entries((data && data.proofs) || {}));
    // sku → [{id, at, until, units, hold, prev}]: purchases of one identity's object.
    this.purchases = new Map(Object.entries((data && data.purchases) || {}));
  }

  toJSON() {
    return { baskets: Object.fromEntries(this.baskets), proofs: Object.fromEntries(this.proofs), purchases: Object.fromEntries(this.purchases) };
  }

  get empty() {
    return this.baskets.size === 0 && this.proofs.size === 0 && this.purchases.size === 0;
  }

  /**
   * Answers {bought: {sku: units}} — what this identity was allowed of each SKU within
   * the window (both ends included) before this order, leaving out the purchase under the
   * same bound order id — and holds this order's units under `p.hold` at `now` (a bound
   * order id already held is replaced, its previous units kept for a release). `p`:
   * {skus: [{sku, units}], orderId: hex|null, windowMs, hold}.
   */
  purchase(p, now) {
    this.prune(now);
    const bought = {};
    for (const { sku, units } of p.skus) {
      const list = this.purchases.get(sku) || [];
      bought[sku] = list
        .filter((e) => e.at >= now - p.windowMs && e.at <= now && (p.orderId === null || e.id !== p.orderId))
        .reduce((sum, e) => sum + e.units, 0);
      const entry = { id: p.orderId, at: now, until: now + p.windowMs, units, hold: p.hold, prev: null };
      const same = p.orderId === null ? undefined : list.find((e) => e.id === p.orderId);
      if (same) Object.assign(same, { ...entry, prev: { at: same.at, until: same.until, units: same.units, hold: same.hold } });
      else list.push(entry);
      mergeOldest(list);
      // Re-inserted so that Map order is recency order (oldest first).
      this.purchases.delete(sku);
      this.purchases.set(sku, list);
      while (this.purchases.size > MAX_SKUS_PER_OBJECT) this.purchases.delete(this.purchases.keys().next().value);
    }
    return { bought };
  }

  /** Undoes the holds under `hold` (an order the engine did not allow): {released: n}. */
  release(hold) {
    let released = 0;
    for (const [sku, list] of this.purchases) {
      const kept = [];
      for (const e of list) {
        if (e.hold !== hold) kept.push(e);
        else if (e.prev) kept.push({ ...e, ...e.prev, prev: null });
        if (e.hold === hold) released++;
      }
      if (kept.length) this.purchases.set(sku, kept);
      else this.purchases.delete(sku);
    }
    return { released };
  }

  /**
   * Records one visit at `now` and answers {duplicate, proof}. `v`: {basket: hex|null,
   * orderId: hex|null, windowMs, jti?, exp?}. `proof` is null without a jti, else "ok"
   * (spent now), "used" (spent before, not yet expired) or "full".
   */
  visit(v, now) {
    this.prune(now);
    let duplicate = false;
    if (v.basket) {
      duplicate = this.#isDuplicate(v.basket, v.orderId, v.windowMs, now);
      this.#record(v.basket, v.orderId, v.windowMs, now);
    }
    const proof = v.jti ? this.#spend(v.jti, v.exp, now) : null;
    return { duplicate, proof };
  }

  /** Forgets baskets past their window and proofs past their expiry. */
  prune(now) {
    for (const [basket, entry] of this.baskets) if (entry.until < now) this.baskets.delete(basket);
    for (const [jti, exp] of this.proofs) if (exp <= now) this.proofs.delete(jti);
    for (const [sku, list] of this.purchases) {
      const kept = list.filter((e) => e.until >= now);
      if (kept.length) this.purchases.set(sku, kept);
      else this.purchases.delete(sku);
    }
  }

  /** When everything held now may be forgotten (the object can then delete itself). */
  lastExpiry() {
    let t = 0;
    for (const entry of this.baskets.values()) t = Math.max(t, entry.until);
    for (const exp of this.proofs.values()) t = Math.max(t, exp);
    for (const list of this.purchases.values()) for (const e of list) t = Math.max(t, e.until);
    return t;
  }

  #isDuplicate(basket, orderId, windowMs, now) {
    const entry = this.baskets.get(basket);
    if (!entry) return false;
    const from = now - windowMs;
    return entry.seen.some((s) => s.at >= from && s.at <= now && (orderId === null || s.id !== orderId));
  }

  #record(basket, orderId, windowMs, now) {
    let entry = this.baskets.get(basket);
    if (!entry) {
      // Room first: the customer's least recently seen basket goes, never another
      // customer's (they live in other objects).
      while (this.baskets.size >= MAX_BASKETS_PER_CUSTOMER) this.#evictOldest();
      entry = { last: now, until: now + windowMs, seen: [] };
    }
    const same = entry.seen.find((s) => s.id === orderId);
    if (same) {
      same.at = Math.max(same.at, now);
    } else {
      if (entry.seen.length >= IDS_PER_BASKET) {
        const oldest = entry.seen.reduce((a, b) => (b.at < a.at ? b : a));
        entry.seen.splice(entry.seen.indexOf(oldest), 1);
      }
      entry.seen.push({ id: orderId, at: now });
    }
    entry.last = Math.max(entry.last, now);
    entry.until = Math.max(entry.until, now + windowMs);
    // Re-inserted so that Map order is recency order (oldest first).
    this.baskets.delete(basket);
    this.baskets.set(basket, entry);
  }

  #evictOldest() {
    let oldest = null;
    for (const [basket, entry] of this.baskets) {
      if (oldest === null || entry.last < this.baskets.get(oldest).last) oldest = basket;
    }
    this.baskets.delete(oldest);
  }

  #spend(jti, exp, now) {
    const spentUntil = this.proofs.get(jti);
    if (spentUntil !== undefined && spentUntil > now) return "used";
    if (this.proofs.size >= MAX_PROOFS_PER_OBJECT) return "full"; // pruned already
    this.proofs.set(jti, exp);
    return "ok";
  }
}

/**
 * Past PURCHASES_PER_SKU, merges the two oldest purchases into one dated at the newer:
 * the units still count, for longer rather than shorter (as the engine's memory does).
 */
function mergeOldest(list) {
  if (list.length <= PURCHASES_PER_SKU) return;
  list.sort((a, b) => a.at - b.at);
  const [a, b] = list;
  list.splice(0, 2, { id: null, at: b.at, until: Math.max(a.until, b.until), units: a.units + b.units, hold: null, prev: null });
}

/** A purchase a worker sent, checked as parseVisit checks a visit: {purchase} or {error}. */
export function parsePurchase(body) {
  if (body === null || typeof body !== "object") return { error: "purchase is not an object" };
  const { skus, orderId = null, windowMs, hold } = body;
  if (!Array.isArray(skus) || skus.length === 0 || skus.length > MAX_SKUS_PER_ORDER) return { error: "skus: expected 1–256 {sku, units}" };
  for (const s of skus) {
    if (!s || typeof s.sku !== "string" || !s.sku || s.sku.length > MAX_SKU_LENGTH) return { error: "skus[].sku: expected 1–256 characters" };
    if (!Number.isSafeInteger(s.units) || s.units < 0) return { error: "skus[].units: expected a whole number ≥ 0" };
  }
  if (orderId !== null && !HEX16.test(orderId)) return { error: "orderId: expected 16 hex digits or null" };
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) return { error: "windowMs: expected milliseconds" };
  if (typeof hold !== "string" || !hold || hold.length > MAX_JTI_LENGTH) return { error: "hold: expected 1–128 characters" };
  return { purchase: { skus: skus.map(({ sku, units }) => ({ sku, units })), orderId, windowMs, hold } };
}

/**
 * The visit a worker sent, checked: a bad one is the worker's bug, answered 400 (the
 * worker then fails closed). Returns {visit} or {error}.
 */
export function parseVisit(body) {
  if (body === null || typeof body !== "object") return { error: "visit is not an object" };
  const { basket = null, orderId = null, windowMs = 0, jti = null, exp = null } = body;
  if (basket !== null && !HEX16.test(basket)) return { error: "basket: expected 16 hex digits or null" };
  if (orderId !== null && !HEX16.test(orderId)) return { error: "orderId: expected 16 hex digits or null" };
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) return { error: "windowMs: expected milliseconds" };
  if (jti !== null && (typeof jti !== "string" || !jti || jti.length > MAX_JTI_LENGTH)) return { error: "jti: expected 1–128 characters" };
  if (jti !== null && !Number.isSafeInteger(exp)) return { error: "exp: expected milliseconds" };
  if (basket === null && jti === null) return { error: "nothing to visit" };
  return { visit: { basket, orderId, windowMs, jti, exp } };
}

/** The object's routes: how each request is checked, then applied to the memory. */
const ROUTES = {
  "/visit": { parse: parseVisit, apply: (m, p, now) => m.visit(p.visit, now) },
  "/purchase": { parse: parsePurchase, apply: (m, p, now) => m.purchase(p.purchase, now) },
  "/release": {
    parse: (b) => (b && typeof b.hold === "string" && b.hold ? { hold: b.hold } : { error: "hold: expected a string" }),
    apply: (m, p) => m.release(p.hold),
  },
};

/**
 * The Durable Object: one per customer key (or per anonymous proof digest). Its memory is
 * loaded once, changed synchronously per visit (so concurrent visits cannot interleave),
 * and written back before the answer leaves (the runtime's output gate holds the response
 * until the write is durable). An alarm at the latest expiry deletes the object's storage
 * once nothing in it matters; visits also prune lazily.
 */
export class OrderState {
  constructor(ctx, _env) {
    this.ctx = ctx;
    this.memory = new CustomerMemory();
    this.alarmAt = null;
    ctx.blockConcurrencyWhile(async () => {
      this.memory = new CustomerMemory(await ctx.storage.get(STORAGE_KEY));
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  async fetch(request) {
    const url = new URL(request.url);
    const route = ROUTES[url.pathname];
    if (request.method !== "POST" || !route) return new Response("not found", { status: 404 });
    let body;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: "visit is not JSON" }, { status: 400 });
    }
    const parsed = route.parse(body);
    if (parsed.error) return Response.json({ error: parsed.error }, { status: 400 });
    // From here to the put, nothing awaits: the visit is atomic within the object.
    const answer = route.apply(this.memory, parsed, Date.now());
    this.ctx.storage.put(STORAGE_KEY, this.memory.toJSON());
    this.#scheduleCleanup();
    return Response.json(answer);
  }

  async alarm() {
    this.alarmAt = null;
    this.memory.prune(Date.now());
    if (this.memory.empty) {
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.put(STORAGE_KEY, this.memory.toJSON());
    this.#scheduleCleanup();
  }

  // One alarm, at the time everything now held has expired (extended as visits add).
  #scheduleCleanup() {
    const at = this.memory.lastExpiry() + 1;
    if (this.alarmAt !== null && this.alarmAt >= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at);
  }
}

/** The shared state could not answer: the worker fails closed (503). */
export class StateUnavailable extends Error {
  constructor(message) {
    super(message);
    this.name = "StateUnavailable";
  }
}

/**
 * One order's visit to the shared state, as the worker makes it. `key` is
 * `engine.orderKey(order, {identity})` (null: anonymous). It doubles as the proof memory
 * for step-up.js's verifyProof (`claim`), so the proof's jti is spent in the same round
 * trip that records the basket; `duplicate()` then reuses that answer, or makes the trip
 * when no proof was claimed.
 */
export class SharedVisit {
  constructor(namespace, key, timeoutMs = STATE_TIMEOUT_MS) {
    this.namespace = namespace;
    this.key = key;
    this.timeoutMs = timeoutMs;
    this.answer = null;
  }

  /** ProofMemory's interface (async): "ok" | "used" | "full". */
  async claim(jti, expMs, _nowMs, orderDigest) {
    const name = this.key ? this.key.customer : `proof:${orderDigest}`;
    const answer = await this.#visit(name, { ...this.#basket(), jti, exp: expMs });
    if (this.key) this.answer = answer; // the basket was recorded in the same trip
    return answer.proof;
  }

  /** Whether this order's basket is a duplicate (recorded now); false when anonymous. */
  async duplicate() {
    if (!this.key) return false; // anonymous orders are never duplicates (as in the engine)
    if (!this.answer) this.answer = await this.#visit(this.key.customer, this.#basket());
    return this.answer.duplicate;
  }

  #basket() {
    if (!this.key) return { basket: null, orderId: null, windowMs: 0 };
    return { basket: this.key.basket, orderId: this.key.orderId, windowMs: this.key.windowMs };
  }

  async #visit(name, visit) {
    const valid = (answer) => typeof answer.duplicate === "boolean" && (!visit.jti || ["ok", "used", "full"].includes(answer.proof));
    return callObject(this.namespace, name, VISIT_URL, visit, this.timeoutMs, valid);
  }
}

/**
 * POSTs `body` to the object named `name` and returns its JSON answer; anything but a
 * well-formed (`valid`) answer within `timeoutMs` throws StateUnavailable.
 */
async function callObject(namespace, name, url, body, timeoutMs, valid) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StateUnavailable(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const call = (async () => {
      const stub = namespace.get(namespace.idFromName(name));
      const res = await stub.fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new StateUnavailable(`status ${res.status}: ${text.slice(0, 200)}`);
      const answer = JSON.parse(text);
      if (answer === null || typeof answer !== "object" || !valid(answer)) throw new StateUnavailable("malformed answer");
      return answer;
    })();
    return await Promise.race([call, timeout]);
  } catch (e) {
    throw e instanceof StateUnavailable ? e : new StateUnavailable(e && e.message ? e.message : String(e));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One order's purchases in the shared state, as the worker makes them. `key` is
 * `engine.limitKey(order, {identity})` (null: nothing limited, nothing to do). `hold()`
 * asks every identity's object at once and returns `bought` for `check` (the largest
 * answer per SKU); `release()` undoes the holds of an order the engine did not allow.
 */
export class SharedPurchases {
  constructor(namespace, key, timeoutMs = STATE_TIMEOUT_MS) {
    this.namespace = namespace;
    this.key = key;
    this.timeoutMs = timeoutMs;
    this.hold = crypto.randomUUID();
  }

  /** `{sku: units}` bought before this order, this order's units now held. */
  async bought() {
    const { identities, orderId, windowMs, skus } = this.key;
    const body = { skus, orderId, windowMs, hold: this.hold };
    const valid = (a) => a.bought && skus.every(({ sku }) => Number.isSafeInteger(a.bought[sku]) && a.bought[sku] >= 0);
    const answers = await Promise.all(identities.map((id) => callObject(this.namespace, `limit:${id}`, PURCHASE_URL, body, this.timeoutMs, valid)));
    const bought = {};
    for (const { sku } of skus) bought[sku] = Math.max(...answers.map((a) => a.bought[sku]));
    return bought;
  }

  /** Releases this order's holds; a failure is only logged: a hold left counts more, never less. */
  async release() {
    const valid = (a) => Number.isSafeInteger(a.released);
    const calls = this.key.identities.map((id) => callObject(this.namespace, `limit:${id}`, RELEASE_URL, { hold: this.hold }, this.timeoutMs, valid));
    for (const r of await Promise.allSettled(calls)) {
      if (r.status === "rejected") console.warn(`checkout-guard: a purchase hold was not released (${r.reason.message}); it counts until its window ends`);
    }
  }
}
