// Headless Debian Chromium through playwright-core, collecting everything that went wrong.
import { chromium } from "playwright-core";
import { within } from "./common.mjs";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export async function launch() {
  return within(30_000, "chromium launch", chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  }));
}

/** A page that records console errors, uncaught exceptions and failed requests. */
export async function openPage(browser) {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.setDefaultTimeout(15_000);
  return { page, problems };
}

/**
 * Drives the checkout page contract shared by tests/esm-page and tests/vite-app: waits
 * for #status "ready", puts the order in #order, clicks #check, returns what is shown.
 */
export async function checkInPage(page, order) {
  await page.waitForFunction(() => {
    const s = document.querySelector("#status")?.textContent;
    return s === "ready" || (s && s.startsWith("failed"));
  });
  const status = await page.textContent("#status");
  if (status !== "ready") throw new Error(`page says: ${status}`);
  await page.fill("#order", typeof order === "string" ? order : JSON.stringify(order, null, 2));
  const before = await page.getAttribute("#result", "data-run");
  await page.click("#check");
  await page.waitForFunction((b) => document.querySelector("#result").dataset.run !== b, before);
  const text = (sel) => page.textContent(sel).then((t) => (t ?? "").trim());
  return {
    merchant: await text("#merchant"),
    decision: await text("#decision"),
    verify: await text("#verify"),
    reasons: await text("#reasons"),
    message: await text("#message"),
    lines: await text("#lines"),
    error: await text("#error"),
  };
}
