// Stock and purchase limits on the demo page (issue 11 item 8): the store view's stock
// and per-customer limit columns and the policy's purchase window; in the playground an
// out-of-stock order shows the `out_of_stock` issue, and "Record as bought" remembers an
// allowed order's limited SKUs in the page (keyed by `engine.limitKey()`, passed back as
// `bought`), so that the customer's next order of that SKU — under another spelling of
// the same phone too — is over its `max_per_customer`. The page's verdicts are compared
// with the package's own (its purchase memory inside one engine), in Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { launch, openPage, pageUrl, stopServer, readJson, root, waitDecision } from "./helpers.mjs";

const out = path.join(root, process.env.UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : "target/screenshots");
const NOW = readJson("www/samples.json").now;
let browser;
let cg;
before(async () => {
  mkdirSync(out, { recursive: true });
  cg = createRequire(import.meta.url)(path.join(root, "pkg/cjs/checkout_guard.cjs"));
  await pageUrl();
  browser = await launch();
});
after(async () => { await browser?.close(); stopServer(); });

const order = (file) => readJson(`examples/orders/${file}`);
/** What a verdict says, without the snapshot it names (the page compiles its own). */
const gist = (v) => ({ decision: v.decision, reasons: v.reasons, lines: v.lines, message: v.message });
const shownVerdict = async (page) => JSON.parse(await page.textContent('#verdict [data-testid="verdict-json"]'));
const issuesShown = (page) => page.$$eval('#verdict [data-testid="issues"] .chip.issue', (els) => els.map((e) => [e.dataset.issue, e.textContent]));
const countShown = async (page) => Number(await page.getAttribute('#verdict [data-testid="purchases-count"]', "data-count"));
const boughtShown = (page) => page.$$eval('#verdict [data-testid="customer-limit"]', (els) => els.map((e) => Number(e.dataset.bought)));

/** Replaces the order in the JSON view with `o` and waits for its verdict. */
async function setOrder(page, o, decision) {
  await page.click('.order-view[data-view="json"]');
  await page.fill("#order-json", JSON.stringify(o, null, 2));
  return waitDecision(page, decision);
}

test("an out-of-stock order shows the out_of_stock issue, in both languages", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "out-of-stock.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  const engine = new cg.Engine();
  const expected = engine.explain(order("out-of-stock.json"), { now: NOW, locale: "en" });
  assert.deepEqual(expected.facts.order.issues, ["out_of_stock"]);
  assert.deepEqual(gist(await shownVerdict(page)), gist(expected.verdict));
  assert.deepEqual(await issuesShown(page), [["out_of_stock", "out of stock out_of_stock"]]);
  assert.equal(await page.textContent('#verdict [data-testid="out-of-stock"]'), "out of stock: 0 in stock, 1 ordered");
  assert.deepEqual(await page.$$eval("#verdict li.reason", (els) => els.map((e) => e.dataset.rule)), ["out-of-stock"]);
  await page.click('.lang-btn[data-lang="zh-CN"]');
  await waitDecision(page, "deny");
  assert.deepEqual(await issuesShown(page), [["out_of_stock", "库存不足 out_of_stock"]]);
  assert.equal(await page.textContent('#verdict [data-testid="out-of-stock"]'), "库存不足：库存 0，本单 1");
  // nothing limited in it: no purchase memory to show
  assert.equal(await page.$('#verdict [data-testid="purchases"]'), null);
  engine.free();
  assert.deepEqual(problems, []);
  await context.close();
});

test("a purchase recorded in the page limits the customer's next order of the SKU", async () => {
  const { page, problems, context } = await openPage(browser);
  const first = order("limit-first.json"); // C10001: COL-004 × 1 (max 1 per customer) + TEA-001
  const second = order("limit-second.json"); // C10001 again: COL-004 × 1
  // the package, its purchase memory inside one engine: what the page must agree with
  const engine = new cg.Engine();
  const firstVerdict = engine.check(first, { now: NOW, locale: "en" });
  const secondVerdict = engine.check(second, { now: NOW, locale: "en" });
  assert.equal(firstVerdict.decision, "allow");
  assert.equal(secondVerdict.decision, "deny");
  assert.deepEqual(secondVerdict.reasons.map((r) => [r.rule, r.lines]), [["over-customer-limit", [0]]]);

  await page.selectOption("#sample", "limit-first.json");
  assert.equal(await waitDecision(page, "allow"), "allow");
  assert.deepEqual(gist(await shownVerdict(page)), gist(firstVerdict));
  assert.equal(await countShown(page), 0);
  assert.deepEqual(await boughtShown(page), [0]);
  assert.equal(await page.textContent('#verdict [data-testid="customer-limit"]'), "max 1 per customer: 0 bought + 1 now");
  await page.click('#verdict [data-testid="record-purchase"]');
  await page.waitForSelector('#verdict [data-testid="purchases-count"][data-count="1"]');
  assert.match(await page.textContent('#verdict [data-testid="purchases-count"]'), /: 1 \(COL-004 ×1\)$/);

  // the next order of COL-004: over the limit, as the package's own memory says
  await page.selectOption("#sample", "limit-second.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  assert.deepEqual(gist(await shownVerdict(page)), gist(secondVerdict));
  assert.deepEqual(await issuesShown(page), [["over_customer_limit", "over the per-customer limit over_customer_limit"]]);
  // the sample's earlier order, an hour before the purchase recorded at the check time,
  // did not see it and was allowed too: both count
  assert.deepEqual(await boughtShown(page), [2]);
  assert.equal(await page.$('#verdict [data-testid="record-purchase"]'), null, "a denied order is not recorded");
  await page.click("#before-note .link-btn"); // without it: the page's purchase alone
  await page.waitForSelector("#before-note", { state: "hidden" });
  assert.equal(await waitDecision(page, "deny"), "deny");
  assert.deepEqual(await boughtShown(page), [1]);
  assert.deepEqual(gist(await shownVerdict(page)), gist(secondVerdict));

  // another account, with C10001's phone written another way and nothing else shared: the
  // same limitKey identity, so the same count
  const other = structuredClone(second);
  other.order_id = "DS-20261125-0199";
  other.customer = { id: "C99009", email: "someone.else@example.com", phone: "+86 138-0013-8101", device_id: "dev-c99009", payment_fingerprint: "pf_c99009" };
  other.shipping = { ...other.shipping, name: "赵六", phone: "+86 138 0013 8101", line1: "汉中路8号" };
  const digests = (o) => engine.limitKey(o).identities;
  assert.ok(digests(other).some((d) => digests(first).includes(d)), "the phone is one of both orders' identities");
  assert.equal(await setOrder(page, other, "deny"), "deny");
  assert.deepEqual(await boughtShown(page), [1]);
  // the same order past the purchase window (30 days): allowed
  await page.fill("#now", "2026-12-26T10:00:00Z");
  assert.equal(await waitDecision(page, "allow"), "allow");
  assert.deepEqual(await boughtShown(page), [0]);
  await page.fill("#now", NOW);
  assert.equal(await waitDecision(page, "deny"), "deny");

  // Clear: the memory is empty and the order goes through
  await page.click('#verdict [data-testid="clear-purchases"]');
  assert.equal(await waitDecision(page, "allow"), "allow");
  assert.equal(await countShown(page), 0);
  engine.free();
  assert.deepEqual(problems, []);
  await context.close();
});

test("a re-check under the same bound order id replaces its purchase", async () => {
  const { page, problems, context } = await openPage(browser, { lang: "zh-CN" });
  await page.selectOption("#sample", "limit-first.json");
  await waitDecision(page, "allow");
  await page.check("#f-session");
  await waitDecision(page, "allow");
  await page.click('#verdict [data-testid="record-purchase"]');
  await page.waitForSelector('#verdict [data-testid="purchases-count"][data-count="1"]');
  // the order id is bound: this order is not counted against itself, recorded once
  assert.equal(await waitDecision(page, "allow"), "allow");
  assert.deepEqual(await boughtShown(page), [0]);
  assert.match(await page.textContent('#verdict [data-testid="purchases"]'), /替换那次购买/);
  await page.click('#verdict [data-testid="record-purchase"]');
  assert.equal(await countShown(page), 1);
  // another order id: a second order, over the limit
  const again = order("limit-first.json");
  again.order_id = "DS-20261125-0198";
  assert.equal(await setOrder(page, again, "deny"), "deny");
  assert.deepEqual(await boughtShown(page), [1]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the store view shows stock, the per-customer limit and the purchase window", async () => {
  for (const lang of ["en", "zh-CN"]) {
    const { page, problems, context } = await openPage(browser, { lang });
    await page.click("#tab-store");
    const rows = await page.$$eval("#catalog-table tbody tr", (trs) => Object.fromEntries(trs.map((tr) => {
      const td = [...tr.children].map((c) => c.textContent);
      return [td[0], td.slice(6)];
    })));
    const en = lang === "en";
    assert.deepEqual(await page.$$eval("#catalog-table th", (ths) => ths.slice(6).map((h) => h.textContent)), en ? ["Stock", "Max / customer"] : ["库存", "每人限购"]);
    assert.deepEqual(rows["WARE-006"], [en ? "0sold out" : "0已售罄", en ? "—no limit" : "—不限"]);
    assert.deepEqual(rows["COL-004"], ["300", en ? "1 / 30 days" : "1 / 30 天"]);
    assert.deepEqual(rows["COL-001"], [en ? "—not tracked" : "—不跟踪库存", en ? "4 / 30 days" : "4 / 30 天"]);
    assert.deepEqual(rows["COL-003"], ["1", en ? "—no limit" : "—不限"]);
    assert.match(await page.textContent('[data-testid="policy-settings"]'), en ? /purchase window 30 days/ : /购买窗口 30 天/);
    assert.match(await page.textContent("#limits-note"), en ? /purchase window of 30 days/ : /购买窗口（30 天）内/);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

const shot = (page, name) => page.screenshot({ path: path.join(out, name) });

test("screenshots: limits at 1280×800 and 390×844", async () => {
  for (const [width, height, lang] of [[1280, 800, "en"], [390, 844, "zh-CN"]]) {
    const { page, problems, context } = await openPage(browser, { width, height, lang });
    await page.selectOption("#sample", "limit-first.json");
    await waitDecision(page, "allow");
    await page.click('#verdict [data-testid="record-purchase"]');
    await page.selectOption("#sample", "limit-second.json");
    await waitDecision(page, "deny");
    await page.$eval("#verdict-card", (el) => window.scrollBy(0, el.getBoundingClientRect().top - 70));
    await shot(page, `limits-${width}x${height}.png`);
    await page.click("#tab-store");
    await page.$eval("#catalog-table", (el) => el.closest(".card").scrollIntoView({ block: "start" }));
    await page.evaluate(() => window.scrollBy(0, -70));
    // the stock and limit columns, at the table's right end
    await page.$eval("#catalog-table", (box) => { box.scrollLeft = box.scrollWidth; box.scrollTop = 18 * 31; });
    await shot(page, `store-limits-${width}x${height}.png`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page overflows by ${overflow}px at ${width}px`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
