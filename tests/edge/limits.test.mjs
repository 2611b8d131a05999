// Purchase limits across orders at the edge (docs/semantics.md §8.1, state.js): two
// instances of the worker in workerd sharing the OrderState Durable Object, which keeps
// each identity's purchases in an object of its own. A limited edition bought through A
// counts through B, for the same customer and for a second account at the same address;
// an order the engine does not allow gives its hold back. Plus the purchase memory as
// plain logic (holds, re-checks under a bound order id, releases, the per-SKU cap).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readOrder, within } from "./support/common.mjs";
import { bundleWorker, startWorker } from "./support/worker.mjs";
import { CustomerMemory, PURCHASES_PER_SKU, parsePurchase } from "../../examples/edge-worker/src/state.js";

const T = { timeout: 60_000 };
const DAY = 86_400_000;
const WINDOW = 30 * DAY; // the demo policy's purchase_window
const hex = (n) => n.toString(16).padStart(16, "0");

describe("CustomerMemory purchases (one identity's object)", () => {
  const buy = (m, sku, units, orderId, hold, now) => m.purchase({ skus: [{ sku, units }], orderId, windowMs: WINDOW, hold }, now).bought[sku];

  test("answers what was bought before within the window and holds this order", { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    assert.equal(buy(m, "COL-004", 1, null, "h1", 0), 0, "the first order sees nothing");
    assert.equal(buy(m, "COL-004", 1, null, "h2", DAY), 1, "the second sees the first's hold");
    assert.equal(buy(m, "COL-001", 2, null, "h3", DAY), 0, "another SKU");
    assert.equal(buy(m, "COL-004", 1, null, "h4", WINDOW), 2, "the window's end is included");
    assert.equal(buy(m, "COL-004", 1, null, "h5", WINDOW + 1), 2, "the day-0 purchase left the window");
  });

  test("a release undoes a hold; under a re-checked bound order id it restores the purchase", { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    buy(m, "COL-004", 1, hex(7), "allowed", 0);
    assert.equal(buy(m, "COL-004", 1, hex(7), "recheck", 1), 0, "its own purchase is left out");
    assert.deepEqual(m.release("recheck"), { released: 1 });
    assert.equal(buy(m, "COL-004", 1, hex(8), "other", 2), 1, "the allowed purchase is still there");
    m.release("other");
    assert.equal(buy(m, "COL-004", 1, null, "x", 3), 1, "and the released one is gone");
  });

  test(`at most ${PURCHASES_PER_SKU} purchases per SKU, merged rather than forgotten; JSON round trip`, { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    for (let i = 0; i < 20; i++) buy(m, "COL-001", 1, null, `h${i}`, i);
    assert.ok(m.purchases.get("COL-001").length <= PURCHASES_PER_SKU);
    const copy = new CustomerMemory(JSON.parse(JSON.stringify(m.toJSON())));
    assert.equal(buy(copy, "COL-001", 1, null, "last", 100), 20);
    assert.ok(copy.lastExpiry() >= 100 + WINDOW);
    copy.prune(101 + WINDOW);
    assert.ok(copy.empty);
  });

  test("malformed purchases are refused", { timeout: 5_000 }, () => {
    const good = { skus: [{ sku: "A", units: 1 }], orderId: null, windowMs: WINDOW, hold: "h" };
    assert.ok(parsePurchase(good).purchase);
    for (const bad of [null, {}, { ...good, skus: [] }, { ...good, skus: [{ sku: "", units: 1 }] }, { ...good, skus: [{ sku: "A", units: -1 }] }, { ...good, orderId: "x" }, { ...good, windowMs: -1 }, { ...good, hold: "" }]) {
      assert.ok(parsePurchase(bad).error, JSON.stringify(bad));
    }
  });
});

const ORIGIN = {
  name: "origin",
  modules: true,
  compatibilityDate: "2025-01-01",
  script: `export default { async fetch(req) { return Response.json({ origin: true }, { status: 201 }); } }`,
};

async function send(mf, worker, order) {
  const w = await mf.getWorker(worker);
  const res = await within(10_000, `POST /orders via ${worker}`, w.fetch("https://shop.example.test/orders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(order),
  }));
  return { status: res.status, text: await res.text() };
}

/**
 * The clean sample order as customer `id` with its own e-mail, device and card, its phone
 * the shipping phone, buying `items`; `shipping` replaces parts of the address (each test
 * gives its own, so that tests share no identifier).
 */
function orderBy(id, items, shipping) {
  const o = readOrder("clean.json");
  o.order_id = `DS-LIMIT-${id}-${items.map((i) => `${i.sku}x${i.quantity}`).join("-")}`;
  o.customer = { ...o.customer, id, email: `${id.toLowerCase()}@example.com`, phone: shipping.phone, device_id: `dev-${id}`, payment_fingerprint: `pf_${id}` };
  o.items = items;
  o.shipping = { ...o.shipping, ...shipping };
  return o;
}
const COL4 = { sku: "COL-004", quantity: 1, unit_price: 1980.0 }; // max 1 per customer in 30 days
const ACC = { sku: "ACC-001", quantity: 1, unit_price: 19.9 };

describe("two worker instances sharing purchases in the ORDER_STATE Durable Object", () => {
  let bundle;
  let mf;
  before(async () => {
    bundle = await bundleWorker();
    const edge = (name, durable) => ({
      name,
      modules: bundle.modules,
      modulesRoot: bundle.outdir,
      compatibilityDate: "2025-01-01",
      serviceBindings: { ORIGIN: "origin" },
      ...(durable ? { durableObjects: { ORDER_STATE: durable } } : {}),
    });
    mf = await startWorker(bundle, edge("edge", "OrderState"), [
      edge("edge-b", { className: "OrderState", scriptName: "edge" }),
      edge("solo-a", null),
      edge("solo-b", null),
      ORIGIN,
    ]);
  });
  after(async () => {
    if (mf) await mf.dispose();
    if (bundle) bundle.cleanup();
  });

  test("a limited edition bought through A counts through B: the second order is denied", T, async () => {
    const first = await send(mf, "edge", orderBy("C77001", [COL4], { phone: "13800177001", line1: "中山北路1号" }));
    assert.equal(first.status, 201, first.text);
    const second = await send(mf, "edge-b", orderBy("C77001", [COL4, ACC], { phone: "13800177001", line1: "中山北路1号" }));
    assert.equal(second.status, 403, second.text);
  });

  test("a second account at the same address, through the other instance, shares the count", T, async () => {
    const address = { phone: "13800177002", line1: "中山北路2号" };
    assert.equal((await send(mf, "edge-b", orderBy("C77002", [COL4], address))).status, 201);
    const other = await send(mf, "edge", orderBy("C77003", [COL4], { ...address, phone: "13900177003", name: "李四" }));
    assert.equal(other.status, 403, `same address, another account (${other.text})`);
  });

  test("an order the engine does not allow gives its hold back", T, async () => {
    const address = { phone: "13800177004", line1: "中山北路4号" };
    // Two of COL-004 break its max_per_order (1): denied, so nothing is bought.
    const denied = await send(mf, "edge", orderBy("C77004", [{ ...COL4, quantity: 2 }], address));
    assert.equal(denied.status, 403, denied.text);
    const one = await send(mf, "edge-b", orderBy("C77004", [COL4], address));
    assert.equal(one.status, 201, `the denied order held nothing (${one.text})`);
  });

  test("control: without the binding each isolate counts only what it saw", T, async () => {
    const address = { phone: "13800177005", line1: "中山北路5号" };
    assert.equal((await send(mf, "solo-a", orderBy("C77005", [COL4], address))).status, 201);
    const b = await send(mf, "solo-b", orderBy("C77005", [COL4, ACC], address));
    assert.equal(b.status, 201, `B has not seen A's purchase (${b.text})`);
    const again = await send(mf, "solo-b", orderBy("C77005", [COL4], address));
    assert.equal(again.status, 403, `B's own memory counts its own (${again.text})`);
  });
});
