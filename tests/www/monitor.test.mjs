// The monitor view: the list review against `checkout-guard review --json` at the page's
// check time (and after an edit of blocklist.csv, and with the store broken), the live
// counters against the package's own `stats()` for the same two checks (and after a
// reset), accessibility (contrast, phone width) and a screenshot of each panel.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { launch, openPage, pageUrl, stopServer, read, readJson, root, waitDecision, contrast } from "./helpers.mjs";

const cli = path.join(process.env.CARGO_TARGET_DIR || path.join(root, "target"), "debug/checkout-guard");
const shots = path.join(root, process.env.UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : "target/screenshots");
const pageNow = readJson("www/samples.json").now; // the page's check time at start
let browser;
before(async () => {
  if (!existsSync(cli)) execFileSync("cargo", ["build", "--quiet"], { cwd: root, stdio: "inherit" });
  mkdirSync(shots, { recursive: true });
  await pageUrl();
  browser = await launch();
});
after(async () => { await browser?.close(); stopServer(); });

function cliReview(dir, within) {
  return JSON.parse(execFileSync(cli, ["review", dir, "--now", pageNow, "--within", within, "--json"], { cwd: root, encoding: "utf8" }));
}

/** The review panel's figures, as shown. */
async function shownReview(page) {
  return page.evaluate(() => {
    const v = (id) => Number(document.querySelector(`[data-testid="${id}"]`)?.dataset.value);
    const rows = (name) => [...document.querySelectorAll(`#review-body table.${name} tbody tr`)].map((tr) => [...tr.cells].map((c) => c.textContent.trim()));
    return {
      entries: v("review-entries"), in_force: v("review-in-force"), expired: v("review-expired"), expiring: v("review-expiring"),
      never: v("review-never"), candidates: v("review-candidates"),
      by_reason: rows("review-by-reason"), by_kind: rows("review-by-kind"), never_rows: rows("review-never"),
      candidate_rows: rows("review-candidates"), expired_rows: rows("review-expired"), oldest_rows: rows("review-oldest"),
    };
  });
}

function expectedReview(r) {
  const nv = r.never_expiring;
  return {
    entries: r.entries, in_force: r.in_force, expired: r.expired.length, expiring: r.expiring.length,
    never: nv.watch + nv.step_up + nv.block, candidates: r.candidates.length,
    by_reason: r.by_reason.map((c) => [c.name, String(c.entries), String(c.in_force)]),
    by_kind: r.by_kind.map((c) => [c.name, String(c.entries), String(c.in_force)]),
    never_rows: ["block", "step_up", "watch"].map((l) => [l, String(nv[l])]),
    candidate_rows: r.candidates.map((c) => [c.customer_id, c.level, c.suggested, c.rules.join(", ")]),
    expired_rows: r.expired.map((e) => [e.expires_at.slice(0, 10), e.level, e.kind, e.reason]),
    oldest_rows: r.oldest.map((e) => [e.added_at.slice(0, 10), e.level, e.kind, e.reason]),
  };
}

const withoutValues = (shown) => ({ ...shown, expired_rows: shown.expired_rows.map((r) => r.slice(0, 4)), oldest_rows: shown.oldest_rows.map((r) => r.slice(0, 4)) });

async function openMonitor(opts) {
  const opened = await openPage(browser, opts);
  await opened.page.click("#tab-monitor");
  await opened.page.waitForSelector('#review-body [data-testid="review-entries"]');
  return opened;
}

test("the list review shows what `checkout-guard review --json` reports, and follows edits and the window", async () => {
  const { page, problems, context } = await openMonitor();
  const expected = cliReview("examples/demo-store", "30d");
  assert.ok(expected.expired.length > 0 && expected.candidates.length > 0, "the demo store has expired entries and candidates");
  assert.deepEqual(withoutValues(await shownReview(page)), expectedReview(expected));
  assert.match(await page.textContent('[data-testid="review-at"]'), new RegExp(`${pageNow}.*30`));
  // listed values are masked, as in the store view
  assert.ok(!(await page.textContent("#review-body")).includes("8613800138099"), "phones are masked");

  // the window selector
  await page.selectOption("#review-within", "90d");
  const ninety = cliReview("examples/demo-store", "90d");
  assert.notEqual(ninety.expiring.length, expected.expiring.length, "the 90-day window finds more entries");
  await page.waitForSelector(`[data-testid="review-expiring"][data-value="${ninety.expiring.length}"]`);
  assert.deepEqual(withoutValues(await shownReview(page)), expectedReview(ninety));
  await page.selectOption("#review-within", "30d");

  // an expired entry added to blocklist.csv: the report changes as the CLI's does
  await page.click("#tab-playground");
  await page.click('#file-tabs button:has-text("blocklist.csv")');
  const blocklist = read("examples/demo-store/blocklist.csv");
  const header = blocklist.split("\n")[0].split(",");
  const row = Object.fromEntries(header.map((h) => [h, ""]));
  Object.assign(row, { kind: "email", value: "lapsed@example.cn", level: "block", reason: "TEST_LAPSED", expires_at: "2026-02-01T00:00:00Z" });
  if ("added_at" in row) row.added_at = "2025-01-01T00:00:00Z";
  const edited = `${blocklist.trimEnd()}\n${header.map((h) => row[h]).join(",")}\n`;
  await page.fill("#source", edited);
  await page.waitForSelector("#compile-status.ok");
  await page.click("#tab-monitor");
  await page.waitForSelector(`[data-testid="review-expired"][data-value="${expected.expired.length + 1}"]`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "cg-review-"));
  try {
    cpSync(path.join(root, "examples/demo-store"), dir, { recursive: true });
    writeFileSync(path.join(dir, "blocklist.csv"), edited);
    const after = cliReview(dir, "30d");
    assert.equal(after.expired.length, expected.expired.length + 1);
    assert.deepEqual(withoutValues(await shownReview(page)), expectedReview(after));
    assert.ok((await shownReview(page)).by_reason.some((r) => r[0] === "TEST_LAPSED" && r[2] === "0"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // a broken store: the compiler's message, not the last report
  await page.click("#tab-playground");
  await page.fill("#source", `${edited}email,oops@example.cn,block\n`);
  await page.waitForSelector("#compile-status.bad");
  await page.click("#tab-monitor");
  const error = await page.waitForSelector('[data-testid="review-error"]');
  assert.match(await error.textContent(), /csv-row|blocklist\.csv/);
  assert.equal(await page.$('[data-testid="review-entries"]'), null, "no stale report");
  // fixed again: the report is back
  await page.click("#tab-playground");
  await page.fill("#source", blocklist);
  await page.waitForSelector("#compile-status.ok");
  await page.click("#tab-monitor");
  await page.waitForSelector(`[data-testid="review-expired"][data-value="${expected.expired.length}"]`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** The package's own counters for `orders` checked in one engine on the demo store. */
async function packageStats(files) {
  const cg = await import(path.join(root, "pkg/node/compiler.js"));
  const key = read("examples/demo-store/demo.key").trim();
  const engine = cg.Engine.fromBytes(cg.compilePolicy(readStore(), { key }).bytes);
  try {
    for (const f of files) engine.explain(readJson(`examples/orders/${f}`), { now: pageNow, locale: "en" });
    return engine.stats();
  } finally {
    engine.free();
  }
}

function readStore() {
  return Object.fromEntries(["policy.toml", "blocklist.csv", "catalog.csv", "customers.csv"].map((f) => [f, read(`examples/demo-store/${f}`)]));
}

async function shownCounters(page) {
  return page.evaluate(() => {
    const v = (id) => Number(document.querySelector(`[data-testid="${id}"]`)?.dataset.value);
    const rows = (name) => [...document.querySelectorAll(`#counters-body table.${name} tbody tr`)].map((tr) => [...tr.cells].map((c) => c.textContent.trim()));
    return {
      checks: v("counter-checks"), allow: v("counter-allow"), warn: v("counter-warn"), review: v("counter-review"),
      step_up: v("counter-step_up"), deny: v("counter-deny"),
      rules: rows("counter-rules").map((r) => [r[0], r[2]]), reasons: rows("counter-reasons"),
      list_reasons: rows("counter-list-reasons"), categories: rows("counter-categories"), skus: rows("counter-skus").map((r) => [r[0], r[2]]),
    };
  });
}

test("the live counters count the checks run, equal the package's stats(), and reset", async () => {
  const { page, problems, context } = await openMonitor();
  await page.click("#reset-counters");
  await page.waitForSelector('[data-testid="counter-checks"][data-value="0"]');
  await page.click("#tab-playground");
  const files = ["blacklisted-limited.json", "watch-damage-notice.json"];
  await page.selectOption("#sample", files[0]);
  assert.equal(await waitDecision(page, "deny"), "deny");
  await page.selectOption("#sample", files[1]);
  assert.equal(await waitDecision(page, "warn"), "warn");
  // re-showing the same check (a language switch) does not count it again
  await page.click('.lang-btn[data-lang="zh-CN"]');
  await page.click('.lang-btn[data-lang="en"]');
  await page.click("#tab-monitor");
  const s = await packageStats(files);
  assert.equal(s.checks, 2);
  assert.equal(s.deny, 1);
  assert.equal(s.warn, 1);
  assert.ok(s.list_reasons.length > 0 && s.top_skus.length > 0);
  assert.deepEqual(await shownCounters(page), {
    checks: s.checks, allow: s.allow, warn: s.warn, review: s.review, step_up: s.step_up, deny: s.deny,
    rules: s.rules.filter((r) => r.fired > 0).map((r) => [r.rule, String(r.fired)]),
    reasons: s.reasons.map((r) => [r.code, String(r.orders)]),
    list_reasons: s.list_reasons.map((r) => [r.code, String(r.orders)]),
    categories: s.categories.map((c) => [c.category, String(c.lines), String(c.flagged_lines), String(c.flagged_by_item_rules)]),
    skus: s.top_skus.map((k) => [k.sku, k.error ? `${k.flagged_orders} (±${k.error})` : String(k.flagged_orders)]),
  });
  // reset: everything back to zero, the tables empty
  await page.click("#reset-counters");
  await page.waitForSelector('[data-testid="counter-checks"][data-value="0"]');
  const reset = await shownCounters(page);
  assert.deepEqual([reset.checks, reset.allow, reset.warn, reset.deny, reset.rules, reset.reasons, reset.skus], [0, 0, 0, 0, [], [], []]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the monitor panels: readable contrast, no sideways scroll at 390 px, screenshots", async () => {
  for (const [width, height, lang] of [[1280, 800, "en"], [390, 844, "zh-CN"]]) {
    const { page, problems, context } = await openPage(browser, { width, height, lang });
    await page.selectOption("#sample", "blacklisted-limited.json");
    await waitDecision(page, "deny");
    await page.selectOption("#sample", "watch-damage-notice.json");
    await waitDecision(page, "warn");
    await page.click("#tab-monitor");
    await page.waitForSelector('#review-body [data-testid="review-entries"]');
    await page.$eval("#review-card", (el) => el.scrollIntoView({ block: "start" }));
    await page.screenshot({ path: path.join(shots, `review-${width}x${height}.png`) });
    await page.$eval("#counters-card", (el) => el.scrollIntoView({ block: "start" }));
    await page.screenshot({ path: path.join(shots, `counters-${width}x${height}.png`) });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page overflows by ${overflow}px at ${width}px`);
    // every text in the panel against the background it sits on, at least 4.5:1
    const pairs = await page.$$eval("#view-monitor *", (els) => els.filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())).map((e) => {
      let bg = e;
      while (bg && /rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(bg).backgroundColor)) bg = bg.parentElement;
      return [e.textContent.trim().slice(0, 30), getComputedStyle(e).color, bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)"];
    }));
    assert.ok(pairs.length > 50);
    const low = pairs.filter(([, fg, bg]) => contrast(fg, bg) < 4.5).map(([text, fg, bg]) => `${text}: ${fg} on ${bg} (${contrast(fg, bg).toFixed(2)})`);
    assert.deepEqual(low, []);
    // headings: the panels are h2, their parts h3
    assert.deepEqual(await page.$$eval("#view-monitor h2", (hs) => hs.map((h) => h.id)), ["review-title", "counters-title"]);
    assert.ok((await page.$$("#view-monitor h3")).length >= 8);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("the review runs only while its tab is shown: after a change, once when the tab is shown", async () => {
  const { page, problems, context } = await openPage(browser);
  // count the page's reviewPolicy calls (state.cg is the module namespace: wrap a copy)
  await page.evaluate(async () => {
    const { state } = await import(new URL("state.js", location.href));
    const cg = state.cg;
    window.__reviews = 0;
    state.cg = Object.assign(Object.create(null), cg, { reviewPolicy: (...a) => { window.__reviews++; return cg.reviewPolicy(...a); } });
  });
  const reviews = () => page.evaluate(() => window.__reviews);
  const policy = await page.inputValue("#source");
  await page.fill("#source", `${policy}\n# an edit\n`);
  await page.waitForSelector("#compile-status.ok");
  await page.click(".lang-btn[data-lang=\"zh-CN\"]");
  assert.equal(await reviews(), 0, "no review while the tab is hidden (compile, check, language switch)");
  await page.click("#tab-monitor");
  await page.waitForSelector('#review-body [data-testid="review-entries"]');
  assert.equal(await reviews(), 1, "one review when the tab is shown");
  await page.click("#tab-playground");
  await page.click("#tab-monitor");
  assert.equal(await reviews(), 1, "nothing changed: the review shown is kept");
  await page.click("#tab-playground");
  await page.fill("#source", `${policy}\n# another edit\n`);
  await page.waitForSelector("#compile-status.ok");
  assert.equal(await reviews(), 1);
  await page.click("#tab-monitor");
  assert.equal(await reviews(), 2, "the files changed: reviewed again when shown");
  assert.deepEqual(problems, []);
  await context.close();
});
