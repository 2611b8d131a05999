// Benchmarks `engine.check` from JavaScript (Node): latency percentiles on the demo
// snapshot and on a generated store (100k blocklist entries, 5k SKUs, the demo's
// rules), the cost of each way across the JS↔wasm boundary, and throughput side by side
// with json-rules-engine and @gorules/zen-engine-wasm running an equivalent policy.
//
//   ./scripts/build-pkg.sh && node bench/node/check.mjs            (about a minute)
//   CG_PKG=/path/to/pkg node bench/node/check.mjs                   (another build)
//   node bench/node/check.mjs --quick                               (fewer iterations)
//
// Figures and how to read them: docs/BENCHMARKS.md.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { demoOrder } from "./demo-order.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const pkg = process.env.CG_PKG ? path.resolve(process.env.CG_PKG) : path.join(root, "pkg");
const quick = process.argv.includes("--quick");
const N = quick ? 20_000 : 200_000;

const runtime = await import(path.join(pkg, "node/index.js"));
const compiler = await import(path.join(pkg, "node/compiler.js"));
const require = createRequire(path.join(root, "package.json"));
const { Engine: RulesEngine } = require("json-rules-engine");
const zen = await import(require.resolve("@gorules/zen-engine-wasm"));
zen.initSync({
  module: readFileSync(path.join(path.dirname(require.resolve("@gorules/zen-engine-wasm")), "dist/zen_engine_wasm_bg.wasm")),
});

// ---------------------------------------------------------------------------------
// Helpers

function percentiles(fn, n) {
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(); // warm up (JIT, caches)
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    fn();
    t[i] = Number(process.hrtime.bigint() - s);
  }
  t.sort();
  const at = (q) => t[Math.min(n - 1, Math.floor(q * n))] / 1000;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

function throughput(fn, n) {
  for (let i = 0; i < Math.min(n, 20_000); i++) fn();
  const s = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - s);
  return (n / ns) * 1e9;
}

async function throughputAsync(fn, n) {
  for (let i = 0; i < Math.min(n, 2_000); i++) await fn();
  const s = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const ns = Number(process.hrtime.bigint() - s);
  return (n / ns) * 1e9;
}

const fmt = (x) => x.toFixed(2).padStart(7);
const rate = (x) => Math.round(x).toLocaleString("en-US").padStart(11);
function row(label, p) {
  console.log(`  ${label.padEnd(58)} p50 ${fmt(p.p50)} µs   p99 ${fmt(p.p99)} µs   p99.9 ${fmt(p.p999)} µs`);
}

// A tiny deterministic PRNG so every run generates the same store.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

// ---------------------------------------------------------------------------------
// Demo snapshot: a 3-line order

const NOW = Date.parse("2026-11-25T10:00:00Z");
const options = { now: NOW };

console.log(`checkout-guard ${runtime.version()} — Node ${process.version}, ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores), ${new Date().toISOString()}`);
console.log(`package: ${pkg}; ${N.toLocaleString("en-US")} timed calls per row\n`);

const demo = new runtime.Engine();
const demoVerdict = demo.check(demoOrder, options);
console.log(`demo snapshot, 3-line order → ${demoVerdict.decision} (${demoVerdict.reasons.length} reasons)`);
const orderText = JSON.stringify(demoOrder);
row("engine.check(order) — object in, object out", percentiles(() => demo.check(demoOrder, options), N));
row("JSON.parse(engine.checkJson(JSON.stringify(order))) in JS", percentiles(() => JSON.parse(demo.checkJson(JSON.stringify(demoOrder), options)), N));
row("engine.checkJson(text) — text in, text out", percentiles(() => demo.checkJson(orderText, options), N));
row("engine.check(order) without options (JS clock)", percentiles(() => demo.check(demoOrder), N));
row("JSON.stringify(order) alone", percentiles(() => JSON.stringify(demoOrder), N));
const verdictText = demo.checkJson(orderText, options);
row("JSON.parse(verdict text) alone", percentiles(() => JSON.parse(verdictText), N));

// ---------------------------------------------------------------------------------
// A generated store: 100k blocklist entries, 5k SKUs, the demo's rules

const demoDir = path.join(root, "examples/demo-store");
const policyToml = readFileSync(path.join(demoDir, "policy.toml"), "utf8");
const kinds = ["customer_id", "email", "phone", "device_id", "payment_fingerprint", "address", "ip"];
const levels = ["watch", "step_up", "block"];
const block = ["kind,value,level,reason,added_at,expires_at,note"];
const listed = [];
for (let i = 0; i < 100_000; i++) {
  const kind = kinds[i % kinds.length];
  const value =
    kind === "customer_id" ? `C${100000 + i}` :
    kind === "email" ? `user${i}@example.com` :
    kind === "phone" ? `139${String(10000000 + i).padStart(8, "0")}` :
    kind === "address" ? `浙江省杭州市西湖区文三路${i}号` :
    kind === "ip" ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` :
    `${kind}-${i}`;
  if (kind === "customer_id") listed.push(value);
  block.push(`${kind},${value},${pick(levels)},REASON_${i % 12},2026-01-01T00:00:00Z,${i % 3 ? "2027-06-01T00:00:00Z" : ""},`);
}
const categories = ["茶叶", "茶具", "收藏品", "配件", "礼盒"];
const catalog = ["sku,name,category,price,tags,max_per_order"];
const prices = new Map();
for (let i = 0; i < 5_000; i++) {
  const sku = `SKU-${String(i).padStart(5, "0")}`;
  const price = (Math.floor(rand() * 300_000) / 100).toFixed(2);
  prices.set(sku, Number(price));
  const tags = i % 50 === 0 ? "limited_edition" : i % 7 === 0 ? "high_value;gift" : "";
  catalog.push(`${sku},商品 ${i},${categories[i % categories.length]},${price},${tags},${i % 50 === 0 ? 2 : ""}`);
}
const customers = ["customer_id,account_created_at,orders_90d,refunds_90d,chargebacks_365d,addresses_90d"];
for (let i = 0; i < 20_000; i++) {
  customers.push(`C${100000 + i * 5},2024-0${1 + (i % 9)}-01T00:00:00Z,${i % 30},${i % 4},${i % 17 === 0 ? 1 : 0},${i % 6}`);
}
const files = {
  "policy.toml": policyToml,
  "blocklist.csv": block.join("\n") + "\n",
  "catalog.csv": catalog.join("\n") + "\n",
  "customers.csv": customers.join("\n") + "\n",
};
let t0 = performance.now();
// Under the published demo key (a benchmark store, not secret), so the engine loads it
// without a key argument like the demo.
const DEMO_KEY = "44bf790c46aea9942984686b39f95bf9";
const compiled = compiler.compilePolicy(files, { createdAt: "2026-11-20T00:00:00Z", key: DEMO_KEY });
const compileMs = performance.now() - t0;
// CG_WRITE_SNAPSHOT=FILE keeps the generated snapshot for bench/node/load.mjs.
if (process.env.CG_WRITE_SNAPSHOT) writeFileSync(process.env.CG_WRITE_SNAPSHOT, compiled.bytes);
t0 = performance.now();
const big = runtime.Engine.fromBytes(compiled.bytes);
const loadMs = performance.now() - t0;
const loadTimes = [];
for (let i = 0; i < 20; i++) {
  const s = performance.now();
  runtime.Engine.fromBytes(compiled.bytes).free();
  loadTimes.push(performance.now() - s);
}
loadTimes.sort((a, b) => a - b);
const info = big.info();
console.log(
  `\ngenerated store: ${info.blocklist.entries.toLocaleString("en-US")} blocklist entries, ${info.catalog_items} SKUs, ${info.customers} customers, ${info.rules} rules; snapshot ${(info.file_bytes / 1024).toFixed(0)} KiB (${info.blocklist.bytes_per_entry.toFixed(2)} B/entry)`,
);
console.log(`  compilePolicy in wasm ${compileMs.toFixed(0)} ms; Engine.fromBytes first ${loadMs.toFixed(2)} ms, median of 20 ${loadTimes[10].toFixed(2)} ms`);

// Orders: a mix of listed and unlisted customers, 1–5 lines of catalog SKUs.
const skus = [...prices.keys()];
const orders = [];
for (let i = 0; i < 1_000; i++) {
  const lines = 1 + (i % 5);
  const items = [];
  for (let l = 0; l < lines; l++) {
    const sku = pick(skus);
    items.push({ sku, quantity: 1 + (l % 2), unit_price: prices.get(sku) });
  }
  orders.push({
    order_id: `G-${i}`,
    currency: "CNY",
    customer: {
      id: i % 4 === 0 ? pick(listed) : `C${100000 + i * 5}`,
      email: i % 3 === 0 ? `user${Math.floor(rand() * 100_000)}@example.com` : `clean${i}@example.org`,
      phone: `139${String(10000000 + Math.floor(rand() * 200_000)).padStart(8, "0")}`,
      device_id: `device_id-${i}`,
      account_created_at: "2025-01-01T00:00:00Z",
    },
    shipping: { name: "张三", phone: "13800138000", province: "浙江省", city: "杭州市", district: "西湖区", line1: `文三路${i}号` },
    items,
  });
}
// CG_WRITE_ORDERS=FILE keeps them for check-loop.mjs and profile.mjs (workload.mjs).
if (process.env.CG_WRITE_ORDERS) writeFileSync(process.env.CG_WRITE_ORDERS, JSON.stringify(orders));
const big3 = orders.find((o) => o.items.length === 3);
row("big store, 3-line order: engine.check(order)", percentiles(() => big.check(big3, options), N));
let k = 0;
row("big store, 1–5-line orders (1000, mixed): engine.check(order)", percentiles(() => big.check(orders[k++ % orders.length], options), N));

// ---------------------------------------------------------------------------------
// Peers: the same policy in json-rules-engine and ZEN expressions
//
// Neither peer has a blocklist, catalog or customer store, so the caller computes the
// facts in JS (hash-map lookups, normalization, totals, issues), as it would in
// production; we time that plus the rules ("end to end"), and the rules alone.

const blockMap = new Map();
const rank = { watch: 1, step_up: 2, block: 3 };
for (const line of block.slice(1)) {
  const [kind, value, level] = line.split(",");
  const key = `${kind}:${value}`;
  if ((rank[level] ?? 0) > (rank[blockMap.get(key)] ?? 0)) blockMap.set(key, level);
}
const catalogMap = new Map();
for (const line of catalog.slice(1)) {
  const [sku, name, category, price, tags, max] = line.split(",");
  const price_ = Number(price);
  const tagList = tags ? tags.split(";") : [];
  const high = tagList.includes("high_value") || price_ >= 2000;
  const limited = tagList.includes("limited_edition");
  catalogMap.set(sku, { category, price: price_, high_value: high, limited, restricted: high || limited, max_per_order: Number(max || 0) });
}
const custMap = new Map();
for (const line of customers.slice(1)) {
  const [id, created, o, r, c, a] = line.split(",");
  custMap.set(id, { created: Date.parse(created), orders_90d: +o, refunds_90d: +r, chargebacks_365d: +c, addresses_90d: +a });
}
const levelName = ["none", "watch", "step_up", "block"];
function factsFor(order, now) {
  const c = order.customer ?? {};
  const s = order.shipping;
  const ids = [
    ["customer_id", c.id],
    ["email", c.email?.trim().toLowerCase()],
    ["phone", c.phone?.replace(/\D/g, "")],
    ["phone", s?.phone?.replace(/\D/g, "")],
    ["device_id", c.device_id],
    ["payment_fingerprint", c.payment_fingerprint],
    ["ip", c.ip],
    ["address", s ? `${s.province}${s.city}${s.district}${s.line1}` : undefined],
  ];
  let level = 0;
  for (const [kind, v] of ids) if (v) level = Math.max(level, rank[blockMap.get(`${kind}:${v}`)] ?? 0);
  const stats = custMap.get(c.id);
  const created = stats?.created ?? (c.account_created_at ? Date.parse(c.account_created_at) : NaN);
  const issues = [];
  if (!s || !s.name) issues.push("missing_recipient");
  if (s && (!s.province || !s.city || !s.line1)) issues.push("incomplete_address");
  let total = 0, count = 0;
  const items = order.items.map((it) => {
    const cat = catalogMap.get(it.sku);
    if (!cat) issues.push("unknown_sku");
    else if (it.unit_price != null && Math.abs(it.unit_price - cat.price) > 0.005) issues.push("price_mismatch");
    const price = cat?.price ?? it.unit_price ?? 0;
    total += price * it.quantity;
    count += it.quantity;
    return { sku: it.sku, quantity: it.quantity, restricted: cat?.restricted ?? false, high_value: cat?.high_value ?? false, max_per_order: cat?.max_per_order ?? 0 };
  });
  if (order.currency && order.currency.toUpperCase() !== "CNY") issues.push("currency_mismatch");
  const orders_90d = stats?.orders_90d ?? 0;
  return {
    customer: {
      level: levelName[level],
      listed: level > 0,
      known: !!stats,
      account_age_days: Number.isNaN(created) ? -1 : Math.floor((now - created) / 86_400_000),
      orders_90d,
      refunds_90d: stats?.refunds_90d ?? 0,
      refund_rate: (stats?.refunds_90d ?? 0) / Math.max(orders_90d, 1),
      chargebacks_365d: stats?.chargebacks_365d ?? 0,
      addresses_90d: stats?.addresses_90d ?? 0,
    },
    order: { total, item_count: count, issues },
    items,
  };
}

// The demo's rules, minus the duplicate memory (neither peer has state across orders) and
// the two `warn` notices, which cannot fire on this store (its list reasons are REASON_n,
// never REFUND_ABUSE, and no SKU is tagged handmade): the agreement check below holds
// the three to the same decisions on every order it runs.
const jreRules = [
  ["invalid-recipient", "deny", { any: ["missing_recipient", "incomplete_address", "invalid_phone"].map((v) => ({ fact: "order", path: "$.issues", operator: "contains", value: v })) }],
  ["order-mismatch", "deny", { any: ["unknown_sku", "price_mismatch", "currency_mismatch"].map((v) => ({ fact: "order", path: "$.issues", operator: "contains", value: v })) }],
  ["over-max-per-order", "deny", { all: [{ fact: "overMax", operator: "equal", value: true }] }],
  ["block-restricted-item", "deny", { all: [{ fact: "customer", path: "$.level", operator: "equal", value: "block" }, { fact: "anyRestricted", operator: "equal", value: true }] }],
  ["block-verify-identity", "step_up", { all: [{ fact: "customer", path: "$.level", operator: "equal", value: "block" }] }],
  ["step-up-listed", "step_up", { all: [{ fact: "customer", path: "$.level", operator: "equal", value: "step_up" }] }],
  ["watch-high-value", "step_up", { all: [{ fact: "customer", path: "$.level", operator: "equal", value: "watch" }, { any: [{ fact: "order", path: "$.total", operator: "greaterThanInclusive", value: 2000 }, { fact: "anyHighValue", operator: "equal", value: true }] }] }],
  ["chargeback-history", "step_up", { all: [{ fact: "customer", path: "$.chargebacks_365d", operator: "greaterThan", value: 0 }] }],
  ["new-account-high-value", "step_up", { all: [{ fact: "customer", path: "$.account_age_days", operator: "lessThan", value: 7 }, { fact: "order", path: "$.total", operator: "greaterThanInclusive", value: 2000 }] }],
  ["refund-abuse", "review", { all: [{ fact: "customer", path: "$.orders_90d", operator: "greaterThanInclusive", value: 4 }, { fact: "customer", path: "$.refund_rate", operator: "greaterThanInclusive", value: 0.5 }] }],
  ["bulk-then-refund", "review", { all: [{ fact: "order", path: "$.item_count", operator: "greaterThanInclusive", value: 10 }, { fact: "customer", path: "$.refunds_90d", operator: "greaterThanInclusive", value: 3 }] }],
  ["address-hopping", "review", { all: [{ fact: "customer", path: "$.addresses_90d", operator: "greaterThanInclusive", value: 5 }] }],
  ["trusted-customer", "allow", { all: [{ fact: "customer", path: "$.known", operator: "equal", value: true }, { fact: "customer", path: "$.listed", operator: "equal", value: false }, { fact: "customer", path: "$.account_age_days", operator: "greaterThanInclusive", value: 180 }, { fact: "customer", path: "$.orders_90d", operator: "greaterThanInclusive", value: 10 }, { fact: "customer", path: "$.refunds_90d", operator: "equal", value: 0 }, { fact: "customer", path: "$.chargebacks_365d", operator: "equal", value: 0 }] }],
];
const jre = new RulesEngine([], { allowUndefinedFacts: true });
jreRules.forEach(([id, action, conditions], i) => jre.addRule({ name: id, priority: 100 - i, conditions, event: { type: action, params: { rule: id } } }));
const severity = { allow: 0, review: 1, step_up: 2, deny: 3 };
function decide(fired) {
  let d = 0, allow = false;
  for (const a of fired) { if (a === "allow") allow = true; d = Math.max(d, severity[a]); }
  if (allow && d < 3) d = 0;
  return ["allow", "review", "step_up", "deny"][d];
}
async function jreCheck(order, facts = factsFor(order, NOW)) {
  const { events } = await jre.run({
    ...facts,
    anyRestricted: facts.items.some((i) => i.restricted),
    anyHighValue: facts.items.some((i) => i.high_value),
    overMax: facts.items.some((i) => i.max_per_order > 0 && i.quantity > i.max_per_order),
  });
  return decide(events.map((e) => e.type));
}

const zenExpr = `filter([
  'missing_recipient' in order.issues or 'incomplete_address' in order.issues or 'invalid_phone' in order.issues ? 'deny' : '',
  'unknown_sku' in order.issues or 'price_mismatch' in order.issues or 'currency_mismatch' in order.issues ? 'deny' : '',
  some(items, #.max_per_order > 0 and #.quantity > #.max_per_order) ? 'deny' : '',
  customer.level == 'block' and some(items, #.restricted) ? 'deny' : '',
  customer.level == 'block' ? 'step_up' : '',
  customer.level == 'step_up' ? 'step_up' : '',
  customer.level == 'watch' and (order.total >= 2000 or some(items, #.high_value)) ? 'step_up' : '',
  customer.chargebacks_365d > 0 ? 'step_up' : '',
  customer.account_age_days < 7 and order.total >= 2000 ? 'step_up' : '',
  customer.orders_90d >= 4 and customer.refund_rate >= 0.5 ? 'review' : '',
  order.item_count >= 10 and customer.refunds_90d >= 3 ? 'review' : '',
  customer.addresses_90d >= 5 ? 'review' : '',
  customer.known and not customer.listed and customer.account_age_days >= 180 and customer.orders_90d >= 10 and customer.refunds_90d == 0 and customer.chargebacks_365d == 0 ? 'allow' : ''
], # != '')`.replace(/\s+/g, " ");
const zenCheck = (order, facts = factsFor(order, NOW)) => decide(zen.evaluateExpression(zenExpr, facts));

// Sanity: the three agree on decisions for orders where the duplicate memory and the
// finer issue checks cannot matter (fresh engine, valid orders).
const fresh = runtime.Engine.fromBytes(compiled.bytes);
let agree = 0;
for (const o of orders.slice(0, 200)) {
  const ours = fresh.check(o, options).decision;
  if (ours === (await jreCheck(o)) && ours === zenCheck(o)) agree++;
}
console.log(`\npeers (same 13 rules, facts computed in JS): decisions agree with checkout-guard on ${agree}/200 generated orders`);
if (agree !== 200) {
  console.error("bench: the peers do not decide as checkout-guard does; their figures would not compare the same work");
  process.exit(1);
}

const M = quick ? 5_000 : 50_000;
k = 0;
const ours = throughput(() => big.check(orders[k++ % orders.length], options), M * 4);
k = 0;
const zenE2E = throughput(() => zenCheck(orders[k++ % orders.length]), M);
const precomputed = orders.map((o) => factsFor(o, NOW));
k = 0;
const zenRules = throughput(() => zen.evaluateExpression(zenExpr, precomputed[k++ % orders.length]), M);
k = 0;
const jreE2E = await throughputAsync(() => jreCheck(orders[k++ % orders.length]), M / 5);
k = 0;
const jreRulesOnly = await throughputAsync(() => jreCheck(null, precomputed[k++ % orders.length]), M / 5);
console.log(`  checkout-guard engine.check (facts, rules, verdict)      ${rate(ours)} checks/s`);
console.log(`  @gorules/zen-engine-wasm: facts in JS + 1 expression     ${rate(zenE2E)} checks/s   → checkout-guard ${(ours / zenE2E).toFixed(1)}×`);
console.log(`  @gorules/zen-engine-wasm: expression only (facts given)   ${rate(zenRules)} checks/s   → checkout-guard ${(ours / zenRules).toFixed(1)}×`);
console.log(`  json-rules-engine: facts in JS + engine.run               ${rate(jreE2E)} checks/s   → checkout-guard ${(ours / jreE2E).toFixed(1)}×`);
console.log(`  json-rules-engine: engine.run only (facts given)          ${rate(jreRulesOnly)} checks/s   → checkout-guard ${(ours / jreRulesOnly).toFixed(1)}×`);
