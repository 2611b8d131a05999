// Screenshots of the demo page at 1280×800 and at phone width (390×844), for looking
// at: the page must look finished. Saved to target/screenshots/, so a test run leaves
// the working tree clean; with UPDATE_SCREENSHOTS=1 to docs/screenshots/ (the README's).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launch, openPage, pageUrl, stopServer, read, root, waitDecision } from "./helpers.mjs";

const out = path.join(root, process.env.UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : "target/screenshots");
let browser;
before(async () => { mkdirSync(out, { recursive: true }); await pageUrl(); browser = await launch(); });
after(async () => { await browser?.close(); stopServer(); });

const shot = (page, name) => page.screenshot({ path: path.join(out, name) });

test("desktop screenshots (1280×800)", async () => {
  const { page, problems, context } = await openPage(browser, { width: 1280, height: 800, lang: "en" });
  await page.selectOption("#sample", "blacklisted-limited.json");
  await waitDecision(page, "deny");
  // show the rules section of the policy in the editor
  await page.$eval("#code", (box) => { box.scrollTop = 20 * 53; box.dispatchEvent(new Event("scroll")); });
  await shot(page, "playground-1280x800.png");

  // a warn verdict: the order goes through with the customer notice
  await page.selectOption("#sample", "watch-damage-notice.json");
  assert.equal(await waitDecision(page, "warn"), "warn");
  // the badge just below the sticky header, the notice and the lines under it
  await page.$eval('[data-testid="decision"]', (el) => window.scrollBy(0, el.getBoundingClientRect().top - 80));
  await shot(page, "warn-1280x800.png");

  // the signed-in session: the allowlist applies only to a bound customer id
  await page.selectOption("#sample", "trusted-many-addresses.json");
  await waitDecision(page, "allow");
  await page.$eval('[data-testid="session"]', (el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "session-1280x800.png");

  const policy = read("examples/demo-store/policy.toml");
  const target = `when    = 'customer.level == "block" && customer.level_certain && item.restricted'`;
  await page.fill("#source", policy.replace(target, target.replace("customer.level", "customer.lvl")));
  await page.waitForSelector("#diagnostics li.diag.err");
  await page.$eval("#diagnostics li.diag.err .diag-btn", (b) => b.click());
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "diagnostic-1280x800.png");
  await page.fill("#source", policy.replace("customer.addresses_90d >= 5", "customer.addresses_90d >= 3"));
  await page.waitForSelector("#compile-status.ok");

  await page.click('.lang-btn[data-lang="zh-CN"]');
  await page.click("#tab-backtest");
  await page.fill("#bt-count", "5000");
  await page.click("#bt-generate");
  await page.waitForSelector("#bt-results:not([hidden]) .bt-summary", { timeout: 60000 });
  await shot(page, "backtest-1280x800.png");

  await page.click("#tab-store");
  await shot(page, "store-1280x800.png");
  assert.deepEqual(problems, []);
  await context.close();
});

test("phone screenshots (390×844)", async () => {
  const { page, problems, context } = await openPage(browser, { width: 390, height: 844, lang: "zh-CN" });
  await page.selectOption("#sample", "step-up-level.json");
  await waitDecision(page, "step_up");
  await page.$eval("#verdict-card", (el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "verdict-390x844.png");
  await page.click("#complete-verification");
  await waitDecision(page, "allow");
  await page.$eval("#verdict-card", (el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "verified-390x844.png");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "playground-390x844.png");
  await page.selectOption("#sample", "trusted-claimed-no-session");
  await waitDecision(page, "review");
  await page.check("#f-session");
  await waitDecision(page, "allow");
  await page.$eval('[data-testid="session"]', (el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "session-390x844.png");
  await page.$eval("#verdict-card", (el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "session-verdict-390x844.png");
  await page.click("#tab-backtest");
  await page.fill("#bt-count", "2000");
  await page.click("#bt-generate");
  await page.waitForSelector("#bt-results:not([hidden]) .bt-summary", { timeout: 60000 });
  await page.$eval("#bt-results", (el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "backtest-390x844.png");
  // nothing wider than the screen
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page overflows by ${overflow}px at phone width`);
  assert.deepEqual(problems, []);
  await context.close();
});
