// The page's purchase memory: what "Record as bought" remembered in this page (not kept
// on reload), answered to the engine as `CheckOptions.bought` — the way a merchant keeps
// purchases outside the engine (docs/semantics.md §8.1, "Shared memory"). It holds only
// what `engine.limitKey()` gives: digests of the order's identifiers, its bound order id
// and the units of each SKU with a `max_per_customer`, so another spelling of the same
// customer (or a second account at the same address, phone or device) meets the same
// keys. DOM-free, and the same rules as the engine's own memory (src/engine/limits.rs):
// a purchase counts under every identity, the answer is the largest count among them;
// purchases at `t` count when `now − window ≤ t ≤ now`; a purchase under the same bound
// order id is left out of the answer and replaced when recorded again.

export class PurchaseMemory {
  constructor() {
    /** `identity|sku` → [{orderId, at, units}] (`at` in ms). */
    this.keys = new Map();
    /** What was recorded, for showing: [{orderId, label, at, skus}], oldest first. */
    this.orders = [];
  }

  /** A copy, so that a check's earlier orders (a sample's `before`) count for that check only. */
  copy() {
    const m = new PurchaseMemory();
    for (const [k, list] of this.keys) m.keys.set(k, list.map((p) => ({ ...p })));
    m.orders = this.orders.map((o) => ({ ...o }));
    return m;
  }

  /** `{sku: units}` for each SKU of `key` (a `limitKey()`), as bought at `nowMs`. */
  bought(key, nowMs) {
    const from = nowMs - key.windowMs;
    const out = {};
    for (const { sku } of key.skus) {
      let most = 0;
      for (const who of key.identities) {
        const units = (this.keys.get(`${who}|${sku}`) ?? [])
          .filter((p) => p.at >= from && p.at <= nowMs && (key.orderId === null || p.orderId !== key.orderId))
          .reduce((sum, p) => sum + p.units, 0);
        most = Math.max(most, units);
      }
      out[sku] = most;
    }
    return out;
  }

  /** Records the order of `key` as bought at `nowMs`; `label` names it in the list shown. */
  record(key, nowMs, label) {
    for (const who of key.identities) {
      for (const { sku, units } of key.skus) {
        const k = `${who}|${sku}`;
        const list = (this.keys.get(k) ?? []).filter((p) => key.orderId === null || p.orderId !== key.orderId);
        list.push({ orderId: key.orderId, at: nowMs, units });
        this.keys.set(k, list);
      }
    }
    if (key.orderId !== null) this.orders = this.orders.filter((o) => o.orderId !== key.orderId);
    this.orders.push({ orderId: key.orderId, label, at: nowMs, skus: key.skus.map((s) => ({ ...s })) });
  }

  /** Whether a purchase is recorded under the bound order id of `key`. */
  hasOrder(key) {
    return key.orderId !== null && this.orders.some((o) => o.orderId === key.orderId);
  }

  /** Units recorded by SKU, over every order (for the count shown). */
  unitsBySku() {
    const units = new Map();
    for (const o of this.orders) for (const { sku, units: n } of o.skus) units.set(sku, (units.get(sku) ?? 0) + n);
    return units;
  }

  clear() {
    this.keys.clear();
    this.orders = [];
  }
}
