// The page's backtest against the CLI's: the test generates a batch with the page's own
// generator (www/lib.js, deterministic), runs `checkout-guard backtest --json` on the
// file, uploads the same file through the page's file input and compares the reports.
// Then the "generate" button and an edited policy's list of changed decisions.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { cli, startWithCli, scratchDirs, openPage, stopServer, read, readJson, root } from "./helpers.mjs";
import { generateBatch, parseCsv } from "../../www/lib.js";

let browser;
before(async () => { browser = await startWithCli(); });
after(async () => { await browser?.close(); stopServer(); });

// Uploaded and downloaded files live in temporary folders, removed when the tests end.
const scratchDir = scratchDirs("cg-www-");

function sampleOrders() {
  return readJson("www/samples.json").samples.map((s) => readJson(`examples/orders/${s.file}`));
}

async function waitReport(page) {
  await page.waitForSelector("#bt-results:not([hidden]) .bt-summary", { timeout: 60000 });
  return page.evaluate(() => window.__cgBacktestReport);
}

test("a backtest of an uploaded batch matches the CLI's report", async () => {
  const batch = generateBatch(sampleOrders(), parseCsv(read("examples/demo-store/catalog.csv")), { count: 3000, seed: 7 });
  const dir = scratchDir();
  const file = path.join(dir, "batch.jsonl");
  writeFileSync(file, batch.map((o) => JSON.stringify(o)).join("\n") + "\n");
  // The CLI on every core (the batch holds the gallery's limit samples: orders under a
  // purchase limit, which its parallel run judges in input order) against the page's
  // one engine.
  const expected = JSON.parse(execFileSync(cli, ["backtest", "--json", "--jobs", "4", "--baseline", path.join(root, "assets/demo-store.snapshot"), file], { encoding: "utf8", maxBuffer: 64 << 20 }));

  const { page, problems, context } = await openPage(browser);
  await page.click("#tab-backtest");
  await page.setInputFiles("#bt-file", file);
  const got = await waitReport(page);
  for (const key of ["orders", "unusable", "decisions", "rules", "reasons", "categories", "top_skus", "baseline", "changes"]) {
    assert.deepEqual(got[key], expected[key], `report.${key}`);
  }
  assert.equal(expected.orders, 3000);
  // what is on screen is that report
  assert.equal(await page.getAttribute('[data-testid="bt-orders"]', "data-value"), "3000");
  for (const d of ["allow", "warn", "review", "step_up", "deny"]) {
    assert.equal(await page.getAttribute(`[data-bt-decision="${d}"]`, "data-value"), String(expected.decisions[d]), `decision ${d}`);
  }
  for (const r of expected.rules) {
    assert.equal(await page.getAttribute(`[data-bt-rule="${r.rule}"]`, "data-value"), String(r.fired), `rule ${r.rule}`);
  }
  for (const c of expected.categories) {
    assert.equal(await page.getAttribute(`[data-bt-category="${c.category}"]`, "data-value"), String(c.lines), `category ${c.category}`);
  }
  // four charts, each with a bar per row (one per decision, warn included)
  const charts = await page.$$eval("#bt-results svg.chart", (svgs) => svgs.map((s) => s.querySelectorAll("rect.c-bar").length));
  assert.deepEqual(charts, [5, expected.rules.length, expected.categories.length, expected.top_skus.length]);
  assert.equal(await page.getAttribute('[data-testid="bt-changes"]', "data-count"), "0");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a generated batch with an edited policy lists the orders whose decision changes", async () => {
  const { page, problems, context } = await openPage(browser);
  const policy = read("examples/demo-store/policy.toml");
  const edited = policy.replace("customer.addresses_90d >= 5", "customer.addresses_90d >= 3");
  assert.notEqual(edited, policy);
  await page.fill("#source", edited);
  await page.waitForSelector("#compile-status.ok");
  await page.click("#tab-backtest");
  await page.fill("#bt-count", "2000");
  await page.click("#bt-generate");
  const rep = await waitReport(page);
  assert.equal(rep.orders, 2000);
  assert.ok(rep.changes.length > 0, "stricter address rule changes some decisions");
  assert.ok(rep.changes.every((c) => c.baseline === "allow" && c.decision === "review"), "only allow → review");
  assert.equal(await page.getAttribute('[data-testid="bt-changes"]', "data-count"), String(rep.changes.length));
  assert.ok((await page.$$("table.bt-changes tbody tr")).length > 0);
  assert.equal((await page.$$("#bt-results svg.chart")).length, 4);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a CSV file of orders is read too", async () => {
  const csv = [
    "order_id,created_at,customer_id,ship_name,ship_phone,province,city,district,line1,items",
    'CSV-1,2026-11-25T09:00:00Z,C10001,王芳,13800138101,江苏省,南京市,鼓楼区,中山北路100号,"TEA-001*2@168.00;WARE-002*1@128.00"',
    "CSV-2,2026-11-25T09:01:00Z,C10007,赵强,13800138107,浙江省,杭州市,西湖区,文三路1号,COL-001*1@1280.00",
    "CSV-3,2026-11-25T09:02:00Z,C10001,,13800138101,江苏省,南京市,鼓楼区,中山北路100号,TEA-001*1",
  ].join("\n");
  const dir = scratchDir();
  const file = path.join(dir, "orders.csv");
  writeFileSync(file, csv);
  const { page, problems, context } = await openPage(browser);
  await page.click("#tab-backtest");
  await page.setInputFiles("#bt-file", file);
  const rep = await waitReport(page);
  assert.equal(rep.orders, 3);
  assert.equal(rep.decisions.allow, 1);
  assert.equal(rep.decisions.deny, 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the downloaded snapshot of the edited policy loads in the CLI", async () => {
  const { page, problems, context } = await openPage(browser);
  const policy = read("examples/demo-store/policy.toml");
  await page.fill("#source", policy.replace("customer.addresses_90d >= 5", "customer.addresses_90d >= 3"));
  await page.waitForSelector("#compile-status.ok");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-snapshot")]);
  const dir = scratchDir();
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  const info = JSON.parse(execFileSync(cli, ["inspect", file], { encoding: "utf8" }));
  assert.equal(info.merchant, "demo-store");
  // the edit is in it: C10014 (bulk-then-refund) has 3 addresses in 90 days, so only the
  // edited address rule fires for that order
  const verdict = JSON.parse(execFileSync(cli, ["check", "--snapshot", file, "--now", "2026-11-25T10:00:00Z", path.join(root, "examples/orders/bulk-then-refund.json")], { encoding: "utf8" }));
  assert.ok(verdict.reasons.some((r) => r.rule === "address-hopping"), JSON.stringify(verdict.reasons));
  assert.deepEqual(problems, []);
  await context.close();
});
