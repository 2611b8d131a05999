// State shared across edge nodes (examples/edge-worker/src/state.js): two instances of the
// worker in workerd (Miniflare), A owning the OrderState Durable Object class and B using it
// through `scriptName`, each with its own isolate and engine. A duplicate or a proof sent
// through A is seen through B. Plus the object's memory as plain logic (cap, expiry,
// bound order ids) and the fail-closed answer when the object is unreachable.
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EXAMPLE, readOrder, within } from "./support/common.mjs";
import { bundleWorker, startWorker } from "./support/worker.mjs";
import { orderDigest } from "../../examples/edge-worker/src/step-up.js";
import { issueOrderId } from "../../examples/edge-worker/src/session.js";
import {
  CustomerMemory,
  IDS_PER_BASKET,
  MAX_BASKETS_PER_CUSTOMER,
  MAX_PROOFS_PER_OBJECT,
  parseVisit,
} from "../../examples/edge-worker/src/state.js";

const T = { timeout: 60_000 };
const SECRET = "shared-state-step-up-secret";
const ORDER_ID_SECRET = "shared-state-order-id-secret";
const WINDOW = 600_000; // the demo policy's duplicate_window, 10 min
const hex = (n) => n.toString(16).padStart(16, "0");

// ---------------------------------------------------------------------------------
// The object's memory as plain logic
// ---------------------------------------------------------------------------------

describe("CustomerMemory (one customer's object)", () => {
  const visit = (m, basket, orderId, now, extra = {}) => m.visit({ basket, orderId, windowMs: WINDOW, jti: null, exp: null, ...extra }, now);

  test("a basket seen within the window is a duplicate; the first sighting never is", { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    assert.equal(visit(m, hex(1), null, 1_000).duplicate, false);
    assert.equal(visit(m, hex(1), null, 2_000).duplicate, true);
    assert.equal(visit(m, hex(2), null, 2_000).duplicate, false, "another basket");
    assert.equal(visit(m, hex(1), null, 2_000 + WINDOW).duplicate, true, "the window's end is included");
    assert.equal(visit(m, hex(2), null, 2_001 + WINDOW + 1).duplicate, false, "past the window");
  });

  test("a re-check under the same bound order id is not a duplicate; another or none is", { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    assert.equal(visit(m, hex(1), hex(100), 0).duplicate, false);
    assert.equal(visit(m, hex(1), hex(100), 1).duplicate, false, "same bound order id: re-check");
    assert.equal(visit(m, hex(1), hex(101), 2).duplicate, true, "another order id");
    const n = new CustomerMemory();
    visit(n, hex(1), hex(100), 0);
    assert.equal(visit(n, hex(1), null, 1).duplicate, true, "no bound id: any sighting counts");
    const o = new CustomerMemory();
    visit(o, hex(1), null, 0);
    assert.equal(visit(o, hex(1), hex(100), 1).duplicate, true, "an earlier sighting without an id counts");
  });

  test(`at most ${IDS_PER_BASKET} order ids per basket, the oldest forgotten first`, { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    for (let i = 0; i <= IDS_PER_BASKET; i++) visit(m, hex(1), hex(100 + i), i);
    const seen = m.baskets.get(hex(1)).seen.map((s) => s.id);
    assert.equal(seen.length, IDS_PER_BASKET);
    assert.ok(!seen.includes(hex(100)), "the oldest id went");
  });

  test(`the per-customer cap (${MAX_BASKETS_PER_CUSTOMER}) evicts the least recently seen basket only`, { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    for (let i = 0; i < MAX_BASKETS_PER_CUSTOMER; i++) visit(m, hex(i), null, i);
    visit(m, hex(0), null, 100); // basket 0 seen again: now the most recent
    visit(m, hex(999), null, 101); // one past the cap: basket 1 (least recent) goes
    assert.equal(m.baskets.size, MAX_BASKETS_PER_CUSTOMER);
    assert.ok(!m.baskets.has(hex(1)));
    assert.ok(m.baskets.has(hex(0)) && m.baskets.has(hex(2)) && m.baskets.has(hex(999)));
  });

  test("proofs: single use until they expire; full refuses rather than forgets", { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    const spend = (jti, exp, now) => m.visit({ basket: null, orderId: null, windowMs: 0, jti, exp }, now).proof;
    assert.equal(spend("a", 5_000, 0), "ok");
    assert.equal(spend("a", 5_000, 4_999), "used");
    assert.equal(spend("a", 9_000, 5_000), "ok", "expired: forgotten, so it may be spent again (the proof itself is refused as expired first)");
    for (let i = m.proofs.size; i < MAX_PROOFS_PER_OBJECT; i++) assert.equal(spend(`p${i}`, 20_000, 5_000), "ok");
    assert.equal(spend("one-more", 20_000, 5_000), "full");
    assert.equal(spend("one-more", 20_000, 20_000), "ok", "expired ones make room");
  });

  test("expiry: everything is pruned after its window or exp, and the memory survives JSON", { timeout: 5_000 }, () => {
    const m = new CustomerMemory();
    visit(m, hex(1), null, 0, { jti: "j", exp: 1_000 });
    assert.equal(m.lastExpiry(), WINDOW);
    const copy = new CustomerMemory(JSON.parse(JSON.stringify(m.toJSON())));
    assert.equal(visit(copy, hex(1), null, 10).duplicate, true);
    copy.prune(WINDOW + 11);
    assert.ok(copy.empty);
  });

  test("malformed visits are refused", { timeout: 5_000 }, () => {
    for (const bad of [null, {}, { basket: "xyz" }, { basket: hex(1), orderId: 7 }, { basket: hex(1), windowMs: -1 }, { jti: "" }, { jti: "a" }, { jti: "x".repeat(129), exp: 1 }]) {
      assert.ok(parseVisit(bad).error, JSON.stringify(bad));
    }
    assert.deepEqual(parseVisit({ basket: hex(1), orderId: null, windowMs: WINDOW }).visit, { basket: hex(1), orderId: null, windowMs: WINDOW, jti: null, exp: null });
  });
});

// ---------------------------------------------------------------------------------
// Two worker instances in workerd sharing the object
// ---------------------------------------------------------------------------------

/** A known customer's step-up order: C10008, the connecting IP on the step_up list. */
const STEP_UP_IP = { "cf-connecting-ip": "203.0.113.200" }; // step_up, BOT_CHECKOUT, no expiry
function customerStepUp() {
  return readOrder("step-up-level.json");
}

/** The anonymous step-up order: a guest (no id, email or phone) with a high-value basket. */
function anonymousStepUp() {
  const o = readOrder("guest-high-value.json"); // guest, TEA-009 2200 → new-account step_up
  delete o.customer.email;
  delete o.customer.phone;
  return o;
}

function proofFor(digest, claims = {}) {
  const payload = Buffer.from(JSON.stringify({ jti: randomUUID(), order_digest: digest, methods: ["sms_otp"], exp: Math.floor(Date.now() / 1000) + 300, ...claims })).toString("base64url");
  return `${payload}.${createHmac("sha256", SECRET).update(payload).digest("base64url")}`;
}

const ORIGIN = {
  name: "origin",
  modules: true,
  compatibilityDate: "2025-01-01",
  script: `export default { async fetch(req) {
    return Response.json({ origin: true, body: req.method === "POST" ? await req.json() : null }, { status: 201 });
  } }`,
};

// Talks to the Durable Object directly, as a worker would (the visit protocol of state.js).
const PROBE = {
  name: "probe",
  modules: true,
  compatibilityDate: "2025-01-01",
  durableObjects: { ORDER_STATE: { className: "OrderState", scriptName: "edge" } },
  script: `export default { async fetch(req, env) {
    const { name, visit } = await req.json();
    const stub = env.ORDER_STATE.get(env.ORDER_STATE.idFromName(name));
    return stub.fetch("https://order-state.internal/visit", { method: "POST", body: JSON.stringify(visit) });
  } }`,
};

// An object that cannot answer: its class throws on every visit.
const BROKEN = {
  name: "broken",
  modules: true,
  compatibilityDate: "2025-01-01",
  script: `export class Down { fetch() { throw new Error("storage is down"); } }
    export default { fetch() { return new Response("broken"); } }`,
};

async function send(mf, worker, order, headers = {}) {
  const w = await mf.getWorker(worker);
  const res = await within(10_000, `POST /orders via ${worker}`, w.fetch("https://shop.example.test/orders", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(order),
  }));
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json };
}

describe("two worker instances sharing the ORDER_STATE Durable Object", () => {
  let bundle;
  let mf;
  before(async () => {
    bundle = await bundleWorker();
    const edge = (name, durable, extra = {}) => ({
      name,
      modules: bundle.modules,
      modulesRoot: bundle.outdir,
      compatibilityDate: "2025-01-01",
      serviceBindings: { ORIGIN: "origin" },
      bindings: { STEP_UP_SECRET: SECRET, ORDER_ID_SECRET },
      ...(durable ? { durableObjects: { ORDER_STATE: durable } } : {}),
      ...extra,
    });
    // The first worker, "edge", owns the class; "edge-b" uses it through scriptName.
    mf = await startWorker(bundle, edge("edge", "OrderState"), [
      edge("edge-b", { className: "OrderState", scriptName: "edge" }),
      // Control: two instances without the binding, each with its own isolate memory.
      edge("solo-a", null),
      edge("solo-b", null),
      edge("edge-down", { className: "Down", scriptName: "broken" }),
      ORIGIN,
      PROBE,
      BROKEN,
    ]);
  });
  after(async () => {
    if (mf) await mf.dispose();
    if (bundle) bundle.cleanup();
  });

  test("wrangler.toml binds ORDER_STATE to the exported OrderState class, with a migration", { timeout: 5_000 }, () => {
    const toml = readFileSync(join(EXAMPLE, "wrangler.toml"), "utf8");
    assert.match(toml, /\[\[durable_objects\.bindings\]\]\s*\nname = "ORDER_STATE"\s*\nclass_name = "OrderState"/);
    assert.match(toml, /\[\[migrations\]\]\s*\ntag = "v1"\s*\nnew_sqlite_classes = \["OrderState"\]/);
  });

  test("control: without the binding, a resubmission through the other instance is not seen", T, async () => {
    const order = readOrder("clean.json");
    order.items[0].quantity = 3; // a basket no other test sends
    assert.equal((await send(mf, "solo-a", order)).status, 201);
    const r = await send(mf, "solo-b", order);
    assert.equal(r.status, 201, `per-isolate memory: B has not seen it (${r.text})`);
    const again = await send(mf, "solo-b", { ...order, order_id: "DS-CONTROL-2" });
    assert.equal(again.status, 403, `B's own memory sees its own repeat (${again.text})`);
  });

  test("the same order through A, then through B, is a duplicate (403) the second time", T, async () => {
    const order = readOrder("clean.json");
    const first = await send(mf, "edge", order);
    assert.equal(first.status, 201, first.text);
    const second = await send(mf, "edge-b", order);
    assert.equal(second.status, 403, second.text);
    assert.equal(second.json.decision, "deny");
    // The same body order_id again is no exemption: only an order id the caller bound is.
    const third = await send(mf, "edge", order);
    assert.equal(third.status, 403, third.text);
  });

  test("a step-up proof used through A is refused through B", T, async () => {
    const order = anonymousStepUp();
    const challenged = await send(mf, "edge", order);
    assert.equal(challenged.status, 401, challenged.text);
    const token = proofFor(await orderDigest(order));
    const cleared = await send(mf, "edge", order, { "x-checkout-guard-proof": token });
    assert.equal(cleared.status, 201, cleared.text);
    assert.deepEqual(cleared.json.body.verified, ["sms_otp"]);
    const replayed = await send(mf, "edge-b", order, { "x-checkout-guard-proof": token });
    assert.equal(replayed.status, 401, replayed.text);
    assert.equal(replayed.json.proof_error, "proof already used");
    // A fresh proof for the same order still clears it, through B.
    assert.equal((await send(mf, "edge-b", order, { "x-checkout-guard-proof": proofFor(await orderDigest(order)) })).status, 201);
  });

  test("a signed (bound) order id re-checked through B is not a duplicate; another order id is", T, async () => {
    const order = readOrder("clean.json");
    order.items = [{ sku: "TEA-004", quantity: 2, unit_price: 128.0 }]; // a basket of its own
    order.order_id = await issueOrderId(ORDER_ID_SECRET, "DS-SHARED-1");
    assert.equal((await send(mf, "edge", order)).status, 201);
    const recheck = await send(mf, "edge-b", order);
    assert.equal(recheck.status, 201, `same bound order id: a re-check (${recheck.text})`);
    // Another basket: first through A under one signed id, then through B under another.
    const next = { ...order, items: [{ sku: "TEA-004", quantity: 3, unit_price: 128.0 }] };
    assert.equal((await send(mf, "edge", { ...next, order_id: await issueOrderId(ORDER_ID_SECRET, "DS-SHARED-3") })).status, 201);
    const other = await send(mf, "edge-b", { ...next, order_id: await issueOrderId(ORDER_ID_SECRET, "DS-SHARED-4") });
    assert.equal(other.status, 403, other.text);
    const forged = await send(mf, "edge-b", { ...order, order_id: "DS-SHARED-1.AAAA" });
    assert.equal(forged.status, 403, `a badly signed id is not bound: ${forged.text}`);
  });

  test("a customer's proof used through A is refused through B (its order id bound, so not a duplicate)", T, async () => {
    const order = customerStepUp();
    order.order_id = await issueOrderId(ORDER_ID_SECRET, "DS-SHARED-PROOF");
    const challenged = await send(mf, "edge", order, STEP_UP_IP);
    assert.equal(challenged.status, 401, challenged.text);
    const token = proofFor(await orderDigest(order));
    const cleared = await send(mf, "edge", order, { ...STEP_UP_IP, "x-checkout-guard-proof": token });
    assert.equal(cleared.status, 201, cleared.text);
    const replayed = await send(mf, "edge-b", order, { ...STEP_UP_IP, "x-checkout-guard-proof": token });
    assert.equal(replayed.status, 401, replayed.text);
    assert.equal(replayed.json.proof_error, "proof already used");
  });

  test("a refused proof is not spent in the object", T, async () => {
    const order = anonymousStepUp();
    const token = proofFor(await orderDigest(order));
    const other = { ...order, items: [{ ...order.items[0], quantity: 2 }] };
    const r = await send(mf, "edge", other, { "x-checkout-guard-proof": token });
    assert.equal(r.json.proof_error, "proof is for another order", r.text);
    assert.equal((await send(mf, "edge-b", order, { "x-checkout-guard-proof": token })).status, 201);
  });

  // Through the object's own protocol: the worker sends `orderId` only for an order id the
  // caller bound (engine.orderKey: identity.orderId), so this is the exemption's path.
  test("in the object: a re-check under the same bound order id is not a duplicate, and jtis are spent per customer", T, async () => {
    const probe = await mf.getWorker("probe");
    const customer = randomUUID();
    const ask = async (visit) => {
      const res = await probe.fetch("https://probe.test/", { method: "POST", body: JSON.stringify({ name: customer, visit: { windowMs: WINDOW, ...visit } }) });
      assert.equal(res.status, 200);
      return res.json();
    };
    assert.deepEqual(await ask({ basket: hex(7), orderId: hex(70) }), { duplicate: false, proof: null });
    assert.equal((await ask({ basket: hex(7), orderId: hex(70) })).duplicate, false, "same bound order id: re-check");
    assert.equal((await ask({ basket: hex(7), orderId: hex(71) })).duplicate, true, "another order id");
    assert.equal((await ask({ basket: hex(7), orderId: null })).duplicate, true, "no bound id");
    const exp = Date.now() + 60_000;
    assert.equal((await ask({ basket: hex(8), orderId: hex(80), jti: "j-1", exp })).proof, "ok");
    assert.deepEqual(await ask({ basket: hex(8), orderId: hex(80), jti: "j-1", exp }), { duplicate: false, proof: "used" });
    const bad = await probe.fetch("https://probe.test/", { method: "POST", body: JSON.stringify({ name: customer, visit: { basket: "nope" } }) });
    assert.equal(bad.status, 400);
  });

  test(`the per-customer cap (${MAX_BASKETS_PER_CUSTOMER}) evicts that customer's oldest basket only`, T, async () => {
    const basket = (email, quantity) => {
      const o = readOrder("clean.json");
      delete o.customer.id; // keyed by e-mail: a customer of its own
      o.customer.email = email;
      o.items = [{ sku: "TEA-002", quantity, unit_price: 98.0 }];
      return o;
    };
    const x = "cap-x@example.com";
    const y = "cap-y@example.com";
    assert.notEqual((await send(mf, "edge", basket(y, 1))).status, 403);
    for (let q = 1; q <= MAX_BASKETS_PER_CUSTOMER; q++) {
      const r = await send(mf, q % 2 ? "edge" : "edge-b", basket(x, q));
      assert.notEqual(r.status, 403, `basket ${q}: ${r.text}`);
    }
    // One more basket for x: its oldest (quantity 1) is forgotten, the rest are not.
    assert.notEqual((await send(mf, "edge-b", basket(x, 1000))).status, 403);
    assert.equal((await send(mf, "edge", basket(x, 2))).status, 403, "x's second basket is still remembered");
    assert.notEqual((await send(mf, "edge", basket(x, 1))).status, 403, "x's oldest basket was evicted");
    assert.equal((await send(mf, "edge-b", basket(y, 1))).status, 403, "y's basket survived x's junk");
  });

  test("with the binding, an unusable order is still 400 with the path of the bad field", T, async () => {
    const bad = readOrder("clean.json");
    bad.items[1].quantity = -1;
    const r = await send(mf, "edge", bad);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.path, "items[1].quantity");
    assert.equal((await send(mf, "edge-b", [])).status, 400);
  });

  test("the object unreachable → 503, never forwarded unchecked", T, async () => {
    const r = await send(mf, "edge-down", readOrder("clean.json"));
    assert.equal(r.status, 503, r.text);
    assert.deepEqual(Object.keys(r.json), ["error"]);
    const p = await send(mf, "edge-down", anonymousStepUp(), { "x-checkout-guard-proof": proofFor(await orderDigest(anonymousStepUp())) });
    assert.equal(p.status, 503, p.text);
  });
});
