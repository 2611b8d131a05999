// Accessibility of the demo page, scanned by axe-core (the npm dev-dependency `axe-core`,
// injected into the page): no serious or critical violation on any view, in either
// language — the playground (order form and JSON), the store tables, the backtest with a
// report, the monitor. Issue 13: contrast of badges, status and line numbers, a missing
// `h1`, a button whose name hid its visible text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { launch, openPage, pageUrl, stopServer } from "./helpers.mjs";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let browser;
before(async () => { await pageUrl(); browser = await launch(); });
after(async () => { await browser?.close(); stopServer(); });

/** Serious and critical violations on the page as it is now, one line each. */
async function scan(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: axePath });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")} — ${n.failureSummary.split("\n").slice(1, 2).join("")}`).join(" | ")}`);
  });
  return found.map((f) => `${where}: ${f}`);
}

for (const lang of ["en", "zh-CN"]) {
  test(`axe: no serious or critical violation on any view (${lang})`, async () => {
    const { page, problems, context } = await openPage(browser, { lang });
    await page.waitForSelector("#compile-status.ok");
    const found = [];
    found.push(...await scan(page, "playground, form"));
    // a denied order: the badges, the per-line table, the step-up
    await page.selectOption("#sample", "blacklisted-limited.json");
    await page.waitForSelector('#verdict [data-decision="deny"]');
    found.push(...await scan(page, "playground, denied"));
    await page.click('.order-view[data-view="json"]');
    found.push(...await scan(page, "playground, JSON"));
    // a diagnostic in the list
    await page.fill("#source", (await page.inputValue("#source")).replace("customer.level ==", "customer.lvl =="));
    await page.waitForSelector("#diagnostics li.diag.err");
    found.push(...await scan(page, "playground, diagnostic"));
    await page.click("#reset-file");
    await page.click("#tab-store");
    await page.waitForSelector("#rules-table table");
    found.push(...await scan(page, "store"));
    await page.click("#tab-backtest");
    await page.fill("#bt-count", "200");
    await page.click("#bt-generate");
    await page.waitForSelector("#bt-results:not([hidden])", { timeout: 30000 });
    found.push(...await scan(page, "backtest"));
    await page.click("#tab-monitor");
    found.push(...await scan(page, "monitor"));
    assert.deepEqual(found, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test("axe at phone width (390 px, zh-CN): the playground and the store", async () => {
  const { page, problems, context } = await openPage(browser, { width: 390, height: 844, lang: "zh-CN" });
  await page.waitForSelector("#compile-status.ok");
  const found = [...await scan(page, "playground 390")];
  await page.click("#tab-store");
  await page.waitForSelector("#rules-table table");
  found.push(...await scan(page, "store 390"));
  assert.deepEqual(found, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("one h1; the editor's numbers and status read at 4.5:1; the verdict announced by its decision", async () => {
  const { page, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  assert.equal((await page.$$("h1")).length, 1);
  const ratio = (sel) => page.$eval(sel, (e) => {
    const c = getComputedStyle(e);
    let bg = c.backgroundColor;
    for (let p = e; p && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); p = p.parentElement) bg = getComputedStyle(p).backgroundColor;
    return [c.color, bg];
  });
  const { contrast } = await import("./helpers.mjs");
  for (const sel of ["#gutter .gutter-lines > div", "#compile-status"]) {
    const [fg, bg] = await ratio(sel);
    assert.ok(contrast(fg, bg) >= 4.5, `${sel}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
  }
  // the verdict is not a live region (every form keystroke re-renders it); a small one says the decision, when it changes
  assert.equal(await page.getAttribute("#verdict", "aria-live"), null);
  await page.selectOption("#sample", "blacklisted-limited.json");
  await page.waitForSelector('#verdict [data-decision="deny"]');
  assert.equal(await page.textContent("#verdict-live"), "Decision: Deny");
  assert.equal(await page.getAttribute("#verdict-live", "role"), "status");
  await context.close();
});
