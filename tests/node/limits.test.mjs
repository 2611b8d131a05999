// Stock and purchase limits across orders through the npm package (docs/semantics.md
// §8.1) on the embedded demo store: the facts, the engine's own purchase memory across
// checks, `limitKey()` for a shared memory and the `bought` option that answers from it.
//
//   ./scripts/build-pkg.sh && node --test tests/node/limits.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { installPackedPackage, pkgDir, read } from "./support/package.mjs";

let scratch;
let api;

before(async () => {
  assert.ok(existsSync(path.join(pkgDir, "package.json")), `no package at ${pkgDir}: run scripts/build-pkg.sh`);
  scratch = installPackedPackage("checkout-guard-limits-");
  writeFileSync(path.join(scratch, "esm.mjs"), 'export * from "checkout-guard";\n');
  api = await import(pathToFileURL(path.join(scratch, "esm.mjs")).href);
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const NOW = "2026-11-25T10:00:00Z";
const LATER = "2026-11-26T10:00:00Z";
const COL4 = { sku: "COL-004", quantity: 1, unit_price: 1980.0 }; // 300 in stock, 1 per customer

/** The clean sample order buying `items`, optionally as another customer `id`. */
function order(items, id) {
  const o = JSON.parse(read("examples/orders/clean.json"));
  o.items = items;
  if (id) o.customer = { ...o.customer, id, email: `${id}@example.com`, device_id: `dev-${id}`, payment_fingerprint: `pf_${id}` };
  return o;
}

test("stock and limits are facts, and the engine counts what it allowed across checks", () => {
  const engine = new api.Engine();
  const sold = engine.facts(order([{ sku: "WARE-006", quantity: 1, unit_price: 238.0 }, COL4]), { now: NOW });
  assert.deepEqual(sold.items.map((i) => [i.stock, i.max_per_customer, i.bought_in_window]), [[0, 0, 0], [300, 1, 0]]);
  assert.deepEqual(sold.order.issues, ["out_of_stock"]);
  assert.equal(engine.check(order([COL4]), { now: NOW }).decision, "allow");
  const second = order([COL4, { sku: "ACC-001", quantity: 1, unit_price: 19.9 }]);
  assert.equal(engine.facts(second, { now: LATER }).items[0].bought_in_window, 1);
  const v = engine.check(second, { now: LATER });
  assert.equal(v.decision, "deny");
  assert.deepEqual(v.reasons.map((r) => [r.rule, r.lines]), [["over-customer-limit", [0]]]);
  // Another account with C10001's phone and address (the clean order's): the same count.
  const other = engine.check(order([COL4], "c-other"), { now: LATER });
  assert.equal(other.decision, "deny");
});

test("limitKey() tells a shared memory what to count; `bought` answers from it", () => {
  const engine = new api.Engine();
  const key = engine.limitKey(order([COL4, { ...COL4 }]), { identity: { customerId: "C10001", orderId: "A-1" } });
  assert.deepEqual(key.skus, [{ sku: "COL-004", units: 2 }], "lines of one SKU summed");
  assert.ok(key.identities.length >= 3 && key.identities.every((d) => /^[0-9a-f]{16}$/.test(d)), JSON.stringify(key));
  assert.match(key.orderId, /^[0-9a-f]{16}$/);
  assert.equal(key.windowMs, 30 * 86_400_000);
  assert.equal(engine.limitKey(order([{ sku: "TEA-001", quantity: 1, unit_price: 168.0 }])), null, "nothing limited");
  // The shared answer decides, and the engine's own memory is left alone.
  // (Each check 20 minutes after the last: the same basket within the duplicate window of
  // 10 minutes is a duplicate submission, whatever `bought` says.)
  assert.equal(engine.check(order([COL4]), { now: NOW, bought: { "COL-004": 1 } }).decision, "deny");
  assert.equal(engine.check(order([COL4]), { now: "2026-11-25T10:20:00Z", bought: { "COL-004": 0 } }).decision, "allow");
  assert.equal(engine.facts(order([COL4]), { now: "2026-11-25T10:40:00Z" }).items[0].bought_in_window, 0);
  // A limited SKU the answer leaves out counts as at its limit (fail safe).
  assert.equal(engine.check(order([COL4]), { now: "2026-11-25T11:00:00Z", bought: {} }).decision, "deny");
  assert.throws(() => engine.check(order([COL4]), { now: NOW, bought: { "COL-004": -1 } }), (e) => e.path === "options.bought.COL-004");
  assert.throws(() => engine.check(order([COL4]), { now: NOW, bought: 3 }), (e) => e.path === "options.bought");
});
