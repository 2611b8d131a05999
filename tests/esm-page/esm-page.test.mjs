// The package as plain ESM in a page (no bundler), in headless Chromium.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ROOT, pkgDir, readOrder } from "../edge/support/common.mjs";
import { checkInPage, launch, openPage } from "../edge/support/browser.mjs";
import { serveStatic } from "../edge/support/static-server.mjs";

const T = { timeout: 60_000 };
let server;
let browser;

before(async () => {
  // /pkg/ → the built package (so ../../pkg/web/… from the page resolves to it).
  server = await serveStatic({ "/pkg/": pkgDir(), "/tests/esm-page/": `${ROOT}/tests/esm-page` });
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

test("a blacklisted customer's limited item is denied, shown in the page", T, async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${server.url}/tests/esm-page/index.html?now=2026-11-25T10:00:00Z`);
  const shown = await checkInPage(page, readOrder("blacklisted-limited.json"));
  assert.equal(shown.merchant, "demo-store");
  assert.equal(shown.decision, "deny");
  assert.match(shown.reasons, /BLOCKLIST_RESTRICTED_ITEM/);
  assert.equal(shown.lines, "TEA-004:allow COL-001:deny");
  assert.ok(shown.message.length > 0);
  assert.equal(shown.error, "");
  assert.ok(server.requests.some((p) => p.endsWith(".wasm")), "the .wasm was fetched");
  assert.deepEqual(problems, []);
  await page.close();
});

test("step_up, then the re-check with `verified`; a bad order shows its path", T, async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${server.url}/tests/esm-page/index.html?now=2026-11-25T10:00:00Z&locale=en`);
  const first = await checkInPage(page, readOrder("step-up-level.json"));
  assert.equal(first.decision, "step_up");
  assert.equal(first.verify, "sms_otp");
  const second = await checkInPage(page, readOrder("step-up-verified.json"));
  assert.equal(second.decision, "allow");
  const bad = readOrder("clean.json");
  bad.items[0].quantity = -1;
  const shown = await checkInPage(page, bad);
  assert.equal(shown.decision, "");
  assert.match(shown.error, /^items\[0\]\.quantity: /);
  assert.deepEqual(problems, []);
  await page.close();
});
