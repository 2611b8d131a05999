// The npm package as a user gets it: `npm pack` of pkg/ (scripts/build-pkg.sh), installed
// into a scratch project, imported as ESM and required as CommonJS. Runs the conformance
// corpus through the JS API, bad inputs, atomic reloads, compilePolicy, Backtest (compiler entry) against
// the CLI, and the TypeScript types under `tsc --strict`.
//
//   ./scripts/build-pkg.sh && cargo build && node --test tests/node/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { caseOptions, caseVerdicts, corpusMismatches } from "./support/corpus.mjs";
import { installPackedPackage, loadCases, pkgDir, read, root } from "./support/package.mjs";

const cli = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "debug/checkout-guard");

let scratch;
let esm;
let compilerEsm;
let cjs;

before(() => {
  assert.ok(existsSync(path.join(pkgDir, "package.json")), `no package at ${pkgDir}: run scripts/build-pkg.sh`);
  scratch = installPackedPackage();
  writeFileSync(path.join(scratch, "esm.mjs"), 'export * from "checkout-guard";\n');
  writeFileSync(path.join(scratch, "compiler.mjs"), 'export * from "checkout-guard/compiler";\n');
  cjs = createRequire(path.join(scratch, "index.cjs"))("checkout-guard");
});

after(() => {
  if (scratch && !process.env.KEEP_SCRATCH) rmSync(scratch, { recursive: true, force: true });
});

async function load() {
  esm ??= await import(pathToFileURL(path.join(scratch, "esm.mjs")).href);
  compilerEsm ??= await import(pathToFileURL(path.join(scratch, "compiler.mjs")).href);
  return { esm, compiler: compilerEsm };
}

const cases = loadCases();

function runCorpus(api, makeEngine = () => new api.Engine()) {
  assert.deepStrictEqual(corpusMismatches(cases, caseVerdicts(api, cases, makeEngine)), []);
  return cases.length;
}

test("the conformance corpus gives the native verdicts through the ESM import", async () => {
  const { esm } = await load();
  assert.equal(runCorpus(esm), cases.length);
  assert.ok(cases.length >= 40);
});

test("the conformance corpus gives the native verdicts through require()", () => {
  assert.equal(runCorpus(cjs), cases.length);
});

test("require() works where Node cannot require() an ES module: the order writer ships as CommonJS in cjs/", (t) => {
  // Node before 20.19 has no require(esm); newer ones can be made to behave so.
  const flag = "--no-experimental-require-module";
  if (!process.allowedNodeEnvironmentFlags.has(flag)) return t.skip(`this Node has no ${flag}`);
  const script = `
    const { Engine } = require("checkout-guard");
    const { compilePolicy } = require("checkout-guard/compiler");
    const v = new Engine().check({ items: [{ sku: "TEA-001", quantity: 1 }] }, { now: Date.parse("2026-11-25T10:00:00Z") });
    process.stdout.write(v.decision + " " + typeof compilePolicy);`;
  const out = execFileSync(process.execPath, [flag, "-e", script], { cwd: scratch, encoding: "utf8" });
  assert.match(out, /^(allow|deny|review|step_up) function$/);
});

test("two runtime builds: Node's entries load the speed-tuned one (server/), the browser's the size-tuned one (web/), and both give the corpus verdicts", async () => {
  const installed = path.join(scratch, "node_modules/checkout-guard");
  const importsOf = (entry) => [...readFileSync(path.join(installed, entry), "utf8").matchAll(/from "\.\.\/(\w+)\//g)].map((m) => m[1]);
  for (const entry of ["node/index.js", "worker/index.js", "deno/index.js", "bun/index.js", "edge/index.js"]) {
    assert.deepStrictEqual([...new Set(importsOf(entry))], ["server"], entry);
  }
  const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
  assert.equal(manifest.exports["."].browser, "./web/checkout_guard.js");
  assert.equal(manifest.exports["."].default, "./web/checkout_guard.js");
  // Two different modules (opt-level "z" and 3), not one copied twice.
  const wasm = (dir) => readFileSync(path.join(installed, dir, "checkout_guard_bg.wasm"));
  assert.notDeepStrictEqual(wasm("web"), wasm("server"));
  assert.deepStrictEqual(wasm("cjs"), wasm("server"), "require() gets the speed-tuned build too");
  // The browser build, instantiated here as a page would (its own module instance), answers
  // the whole corpus as the server build does.
  const web = await import(pathToFileURL(path.join(installed, "web/checkout_guard.js")).href);
  web.initSync({ module: wasm("web") });
  assert.equal(runCorpus(web), cases.length);
});

test("every verdict equals the CLI's for the sample orders", async () => {
  const { esm } = await load();
  const now = "2026-11-25T10:00:00Z";
  const lines = read("examples/orders/all.jsonl").split("\n").filter((l) => l.trim());
  const out = spawnSync(cli, ["check", "--now", now, path.join(root, "examples/orders/all.jsonl")], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  const native = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const engine = new esm.Engine();
  const ours = engine.checkMany(lines.map((l) => JSON.parse(l)), { now });
  assert.deepStrictEqual(ours, native);
});

// `check` builds its verdict object in wasm, property by property, with the policy's
// strings made once per snapshot (src/wasm/verdict_js.rs); `checkJson` serializes with
// serde. Both must give the Contract shape byte for byte, keys in the same order.
test("check's verdict object is checkJson's verdict, key order included, fresh every time and across reloads", async () => {
  const { esm, compiler } = await load();
  const objects = new esm.Engine();
  const texts = new esm.Engine();
  let n = 0;
  for (const c of cases) {
    for (const b of [...(c.before ?? []), c]) {
      const order = b.order;
      const options = caseOptions(b);
      const verdict = objects.check(order, options);
      assert.equal(JSON.stringify(verdict), texts.checkJson(JSON.stringify(order), options), `case ${c.name}`);
      n++;
    }
  }
  assert.ok(n >= cases.length);
  // A caller may change a verdict it holds: the next one is untouched.
  const order = JSON.parse(read("examples/orders/blacklisted-limited.json"));
  // `duplicate: false`: the repeat is judged as the first was, whatever the memory holds.
  const options = { now: "2026-11-25T10:00:00Z", locale: "en", duplicate: false };
  const first = objects.check(order, options);
  const want = JSON.stringify(first);
  assert.ok(first.reasons.length > 0 && first.message !== null && first.lines.length > 1, want);
  first.reasons.push({ rule: "x" });
  first.reasons[0].lines.push(99);
  first.lines[0].sku = "changed";
  first.message.text = "changed";
  first.snapshot.merchant = "changed";
  first.verify.push("changed");
  first.warnings.push("changed");
  assert.equal(JSON.stringify(objects.check(order, options)), want);
  // After a reload the verdict names the new snapshot, never a string of the old one.
  const newer = compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-26T00:00:00Z", key: DEMO_KEY }).bytes;
  const before = objects.check(order, options).snapshot;
  objects.load(newer);
  const after = objects.check(order, options).snapshot;
  assert.notEqual(after.version, before.version);
  assert.deepStrictEqual(after, { merchant: "demo-store", version: objects.info().version, expires_at: objects.info().expires_at });
  texts.load(newer);
  assert.equal(JSON.stringify(objects.check(order, options)), texts.checkJson(JSON.stringify(order), options));
});

// The verdict's strings cross once and are then named by index (src/wasm/verdict_js.rs):
// a verdict naming more policy strings than the table keeps (512), one with more distinct
// SKUs than the recent texts' slots (256) and SKUs too long to keep must still read as checkJson's,
// on the check that fills the table, the one that starts it over and the ones after.
test("verdicts with more strings and SKUs than the tables keep read as checkJson's", async () => {
  const { esm, compiler } = await load();
  const files = demoFiles();
  for (let i = 0; i < 300; i++) {
    files["policy.toml"] += `\n[[rule]]\nid = "many-${i}"\nscope = "item"\nwhen = 'item.sku_quantity > ${i % 3}'\naction = "warn"\nreason = "MANY_${i}"\n`;
  }
  const bytes = compiler.compilePolicy(files, { createdAt: "2026-11-26T00:00:00Z", key: DEMO_KEY }).bytes;
  const objects = esm.Engine.fromBytes(bytes, { key: DEMO_KEY });
  const texts = esm.Engine.fromBytes(bytes, { key: DEMO_KEY });
  const demo = JSON.parse(read("examples/orders/blacklisted-limited.json"));
  const items = [];
  for (let i = 0; i < 600; i++) items.push({ sku: `SKU-${i}`, quantity: 1 + (i % 4), unit_price: 10 });
  // SKUs past the 512 bytes a slot keeps cross fresh every time.
  items.push({ sku: "L".repeat(513), quantity: 1, unit_price: 10 }, { sku: "长".repeat(200), quantity: 2, unit_price: 10 });
  const many = { ...demo, items };
  const options = { now: "2026-11-25T10:00:00Z", duplicate: false };
  for (const order of [many, demo, many, many, demo, { ...demo, items: items.slice(300) }]) {
    const verdict = objects.check(order, options);
    assert.equal(JSON.stringify(verdict), texts.checkJson(JSON.stringify(order), options));
  }
  assert.ok(objects.check(many, options).reasons.length > 300);
});

test("facts explain a verdict with what the rules read, without checking", async () => {
  const { esm } = await load();
  const engine = new esm.Engine();
  const order = JSON.parse(read("examples/orders/blacklisted-limited.json"));
  const facts = engine.facts(order, { now: "2026-11-25T10:00:00Z" });
  assert.equal(facts.customer.level, "block");
  assert.equal(facts.items.length, order.items.length);
  assert.ok(facts.items.some((i) => i.limited && i.restricted));
  assert.equal(facts.now, "2026-11-25T10:00:00Z");
  const reads = engine.ruleFacts();
  assert.ok(Object.values(reads).some((paths) => paths.includes("customer.level")));
  assert.equal(engine.stats().checks, 0);
  assert.throws(() => engine.facts({ items: "x" }), (e) => e instanceof Error && e.path === "items");
  engine.free();
});

test("pattern and scoped list entries through the package: an IPv4-mapped address in a listed range, a line barred by a scoped entry", async () => {
  const { esm } = await load();
  const engine = new esm.Engine();
  assert.equal(engine.info().format_version, 6);
  const order = JSON.parse(read("examples/orders/clean.json"));
  order.customer.ip = "::FFFF:198.18.7.9";
  let facts = engine.facts(order, { now: "2026-11-25T10:00:00Z" });
  assert.equal(facts.customer.level, "step_up");
  assert.deepStrictEqual(facts.customer.matched, ["ip_range"]);
  assert.deepStrictEqual(facts.customer.reasons, ["BOT_CHECKOUT"]);
  assert.equal(engine.check(order, { now: "2026-11-25T10:00:00Z" }).decision, "step_up");
  // C30001 is barred from limited editions only: the line is marked, the customer is not.
  order.customer = { id: "C30001" };
  order.items.push({ sku: "COL-001", quantity: 1, unit_price: 1280.0 });
  facts = engine.facts(order, { now: "2026-11-25T10:00:00Z" });
  assert.equal(facts.customer.level, "none");
  assert.deepStrictEqual(
    facts.items.map((i) => [i.sku, i.listed, i.list_level]),
    [["TEA-001", false, "none"], ["WARE-002", false, "none"], ["COL-001", true, "block"]],
  );
  engine.free();
});

test("stats() counts by decision, rule, reason, list reason, category and SKU; resetStats() starts afresh", async () => {
  const { esm } = await load();
  const engine = new esm.Engine();
  const options = { now: "2026-11-25T10:00:00Z" };
  const denied = engine.check(JSON.parse(read("examples/orders/blacklisted-limited.json")), options);
  assert.equal(denied.decision, "deny");
  assert.equal(engine.check(JSON.parse(read("examples/orders/clean.json")), options).decision, "allow");
  const s = engine.stats();
  assert.equal(s.checks, 2);
  assert.equal(s.allow, 1);
  assert.equal(s.deny, 1);
  for (const r of denied.reasons) assert.equal(s.rules.find((x) => x.rule === r.rule).fired, 1, r.rule);
  assert.ok(s.reasons.some((x) => x.code === "BLOCKLIST_RESTRICTED_ITEM" && x.orders === 1));
  assert.deepStrictEqual(s.list_reasons, [{ code: "DAMAGE_REFUND", orders: 1 }]);
  assert.deepStrictEqual(s.categories.find((c) => c.category === "收藏品"), { category: "收藏品", lines: 1, flagged_lines: 1, flagged_by_item_rules: 1 });
  assert.deepStrictEqual(s.top_skus.map((t) => [t.sku, t.flagged_orders, t.error]), [["COL-001", 1, 0], ["TEA-004", 1, 0]]);
  assert.equal(s.sku_counters, 2);
  engine.resetStats();
  const r = engine.stats();
  assert.equal(r.checks, 0);
  assert.equal(r.deny, 0);
  assert.deepStrictEqual([r.reasons, r.list_reasons, r.categories, r.top_skus], [[], [], [], []]);
  assert.ok(r.rules.every((x) => x.fired === 0));
  assert.equal(r.loads, 1, "loads is not a count since reset");
  engine.free();
});

test("explain gives the verdict, its facts and the rules an allow suppressed", async () => {
  const { esm } = await load();
  const order = JSON.parse(read("examples/orders/trusted-many-addresses.json"));
  // The allowlist needs the customer id bound (a verified session).
  const options = { now: "2026-11-25T10:00:00Z", identity: { customerId: "C10002" } };
  const checker = new esm.Engine();
  const verdict = checker.check(order, options);
  const engine = new esm.Engine();
  const out = engine.explain(order, options);
  assert.deepStrictEqual(out.verdict, verdict);
  assert.deepStrictEqual(out.facts, new esm.Engine().facts(order, options));
  assert.deepStrictEqual(out.suppressed, ["address-hopping"]);
  assert.equal(engine.stats().checks, 1);
  const over = engine.explain(JSON.parse(read("examples/orders/trusted-over-limit.json")), options);
  assert.equal(over.verdict.decision, "deny");
  assert.deepStrictEqual(over.suppressed, []);
  const policy = engine.info().policy;
  assert.equal(policy.currency, "CNY");
  assert.equal(policy.default_locale, "zh-CN");
  assert.equal(policy.high_value_threshold, 2000);
  assert.equal(policy.duplicate_window_seconds, 600);
  assert.equal(policy.purchase_window_seconds, 30 * 86_400);
  // The rules come from the snapshot, in policy order, as policy.toml writes them.
  const rules = policy.rules;
  const toml = read("examples/demo-store/policy.toml");
  const ids = [...toml.matchAll(/^\[\[rule\]\]\s*\nid\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
  assert.ok(ids.length > 0);
  assert.deepStrictEqual(rules.map((r) => r.id), ids);
  assert.ok(rules.some((r) => r.scope === "item"));
  assert.ok(rules.every((r) => typeof r.when === "string" && r.when.length > 0));
  checker.free();
  engine.free();
});

test("warn through the package: the notice as message, counted in stats(), suppressed by an allow", async () => {
  const { esm } = await load();
  const engine = new esm.Engine();
  const options = { now: "2026-11-25T10:00:00Z", locale: "en" };
  const v = engine.check(JSON.parse(read("examples/orders/watch-damage-notice.json")), options);
  assert.equal(v.decision, "warn");
  assert.deepStrictEqual(v.lines.map((l) => l.decision), ["warn", "allow"]);
  assert.equal(v.message.key, "damage_claims_notice");
  assert.match(v.message.text, /further claims will lead to restrictions/);
  const stats = engine.stats();
  assert.deepStrictEqual([stats.checks, stats.warn, stats.allow, stats.review], [1, 1, 0, 0]);
  // The allowlist overrides a warn like a review; explain names both.
  const trusted = engine.explain(JSON.parse(read("examples/orders/trusted-handmade.json")), { ...options, identity: { customerId: "C10002" } });
  assert.equal(trusted.verdict.decision, "allow");
  assert.deepStrictEqual(trusted.suppressed, ["address-hopping", "handmade-unboxing-notice"]);
  assert.equal(engine.stats().warn, 1);
  engine.free();
});

test("bad inputs throw Errors with a JSON path, never a verdict", async () => {
  const { esm } = await load();
  const engine = new esm.Engine();
  const cases = [
    [42, "", /expected an object/],
    ["{\"items\": []}", "", /expected an object/],
    [null, "", /expected an object/],
    [undefined, "", /expected an object/],
    [[], "", /expected an object/],
    [{}, "items", /required/],
    [{ items: "x" }, "items", /expected a list/],
    [{ items: [{ sku: "TEA-001", quantity: 1 }, { sku: "TEA-002", quantity: 1 }, { sku: "A", quantity: -2 }] }, "items[2].quantity", /expected a positive integer/],
    [{ items: [{ sku: "TEA-001", quantity: 1.5 }] }, "items[0].quantity", /positive integer/],
    [{ items: [{ sku: 7, quantity: 1 }] }, "items[0].sku", /expected a string/],
    [{ items: [], customer: "C1" }, "customer", /expected an object/],
    [{ items: [], created_at: "yesterday" }, "created_at", /RFC 3339/],
    [{ items: Array.from({ length: 5000 }, () => ({ sku: "A", quantity: 1 })) }, "items", /limit/],
    [{ items: [{ sku: "A", quantity: 1, unit_price: 1n }] }, "", /JSON/],
  ];
  for (const [order, wantPath, wantMessage] of cases) {
    assert.throws(
      () => engine.check(order),
      (e) => {
        assert.ok(e instanceof Error, "an Error");
        assert.equal(e.name, "OrderError");
        assert.equal(e.path, wantPath, `path for ${JSON.stringify(order, (k, v) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 60)}`);
        assert.match(e.message, wantMessage);
        if (wantPath) assert.ok(e.message.startsWith(`${wantPath}: `), e.message);
        return true;
      },
    );
  }
  const cyclic = { items: [] };
  cyclic.self = cyclic;
  assert.throws(() => engine.check(cyclic), (e) => e.path === "" && /JSON/.test(e.message));
  assert.throws(() => engine.check({ items: [] }, { now: "soon" }), (e) => e.path === "options.now");
  assert.throws(() => engine.check({ items: [] }, { now: {} }), (e) => e.path === "options.now");
  assert.throws(() => engine.check({ items: [] }, { locale: 5 }), (e) => e.path === "options.locale");
  assert.throws(() => engine.check({ items: [] }, 5), (e) => e.path === "options");
  assert.throws(() => engine.checkMany({}), (e) => e.name === "OrderError");
  const many = engine.checkMany([{ items: [{ sku: "TEA-001", quantity: 1 }] }, "x", { items: [{ sku: "A", quantity: 0 }] }], { now: Date.now() });
  assert.equal(typeof many[0].decision, "string");
  assert.deepStrictEqual(many[1], { error: { path: "", message: "expected an object, found a string" } });
  assert.equal(many[2].error.path, "items[0].quantity");
  // Nothing above reached the counters as a verdict.
  assert.equal(engine.stats().checks, 1);
});

test("a damaged snapshot is refused by load, and the old one keeps working", async () => {
  const { esm, compiler } = await load();
  const engine = new esm.Engine();
  const order = JSON.parse(read("examples/orders/blacklisted-limited.json"));
  const before = engine.check(order, { now: "2026-11-25T10:00:00Z" });
  // Created after the embedded demo snapshot (2026-11-25): a reload never goes back.
  const good = compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-26T00:00:00Z", key: DEMO_KEY }).bytes;
  const damaged = good.slice();
  damaged[Math.floor(damaged.length / 2)] ^= 0x55;
  for (const [bytes, kind] of [
    [damaged, "checksum_mismatch"],
    [good.slice(0, 100), null],
    [new Uint8Array(0), null],
    [new TextEncoder().encode("hello"), "bad_magic"],
  ]) {
    assert.throws(
      () => engine.load(bytes),
      (e) => e instanceof Error && e.name === "SnapshotError" && (kind === null || e.kind === kind) && typeof e.kind === "string",
    );
  }
  assert.throws(() => esm.Engine.fromBytes(damaged), (e) => e.kind === "checksum_mismatch");
  const after = engine.check(order, { now: "2026-11-25T10:00:00Z" });
  assert.deepStrictEqual(after.decision, before.decision);
  assert.equal(engine.stats().loads, 1);
  engine.load(good);
  assert.equal(engine.stats().loads, 2);
  assert.throws(() => esm.Engine.fromBytes(good, { merchant: "someone-else" }), (e) => e.kind === "wrong_merchant");
  // A swap to another merchant's snapshot is refused, naming both; the old one stays.
  assert.throws(
    () => engine.load(good, { merchant: "someone-else" }),
    (e) => e.name === "SnapshotError" && e.kind === "wrong_merchant" && e.expected === "someone-else" && e.found === "demo-store",
  );
  assert.equal(engine.stats().loads, 2);
  engine.load(good, { merchant: "demo-store" });
  assert.equal(engine.stats().loads, 3);
});

function demoFiles() {
  const dir = path.join(root, "examples/demo-store");
  return Object.fromEntries(readdirSync(dir).filter((f) => /\.(toml|csv)$/.test(f)).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));
}

/** The demo store's published key (demo only), as a key file's text. */
const DEMO_KEY = readFileSync(path.join(root, "examples/demo-store/demo.key"), "utf8");
/** A merchant key for these tests (hex of `node-test-key-16`). */
const MERCHANT_KEY = "6e6f64652d746573742d6b65792d3136";

test("compilePolicy of the demo store round-trips to an engine with the corpus verdicts", async () => {
  const { esm, compiler } = await load();
  const compiled = compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-22T00:00:00Z", key: DEMO_KEY });
  assert.ok(compiled.bytes instanceof Uint8Array);
  assert.equal(compiled.info.merchant, "demo-store");
  assert.ok(Array.isArray(compiled.warnings));
  // The same source at the same time gives the same bytes (reproducible).
  const again = compiler.compilePolicy(demoFiles(), { createdAt: Date.parse("2026-11-22T00:00:00Z"), key: DEMO_KEY });
  assert.deepStrictEqual(again.bytes, compiled.bytes);
  // The runtime module loads what the compiler module wrote.
  assert.equal(runCorpus(esm, () => esm.Engine.fromBytes(compiled.bytes)), cases.length);
  // A broken rule: a PolicyError with located diagnostics, and lintPolicy agrees.
  const files = demoFiles();
  files["policy.toml"] = files["policy.toml"].replace("customer.level == \"block\" && customer.level_certain", "customer.lvl == \"block\" && customer.level_certain");
  assert.throws(
    () => compiler.compilePolicy(files, { key: DEMO_KEY }),
    (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, "PolicyError");
      const d = e.diagnostics[0];
      assert.equal(d.code, "unknown-field");
      assert.equal(d.severity, "error");
      assert.equal(d.file, "policy.toml");
      assert.equal(d.rule, "block-restricted-item");
      assert.match(d.help, /level/);
      assert.ok(d.spans[0].line > 1 && d.spans[0].column > 1);
      assert.deepStrictEqual(compiler.lintPolicy(files), e.diagnostics);
      return true;
    },
  );
  assert.throws(() => compiler.compilePolicy("policy.toml"), (e) => e.path === "files");
  assert.deepStrictEqual(compiler.lintPolicy(demoFiles()).filter((d) => d.severity === "error"), []);
});

test("reviewPolicy gives the report of `checkout-guard review --json`, and refuses bad input", async () => {
  const { esm, compiler } = await load();
  const now = "2026-11-25T10:00:00Z";
  const cliReport = (dir, ...args) => {
    const out = spawnSync(cli, ["review", "--now", now, "--json", ...args, path.join(root, dir)], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout);
  };
  const report = compiler.reviewPolicy(demoFiles(), { now });
  assert.deepStrictEqual(report, cliReport("examples/demo-store"));
  assert.equal(report.entries, 34);
  assert.equal(report.never_expiring.block + report.never_expiring.step_up + report.never_expiring.watch, 12);
  assert.deepStrictEqual(report.candidates.map((c) => c.customer_id), ["C10002", "C10004", "C10005", "C10011"]);
  // A Date and a window, as the page passes them.
  const fixture = Object.fromEntries(["policy.toml", "blocklist.csv", "customers.csv"].map((f) => [f, read(`tests/fixtures/review-store/${f}`)]));
  assert.deepStrictEqual(
    compiler.reviewPolicy(fixture, { now: new Date(now), within: "20d" }),
    cliReport("tests/fixtures/review-store", "--within", "20d"),
  );
  // Bad input: a PolicyError with diagnostics, a usage error naming the option.
  const files = demoFiles();
  files["policy.toml"] = files["policy.toml"].replace("customer.chargebacks_365d > 0", "customer.chargebacks > 0");
  assert.throws(
    () => compiler.reviewPolicy(files, { now }),
    (e) => e.name === "PolicyError" && e.diagnostics.some((d) => d.code === "unknown-field"),
  );
  assert.throws(() => compiler.reviewPolicy(demoFiles(), { now, within: "30" }), (e) => e.path === "options.within");
  assert.throws(() => compiler.reviewPolicy(demoFiles(), { now, within: "0d" }), (e) => e.path === "options.within");
  // Only the compiler entry reviews: a checkout never holds a policy source.
  assert.equal(esm.reviewPolicy, undefined);
});

test("verify_mode = \"all\" through the package: each method is its own open group until all are done", async () => {
  const { esm, compiler } = await load();
  const files = demoFiles();
  const listed = 'verify  = ["sms_otp"]\nreason  = "BLOCKLIST_STEP_UP"';
  assert.ok(files["policy.toml"].includes(listed));
  // Two methods and no verify_mode: a lint warning (read as any-of).
  files["policy.toml"] = files["policy.toml"].replace(listed, listed.replace('["sms_otp"]', '["sms_otp", "id_check"]'));
  const implicit = compiler.lintPolicy(files).filter((d) => d.code === "verify-mode-implicit");
  assert.equal(implicit.length, 1);
  assert.equal(implicit[0].severity, "warning");
  assert.equal(implicit[0].rule, "step-up-listed");
  files["policy.toml"] = files["policy.toml"].replace('["sms_otp", "id_check"]\n', '["sms_otp", "id_check"]\nverify_mode = "all"\n');
  assert.deepStrictEqual(compiler.lintPolicy(files).filter((d) => d.code.startsWith("verify-mode")), []);
  const { bytes, info } = compiler.compilePolicy(files, { createdAt: "2026-11-22T00:00:00Z", key: DEMO_KEY });
  assert.equal(info.format_version, 6); // rules stored compiled (4 on), messages are templates (5), the list has pattern and scoped entries (6)
  const order = JSON.parse(read("examples/orders/multi-verify.json"));
  const check = (verified) => {
    const engine = esm.Engine.fromBytes(bytes, { key: DEMO_KEY });
    const verdict = engine.check({ ...order, verified }, { now: "2026-11-25T10:00:00Z" });
    engine.free();
    return verdict;
  };
  let v = check([]);
  assert.equal(v.decision, "step_up");
  assert.deepStrictEqual(v.verify, ["sms_otp", "id_check"]);
  assert.deepStrictEqual(v.verify_required, [["sms_otp"], ["id_check"]]);
  v = check(["sms_otp"]);
  assert.equal(v.decision, "step_up", "one of two methods does not clear an all rule");
  assert.deepStrictEqual(v.verify_required, [["id_check"]]);
  assert.deepStrictEqual(v.reasons.map((r) => r.rule), ["step-up-listed", "chargeback-history"]);
  v = check(["id_check", "sms_otp"]);
  assert.equal(v.decision, "allow");
  assert.deepStrictEqual(v.verify_required, []);
});

test("a deny message is filled per check: list reason, expiry, appeal address and case reference", async () => {
  const { esm, compiler } = await load();
  const engine = new esm.Engine();
  const options = { now: "2026-11-25T10:00:00Z", locale: "en", duplicate: false };
  const order = JSON.parse(read("examples/orders/blacklisted-limited.json"));
  const v = engine.check(order, options);
  assert.equal(v.decision, "deny");
  assert.equal(v.message.key, "blocked_restricted");
  assert.equal(
    v.message.text,
    "Sorry, because of repeated damaged-item refund claims, this account cannot buy limited-edition or high-value items until 2 March 2027; the other items in your order are not affected. If you believe this is a mistake, appeal to service@demo-store.example quoting case YJQT-Y0VX and we will answer within 3 business days.",
  );
  // Another order of the same customer: another case reference, never the cached text
  // of the first check; the text writer and the object writer agree.
  const other = { ...order, order_id: "DS-OTHER-1" };
  const w = engine.check(other, options);
  assert.match(w.message.text, /until 2 March 2027/);
  assert.doesNotMatch(w.message.text, /YJQT-Y0VX/);
  assert.match(w.message.text, /quoting case [0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4} /);
  assert.equal(JSON.stringify(engine.check(other, options)), engine.checkJson(JSON.stringify(other), options));
  // An entry that never expires shows the fallback, in Chinese too.
  const stolen = engine.check(JSON.parse(read("examples/orders/payment-block-limited.json")), { ...options, locale: "zh-CN" });
  assert.match(stolen.message.text, /^很抱歉，由于发卡行报告了可疑付款，您的账户在另行通知前无法购买/);
  engine.free();
  // The compiler refuses an unknown placeholder where it stands.
  const files = demoFiles();
  files["policy.toml"] = files["policy.toml"].replace("quoting case {case}", "quoting case {cas}");
  const line = files["policy.toml"].split("\n").findIndex((l) => l.includes("{cas}")) + 1;
  assert.throws(
    () => compiler.compilePolicy(files, { key: DEMO_KEY }),
    (e) => {
      const d = e.diagnostics.find((x) => x.code === "message-placeholder");
      assert.ok(d, JSON.stringify(e.diagnostics));
      assert.equal(d.spans[0].line, line);
      assert.match(d.message, /unknown placeholder `\{cas\}`/);
      assert.match(d.help, /`reason`, `expires`, `appeal`, `case`/);
      return true;
    },
  );
});

test("compilePolicy and lintPolicy count entries per file, and a missing closing quote is a warning", async () => {
  const { compiler } = await load();
  const entries = { "blocklist.csv": 34, "catalog.csv": 33, "customers.csv": 20 };
  assert.deepStrictEqual(compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-22T00:00:00Z", key: DEMO_KEY }).entries, entries);
  assert.deepStrictEqual(compiler.lintPolicy(demoFiles()).entries, entries);
  // One closing quote removed: the note of line 2 swallows the next three rows.
  const files = demoFiles();
  const intact = files["blocklist.csv"];
  files["blocklist.csv"] = intact.replace("已书面告知\",\n", "已书面告知,\n");
  assert.notEqual(files["blocklist.csv"], intact);
  const lint = compiler.lintPolicy(files);
  const [d] = lint.filter((x) => x.code === "csv-multiline");
  assert.equal(d.severity, "warning");
  assert.equal(d.file, "blocklist.csv");
  assert.deepStrictEqual([d.spans[0].line, d.spans[0].column], [2, 82]);
  assert.equal(lint.entries["blocklist.csv"], 31);
  // Many rows with a problem each: 100 listed, then one summary.
  const rows = Array.from({ length: 40000 }, (_, i) => `email,no-at-sign-${i},watch,R,,,`).join("\n");
  const many = compiler.lintPolicy({ "policy.toml": files["policy.toml"], "blocklist.csv": `kind,value,level,reason,added_at,expires_at,note\n${rows}\n` });
  const inFile = many.filter((x) => x.file === "blocklist.csv");
  assert.equal(inFile.length, 101);
  assert.equal(inFile[100].code, "too-many-diagnostics");
  assert.equal(inFile[100].message, "39900 more problems in this file not shown (0 errors, 39900 warnings)");
});

test("a merchant snapshot is useless without its key: refused without it or with another, typed", async () => {
  const { esm, compiler } = await load();
  // No key: compilePolicy refuses and points to keygen.
  assert.throws(
    () => compiler.compilePolicy(demoFiles()),
    (e) => e.name === "PolicyError" && e.diagnostics[0].code === "key-required" && /keygen/.test(e.diagnostics[0].help),
  );
  // Created after the embedded demo snapshot, which `demo.load(bytes)` below replaces.
  const bytes = compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-26T00:00:00Z", key: MERCHANT_KEY }).bytes;
  // The key is nowhere in the file.
  const raw = Buffer.from(MERCHANT_KEY, "hex");
  assert.equal(Buffer.from(bytes).indexOf(raw), -1);
  assert.equal(Buffer.from(bytes).indexOf(Buffer.from(MERCHANT_KEY)), -1);
  assert.throws(() => esm.Engine.fromBytes(bytes), (e) => e.name === "SnapshotError" && e.kind === "key_required");
  assert.throws(() => esm.Engine.fromBytes(bytes, { key: DEMO_KEY }), (e) => e.name === "SnapshotError" && e.kind === "wrong_key");
  assert.throws(() => new compiler.Backtest(bytes), (e) => e.kind === "key_required");
  assert.throws(() => esm.Engine.fromBytes(bytes, { key: "abc" }), (e) => e.path === "options.key");
  // A listed customer is found only with the merchant's key.
  const order = JSON.parse(read("examples/orders/blacklisted-limited.json"));
  const engine = esm.Engine.fromBytes(bytes, { key: MERCHANT_KEY });
  assert.equal(engine.check(order, { now: "2026-11-25T10:00:00Z" }).decision, "deny");
  assert.equal(esm.Engine.fromBytes(bytes, { key: new Uint8Array(raw) }).check(order, { now: "2026-11-25T10:00:00Z" }).decision, "deny");
  // A refused swap keeps the snapshot in use.
  const demo = new esm.Engine();
  assert.throws(() => demo.load(bytes), (e) => e.kind === "key_required");
  assert.throws(() => demo.load(bytes, { key: DEMO_KEY }), (e) => e.kind === "wrong_key");
  assert.equal(demo.info().merchant, "demo-store");
  assert.equal(demo.stats().loads, 1);
  demo.load(bytes, { key: MERCHANT_KEY });
  assert.equal(demo.stats().loads, 2);
  assert.ok(new compiler.Backtest(bytes, bytes, { key: MERCHANT_KEY }));
});

/** The committed signed fixture: `v4-minimal.snapshot` signed by the test key `signing.key`. */
const SIGNED = readFileSync(path.join(root, "tests/fixtures/v4-minimal-signed.snapshot"));
const UNSIGNED = readFileSync(path.join(root, "tests/fixtures/v4-minimal.snapshot"));
const FIXTURE_KEY = read("tests/fixtures/v2-minimal.key");
const PUBLIC_KEY = read("tests/fixtures/signing.key.pub");

/** `tests/fixtures/minimal` compiled and signed by the CLI at `createdAt` (RFC 3339). */
function signedAt(dir, createdAt) {
  const out = path.join(dir, `${createdAt.replace(/:/g, "")}.snapshot`);
  execFileSync(cli, ["compile", path.join(root, "tests/fixtures/minimal"), "--key", path.join(root, "tests/fixtures/v2-minimal.key"),
    "--sign", path.join(root, "tests/fixtures/signing.key"), "--created-at", createdAt, "-o", out], { stdio: "pipe" });
  return readFileSync(out);
}

test("with { publicKey } only a verified signature loads; `signed` only after verification", async () => {
  const { esm, compiler } = await load();
  const withKey = { key: FIXTURE_KEY, publicKey: PUBLIC_KEY };
  const engine = esm.Engine.fromBytes(SIGNED, withKey);
  assert.equal(engine.info().signed, true);
  assert.equal(engine.info().signature_present, true);
  // The public key as its 32 bytes works too.
  assert.equal(esm.Engine.fromBytes(SIGNED, { key: FIXTURE_KEY, publicKey: new Uint8Array(Buffer.from(PUBLIC_KEY.trim(), "hex")) }).info().signed, true);
  // Without a public key a signature is not trusted.
  const unverified = esm.Engine.fromBytes(SIGNED, { key: FIXTURE_KEY }).info();
  assert.equal(unverified.signed, false);
  assert.equal(unverified.signature_present, true);
  // Unsigned, junk-signed, tampered (checksum recomputed), truncated: refused, typed.
  assert.throws(() => esm.Engine.fromBytes(UNSIGNED, withKey), (e) => e.name === "SnapshotError" && e.kind === "signature_required" && /compile --sign/.test(e.message));
  const junk = Buffer.from(SIGNED);
  junk.fill(0xab, junk.length - 64);
  assert.throws(() => esm.Engine.fromBytes(junk, withKey), (e) => e.kind === "bad_signature");
  // The first rule weakened and the checksum recomputed (tests/signature.rs makes it): it
  // loads without a public key, and is refused with one.
  const tampered = readFileSync(path.join(root, "tests/fixtures/v4-minimal-signed-tampered.snapshot"));
  assert.equal(esm.Engine.fromBytes(tampered, { key: FIXTURE_KEY }).info().signed, false);
  assert.throws(() => esm.Engine.fromBytes(tampered, withKey), (e) => e.kind === "bad_signature");
  assert.throws(() => esm.Engine.fromBytes(SIGNED.subarray(0, SIGNED.length - 1), withKey), (e) => e.kind === "length_mismatch");
  // Another key's signature.
  const other = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  assert.throws(() => esm.Engine.fromBytes(SIGNED, { key: FIXTURE_KEY, publicKey: other }), (e) => e.kind === "bad_signature");
  // A malformed public key is a usage error at its path.
  assert.throws(() => esm.Engine.fromBytes(SIGNED, { key: FIXTURE_KEY, publicKey: "abc" }), (e) => e.path === "options.publicKey");
  assert.throws(() => esm.Engine.fromBytes(SIGNED, { key: FIXTURE_KEY, publicKey: new Uint8Array(16) }), (e) => e.path === "options.publicKey");
  // Backtest verifies both snapshots.
  assert.ok(new compiler.Backtest(SIGNED, SIGNED, withKey));
  assert.throws(() => new compiler.Backtest(SIGNED, UNSIGNED, withKey), (e) => e.kind === "signature_required");
  // A refused load keeps the verified snapshot serving.
  assert.throws(() => engine.load(UNSIGNED, withKey), (e) => e.kind === "signature_required");
  assert.throws(() => engine.load(junk, withKey), (e) => e.kind === "bad_signature");
  assert.equal(engine.info().signed, true);
  assert.equal(engine.stats().loads, 1);
});

test("the runtime refuses a format-2 snapshot (rules only as text) with the remedy; the compiler entry still reads it", async () => {
  const { esm, compiler } = await load();
  const v2 = readFileSync(path.join(root, "tests/fixtures/v2-minimal.snapshot"));
  assert.throws(
    () => esm.Engine.fromBytes(v2, { key: FIXTURE_KEY }),
    (e) => e.name === "SnapshotError" && e.kind === "rules_as_text" && /checkout-guard compile/.test(e.message),
  );
  const engine = esm.Engine.fromBytes(UNSIGNED, { key: FIXTURE_KEY });
  assert.throws(() => engine.load(v2, { key: FIXTURE_KEY, force: true }), (e) => e.kind === "rules_as_text");
  assert.equal(engine.info().format_version, 4);
  assert.ok(new compiler.Backtest(v2, UNSIGNED, { key: FIXTURE_KEY }));
});

test("load refuses to roll back unless { force: true }, and the old snapshot keeps serving", async () => {
  const { esm } = await load();
  const dir = mkdtempSync(path.join(tmpdir(), "checkout-guard-signed-"));
  try {
    const withKey = { key: FIXTURE_KEY, publicKey: PUBLIC_KEY };
    const older = signedAt(dir, "2026-11-24T00:00:00Z");
    const newer = signedAt(dir, "2026-11-26T00:00:00Z");
    const engine = esm.Engine.fromBytes(SIGNED, withKey); // created 2026-11-25
    const order = { order_id: "o-1", customer: { id: "C-666" }, items: [{ sku: "TEA-099", quantity: 1 }] };
    assert.equal(engine.check(order, { now: "2026-11-25T10:00:00Z" }).decision, "deny");
    assert.throws(
      () => engine.load(older, withKey),
      (e) => e.name === "SnapshotError" && e.kind === "rollback" && e.serving === "2026-11-25T00:00:00Z" && e.offered === "2026-11-24T00:00:00Z",
    );
    assert.equal(engine.info().created_at, "2026-11-25T00:00:00Z");
    assert.equal(engine.stats().loads, 1);
    assert.equal(engine.check(order, { now: "2026-11-25T10:00:00Z" }).decision, "deny");
    engine.load(SIGNED, withKey); // the same bytes again: fine
    engine.load(newer, withKey);
    assert.equal(engine.info().created_at, "2026-11-26T00:00:00Z");
    assert.throws(() => engine.load(older, { ...withKey, force: "yes" }), (e) => e.path === "options.force");
    engine.load(older, { ...withKey, force: true });
    assert.equal(engine.info().created_at, "2026-11-24T00:00:00Z");
    assert.equal(engine.info().signed, true);
    // Force never bypasses the signature.
    assert.throws(() => engine.load(UNSIGNED, { key: FIXTURE_KEY, publicKey: PUBLIC_KEY, force: true }), (e) => e.kind === "signature_required");
    assert.equal(engine.stats().loads, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a public snapshot loads without a key in Node (ESM and CommonJS), and its hits are uncertain", async () => {
  const { esm, compiler } = await load();
  const compiled = compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-22T00:00:00Z", key: MERCHANT_KEY, profile: "public" });
  assert.equal(compiled.info.profile, "public");
  assert.throws(() => compiler.compilePolicy(demoFiles(), { key: MERCHANT_KEY, profile: "secret" }), (e) => e.path === "options.profile");
  const order = JSON.parse(read("examples/orders/payment-block-limited.json"));
  const now = "2026-11-25T10:00:00Z";
  for (const api of [esm, cjs]) {
    const engine = api.Engine.fromBytes(compiled.bytes); // no key: a browser has none
    const info = engine.info();
    assert.equal(info.profile, "public");
    assert.equal(info.customers, 0);
    const phone = info.blocklist.public.find((k) => k.kind === "phone");
    assert.ok(phone.anonymity_set >= 100, JSON.stringify(phone));
    const facts = engine.facts(order, { now });
    assert.equal(facts.customer.level, "block");
    assert.equal(facts.customer.level_certain, false);
    assert.deepStrictEqual(facts.customer.reasons, []);
    // The private snapshot denies this order; the public one steps up and leaves the decision to the edge.
    const verdict = engine.check(order, { now });
    assert.equal(verdict.decision, "step_up");
    assert.deepStrictEqual(verdict.verify, ["id_check"]);
    engine.free();
  }
  // The private one needs the key (and denies).
  const priv = compiler.compilePolicy(demoFiles(), { createdAt: "2026-11-22T00:00:00Z", key: MERCHANT_KEY }).bytes;
  assert.equal(esm.Engine.fromBytes(priv, { key: MERCHANT_KEY }).check(order, { now }).decision, "deny");
});

test("the runtime entry has no Backtest: it ships in checkout-guard/compiler only", async () => {
  const { esm, compiler } = await load();
  // A checkout or an edge worker never backtests; the runtime's wasm is smaller without it.
  assert.equal(esm.Backtest, undefined);
  assert.equal(cjs.Backtest, undefined);
  assert.equal(typeof compiler.Backtest, "function");
  assert.equal(typeof createRequire(path.join(scratch, "index.cjs"))("checkout-guard/compiler").Backtest, "function");
  // The types follow: the runtime's .d.ts declares neither the class nor its report.
  const types = (name) => readFileSync(path.join(scratch, "node_modules/checkout-guard/web", name), "utf8");
  assert.doesNotMatch(types("checkout_guard.d.ts"), /class Backtest|BacktestReport|BacktestOptions/);
  assert.match(types("checkout_guard_compiler.d.ts"), /class Backtest/);
  assert.match(types("checkout_guard_compiler.d.ts"), /interface BacktestReport/);
});

test("Backtest (checkout-guard/compiler) of the sample orders equals `checkout-guard backtest --json`", async () => {
  const { compiler } = await load();
  const file = path.join(root, "examples/orders/all.jsonl");
  const out = spawnSync(cli, ["backtest", "--json", file], { encoding: "utf8" });
  assert.ok(out.stdout, `${cli}: ${out.stderr}`);
  const native = JSON.parse(out.stdout);
  // In chunks, as a page showing progress would.
  const lines = readFileSync(file, "utf8").split("\n");
  const bt = new compiler.Backtest(null, null);
  let added = 0;
  for (let i = 0; i < lines.length; i += 10) added += bt.addJsonLines(lines.slice(i, i + 10).join("\n"));
  assert.equal(added, native.orders + native.unusable);
  assert.deepStrictEqual(bt.finish(), native);
  assert.throws(() => bt.finish(), /finished/);
  // Object input gives the same report.
  const objects = new compiler.Backtest();
  for (const l of lines.filter((l) => l.trim())) objects.add(JSON.parse(l));
  assert.deepStrictEqual(objects.finish(), native);
});

test("the TypeScript types compile a checkout under tsc --strict", () => {
  copyFileSync(path.join(root, "tests/node/types/consumer.ts"), path.join(scratch, "consumer.ts"));
  writeFileSync(
    path.join(scratch, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom", "esnext.disposable"], skipLibCheck: false },
      files: ["consumer.ts"],
    }),
  );
  const tsc = path.join(root, "node_modules/.bin/tsc");
  const out = spawnSync(tsc, ["--noEmit", "--strict", "-p", scratch], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stdout + out.stderr);
});
