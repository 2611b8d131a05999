// End-to-end tests of the demo page in Chromium: it loads cleanly, a broken rule is
// reported at its line with the hint and fixing it restores the verdict, a broken CSV
// row (a diagnostic with a line but no byte range) is marked on its line, every sample
// order shows the decision the conformance corpus expects, the signed-in session binds the
// customer id (the allowlist needs it), and the step-up clears on a bound re-check.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { launch, openPage, pageUrl, stopServer, read, readJson, root, decisionOf, waitDecision, contrast } from "./helpers.mjs";

let browser;
before(async () => { await pageUrl(); browser = await launch(); });
after(async () => { await browser?.close(); stopServer(); });

test("the page loads without console errors and shows the demo store", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  assert.match(await page.textContent("#compile-status"), /Compiled · 18 rules/);
  assert.equal(await decisionOf(page), "allow"); // clean.json is selected first
  // both languages render without errors
  await page.click('.lang-btn[data-lang="zh-CN"]');
  assert.equal(await page.textContent("#tab-playground"), "规则与订单");
  await page.click('.lang-btn[data-lang="en"]');
  assert.equal(await page.textContent("#tab-playground"), "Rules & orders");
  // store data: masked identifiers, restricted items marked
  await page.click("#tab-store");
  const blocklist = await page.textContent("#blocklist-table");
  assert.ok(!blocklist.includes("13800138011"), "phones are masked");
  assert.ok(!/scalper\.king@/.test(blocklist), "emails are masked");
  assert.ok(blocklist.includes("s***@example.cn"), "masked email shown");
  assert.ok((await page.$$("#catalog-table tr.restricted")).length >= 8, "restricted catalog rows marked");
  assert.equal((await page.$$("#rules-table tbody tr")).length, 18);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a broken rule shows its diagnostic at the right line; fixing it restores the verdict", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "blacklisted-limited.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  const policy = read("examples/demo-store/policy.toml");
  const target = `when    = 'customer.level == "block" && customer.level_certain && item.restricted'`;
  const offset = policy.indexOf(target);
  assert.ok(offset > 0);
  const line = policy.slice(0, offset).split("\n").length;
  const column = target.indexOf("level") + 1; // 1-based column of `lvl`
  await page.fill("#source", policy.replace(target, target.replace("customer.level", "customer.lvl")));
  const diag = await page.waitForSelector("#diagnostics li.diag.err", { timeout: 5000 });
  assert.equal(await diag.getAttribute("data-line"), String(line));
  assert.equal(await diag.getAttribute("data-column"), String(column));
  assert.equal(await diag.getAttribute("data-message"), "unknown field `lvl` on `customer`");
  assert.equal(await diag.getAttribute("data-help"), "did you mean `level`?");
  assert.match(await diag.textContent(), /did you mean level\?/);
  assert.match(await diag.textContent(), new RegExp(`policy\\.toml:${line}:${column}`));
  assert.match(await page.textContent("#compile-status"), /Errors · 1 error$/);
  await page.waitForSelector('[data-testid="verdict-policy-error"]');
  assert.equal(await decisionOf(page), null);
  // the button's accessible name starts with what it shows (axe: label-content-name-mismatch)
  assert.match(await diag.$eval(".diag-btn", (b) => b.textContent), new RegExp(`^error\\[unknown-field\\]policy\\.toml:${line}:${column}rule block-restricted-item · Go to line ${line}$`));
  assert.equal(await diag.$eval(".diag-btn", (b) => b.getAttribute("aria-label")), null);
  // clicking the diagnostic jumps to the line (the editor draws only the lines in view:
  // line ${line} is below them until then)
  await diag.$eval(".diag-btn", (b) => b.click());
  const caret = await page.$eval("#source", (ta) => ta.value.slice(0, ta.selectionStart).split("\n").length);
  assert.equal(caret, line);
  assert.equal(await page.textContent("#cursor-pos"), `policy.toml · Ln ${line}, Col ${column}`);
  // the gutter marks the line and the editor underlines `lvl`
  assert.equal(await page.textContent("#gutter .g-err"), String(line));
  assert.equal(await page.textContent("#mirror mark.sq-err"), "lvl");
  // fix it
  await page.fill("#source", policy);
  await page.waitForSelector("#compile-status.ok");
  assert.equal(await waitDecision(page, "deny"), "deny");
  assert.equal((await page.$$("#diagnostics li.diag.err")).length, 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a CSV row with the wrong number of fields is marked on its own line", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.click('#file-tabs button:has-text("blocklist.csv")');
  const rows = read("examples/demo-store/blocklist.csv").split("\n");
  const bad = "email,oops@example.cn,block"; // three fields where the header has more
  rows.splice(3, 0, bad);
  const line = 4; // 1-based: the header, two rows, then the broken one
  await page.fill("#source", rows.join("\n"));
  const diag = await page.waitForSelector('#diagnostics li.diag.err[data-code="csv-row"]', { timeout: 5000 });
  assert.equal(await diag.getAttribute("data-file"), "blocklist.csv");
  assert.equal(await diag.getAttribute("data-line"), String(line));
  // The row is underlined in the editor and in the excerpt (not character 1 of the file).
  assert.equal(await page.textContent("#gutter .g-err"), String(line));
  assert.equal(await page.textContent("#mirror mark.sq-err"), bad);
  assert.equal(await diag.$eval(".diag-excerpt mark", (m) => m.textContent), bad);
  assert.match(await page.textContent("#compile-status"), /Errors · 1 error$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("every sample order shows its expected decision", async () => {
  const index = readJson("www/samples.json");
  const files = readdirSync(path.join(root, "examples/orders")).filter((f) => f.endsWith(".json")).sort();
  assert.deepEqual([...new Set(index.samples.map((s) => s.file))].sort(), files, "the gallery lists every sample order");
  const keys = index.samples.map((s) => s.id || s.file);
  assert.equal(new Set(keys).size, keys.length, "gallery keys (id, else file) are unique");
  const cases = readJson("tests/conformance/cases.json");
  // A sample checked under a signed-in session matches the corpus case with that bound
  // customer id; one without, the case without identity.
  const sameIdentity = (c, s) => (c.identity?.customer_id ?? null) === (s.identity?.customerId ?? null);
  const { page, problems, context } = await openPage(browser);
  let checked = 0;
  for (const s of index.samples) {
    const key = s.id || s.file;
    const c = cases.find((x) => x.order === `examples/orders/${s.file}` && !x.before && sameIdentity(x, s));
    // without a corpus case (e.g. the same order without its session): the gallery's own expectation
    await page.fill("#now", c ? c.now : index.now);
    await page.selectOption("#sample", key);
    assert.equal(await page.isChecked("#f-session"), Boolean(s.identity), `${key}: session control follows the sample`);
    const want = c ? c.expect.decision : s.expected;
    const got = await waitDecision(page, want);
    assert.equal(got, want, `${key}: expected ${want}, page shows ${got}`);
    if (!c) { checked++; continue; }
    assert.equal(s.expected, c.expect.decision, `${key}: samples.json agrees with the corpus`);
    if (c.expect.verify) {
      const shown = await page.$$eval("#verdict .chip.method code", (els) => els.map((e) => e.textContent));
      assert.deepEqual(shown, c.expect.verify, `${key}: verify methods`);
    }
    if (c.expect.reasons) {
      const rules = await page.$$eval("#verdict li.reason", (els) => els.map((e) => e.dataset.rule));
      assert.deepEqual(rules, c.expect.reasons.map((r) => r.rule), `${key}: firing rules`);
    }
    if (c.expect.lines) {
      const lines = await page.$$eval("#verdict tr[data-line-decision]", (els) => els.map((e) => e.dataset.lineDecision));
      assert.deepEqual(lines, c.expect.lines.map((l) => l.decision), `${key}: line decisions`);
    }
    checked++;
  }
  assert.ok(checked >= 30, `checked ${checked} samples`);
  // the allow rule's suppression, as the engine reports it: on the review, not the allow
  await page.fill("#now", "2026-11-25T10:00:00Z");
  await page.selectOption("#sample", "trusted-many-addresses.json");
  assert.equal(await waitDecision(page, "allow"), "allow");
  const marked = await page.$$eval('#verdict li.reason:has([data-testid="suppressed"])', (els) => els.map((e) => e.dataset.rule));
  assert.deepEqual(marked, ["address-hopping"]);
  // a duplicate: the gallery checks duplicate-first five minutes earlier
  await page.selectOption("#sample", "duplicate-second.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the signed-in session binds the customer id; a trusted id only claimed is not trusted", async () => {
  const { page, problems, context } = await openPage(browser);
  const bound = () => page.textContent('#verdict [data-testid="bound-value"]');
  const rules = () => page.$$eval("#verdict li.reason", (els) => els.map((e) => e.dataset.rule));
  // C10002's order, no session: the id is only claimed, so the allowlist cannot apply
  await page.selectOption("#sample", "trusted-claimed-no-session");
  assert.equal(await waitDecision(page, "review"), "review");
  assert.equal(await page.isChecked("#f-session"), false);
  assert.equal(await page.isDisabled("#f-session-id"), true);
  assert.equal(await bound(), "[]");
  assert.deepEqual(await rules(), ["address-hopping"]);
  // signing in: the server vouches for the order's customer id → bound → trusted
  await page.check("#f-session");
  assert.equal(await waitDecision(page, "allow"), "allow");
  assert.equal(await page.inputValue("#f-session-id"), "C10002");
  assert.equal(await bound(), '["customer_id"]');
  assert.deepEqual(await rules(), ["address-hopping", "trusted-customer"]);
  const why = await page.textContent('#verdict li.reason[data-rule="trusted-customer"] .why');
  assert.match(why, /customer\.bound/, "the allowlist's facts show the bound kinds");
  // the session's customer replaces the order's: another customer is not trusted
  await page.fill("#f-session-id", "C10001");
  await page.waitForFunction(() => !document.querySelector('#verdict li.reason[data-rule="trusted-customer"]'));
  assert.equal(await bound(), '["customer_id"]');
  // signing out again
  await page.uncheck("#f-session");
  assert.equal(await waitDecision(page, "review"), "review");
  assert.equal(await bound(), "[]");
  // the gallery's session sample of the same order, and the control in Chinese
  await page.selectOption("#sample", "trusted-many-addresses.json");
  assert.equal(await waitDecision(page, "allow"), "allow");
  assert.equal(await page.isChecked("#f-session"), true);
  await page.click('.lang-btn[data-lang="zh-CN"]');
  assert.match(await page.textContent('label[for="f-session"]'), /已登录会话/);
  assert.match(await page.textContent('[data-testid="session"] legend'), /登录会话/);
  assert.equal(await page.isChecked("#f-session"), true, "the session survives a language switch");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the message follows the zh-CN / en switch", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "blacklisted-limited.json");
  await page.click('[data-msg-locale="en"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="message"]')?.lang === "en");
  assert.match(await page.textContent('[data-testid="message"]'), /limited-edition or high-value/);
  // Filled in for this check: the entry's reason and expiry, the appeal address, a case reference.
  assert.match(
    await page.textContent('[data-testid="message"]'),
    /because of repeated damaged-item refund claims, .* until 2 March 2027; .* appeal to service@demo-store\.example quoting case [0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4} /,
  );
  await page.click('[data-msg-locale="zh-CN"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="message"]')?.lang === "zh-CN");
  assert.match(await page.textContent('[data-testid="message"]'), /限量版或高价值商品/);
  // the restricted line is highlighted, and the why panel shows the facts read
  assert.equal(await page.getAttribute("#verdict tbody tr:nth-child(2)", "data-line-decision"), "deny");
  assert.ok(await page.$("#verdict tbody tr.restricted"));
  const why = await page.textContent('#verdict li.reason[data-rule="block-restricted-item"] .why');
  assert.match(why, /customer\.level/);
  assert.match(why, /"block"/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a warn verdict shows its notice, in its own colour, in both locales", async () => {
  const { page, problems, context } = await openPage(browser, { lang: "zh-CN" });
  await page.selectOption("#sample", "watch-damage-notice.json");
  assert.equal(await waitDecision(page, "warn"), "warn");
  assert.equal((await page.textContent('[data-testid="decision"]')).trim(), "提醒放行warn");
  assert.match(await page.textContent('[data-testid="warn-note"]'), /订单照常受理/);
  assert.match(await page.getAttribute('[data-testid="message-box"]', "class"), /\bnotice\b/);
  await page.click('[data-msg-locale="zh-CN"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="message"]')?.lang === "zh-CN");
  assert.match(await page.textContent('[data-testid="message"]'), /多次申请商品破损退款/);
  await page.click('[data-msg-locale="en"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="message"]')?.lang === "en");
  assert.match(await page.textContent('[data-testid="message"]'), /further claims will lead to restrictions/);
  // the teaware line is the one the notice is about
  assert.equal(await page.getAttribute("#verdict tbody tr:nth-child(1)", "data-line-decision"), "warn");
  assert.equal(await page.getAttribute("#verdict tbody tr:nth-child(2)", "data-line-decision"), "allow");
  // the badge: white on the warn colour, at least 4.5:1 (WCAG AA)
  const [fg, bg] = await page.$eval('[data-testid="decision"]', (b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]);
  assert.ok(contrast(fg, bg) >= 4.5, `${fg} on ${bg}: ${contrast(fg, bg).toFixed(2)}`);
  const [warn, review] = await page.evaluate(() => ["--warn", "--review"].map((v) => getComputedStyle(document.documentElement).getPropertyValue(v).trim()));
  assert.notEqual(warn, review, "warn is told apart from review by colour");
  await page.click('.lang-btn[data-lang="en"]');
  assert.equal((await page.textContent('[data-testid="decision"]')).trim(), "Warnwarn");
  assert.match(await page.textContent('[data-testid="warn-note"]'), /The order goes through/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("completing verification clears the step-up", async () => {
  const { page, problems, context } = await openPage(browser);
  for (const [file, methods] of [["step-up-level.json", ["sms_otp"]], ["multi-verify.json", ["sms_otp", "id_check"]]]) {
    await page.selectOption("#sample", file);
    assert.equal(await waitDecision(page, "step_up"), "step_up");
    const shown = await page.$$eval("#verdict .chip.method code", (els) => els.map((e) => e.textContent));
    assert.deepEqual(shown, methods);
    await page.click("#complete-verification");
    assert.equal(await waitDecision(page, "allow"), "allow", `${file}: cleared`);
    const note = await page.textContent('[data-testid="cleared"]');
    for (const m of methods) assert.ok(note.includes(m), `${file}: ${m} in the note`);
    // re-checked under the order id the server issued (bound), so not a duplicate
    const orderId = readJson(`examples/orders/${file}`).order_id;
    assert.ok((await page.textContent('[data-testid="recheck-order-id"]')).includes(orderId), `${file}: bound order id shown`);
    // the form reflects what was verified
    for (const m of methods) assert.ok(await page.isChecked(`#f-v-${m}`));
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("the step-up re-check runs in the engine that saw the challenge: without an order id it is a duplicate", async () => {
  const { page, problems, context } = await openPage(browser);
  // The engine's own rule, which the page plays: only a bound order id exempts a re-check.
  const engine = await page.evaluate(async (order) => {
    const cg = await import(new URL("../pkg/web/checkout_guard_compiler.js", location.href).href);
    const run = (identity) => {
      const e = new cg.Engine();
      try {
        const now = "2026-11-25T10:00:00Z";
        e.check(order, { now, identity });
        return e.check({ ...order, verified: ["sms_otp"] }, { now, identity }).decision;
      } finally { e.free(); }
    };
    return { claimed: run(undefined), bound: run({ orderId: order.order_id }) };
  }, readJson("examples/orders/step-up-level.json"));
  assert.deepEqual(engine, { claimed: "deny", bound: "allow" });
  // The page: an order without an order id has nothing to bind, so its re-check is a duplicate.
  await page.selectOption("#sample", "step-up-level.json");
  assert.equal(await waitDecision(page, "step_up"), "step_up");
  await page.fill('#order-form input[id="f-1"]', ""); // the order id field
  assert.equal(await waitDecision(page, "step_up"), "step_up");
  await page.click("#complete-verification");
  assert.equal(await waitDecision(page, "deny"), "deny");
  assert.deepEqual(await page.$$eval("#verdict li.reason", (els) => els.map((e) => e.dataset.rule)), ["duplicate-submission"]);
  assert.match(await page.textContent('[data-testid="recheck-order-id"]'), /no order id/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("editing the order as JSON re-checks it; bad input is an error with a path", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "clean.json");
  await page.click('.order-view[data-view="json"]');
  const order = readJson("examples/orders/clean.json");
  order.items.push({ sku: "COL-002", quantity: 5, unit_price: 99.0 });
  await page.fill("#order-json", JSON.stringify(order, null, 2));
  assert.equal(await waitDecision(page, "deny"), "deny");
  order.items[0].quantity = -1;
  await page.fill("#order-json", JSON.stringify(order));
  await page.waitForSelector('[data-testid="verdict-input-error"]');
  assert.match(await page.textContent('[data-testid="verdict-input-error"]'), /items\[0\]\.quantity/);
  await page.fill("#order-json", "{ not json");
  assert.match(await page.textContent("#json-error"), /Invalid JSON/);
  await page.click('.order-view[data-view="form"]');
  assert.deepEqual(problems, []);
  await context.close();
});

test("the raw verdict JSON is what the engine returned, and copies to the clipboard", async () => {
  const { page, problems, context } = await openPage(browser);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.fill("#now", "2026-11-25T10:00:00Z");
  await page.selectOption("#sample", "blacklisted-limited.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  await page.click("#verdict details.raw summary");
  await page.waitForSelector('[data-testid="verdict-json"]', { state: "visible" });
  const shown = JSON.parse(await page.textContent('[data-testid="verdict-json"]'));
  // the object behind what the page shows: its decision, its firing rules, its message
  assert.equal(shown.decision, await decisionOf(page));
  const rules = await page.$$eval("#verdict li.reason", (els) => els.map((e) => e.dataset.rule));
  assert.deepEqual(shown.reasons.map((r) => r.rule), rules);
  assert.ok(rules.length > 0);
  assert.equal(shown.message.text, await page.textContent('[data-testid="message"]'));
  await page.click('[data-testid="copy-verdict-json"]');
  await page.waitForSelector('#verdict details.raw [role="status"]:has-text("Copied")');
  assert.deepEqual(JSON.parse(await page.evaluate(() => navigator.clipboard.readText())), shown);
  assert.deepEqual(problems, []);
  await context.close();
});

test("every control has a label, and the views switch by keyboard", async () => {
  const { page, problems, context } = await openPage(browser);
  for (const tab of ["#tab-playground", "#tab-backtest", "#tab-monitor"]) {
    await page.click(tab);
    const unlabelled = await page.$$eval("input, select, textarea, button", (els) => els
      .filter((e) => e.offsetParent !== null || e.type === "file")
      .filter((e) => {
        const name = e.getAttribute("aria-label") || e.title || (e.labels && [...e.labels].map((l) => l.textContent).join("")) || (e.tagName === "BUTTON" ? e.textContent : "");
        return !name || !name.trim();
      })
      .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, [], `${tab}: unlabelled controls`);
  }
  // the last tab (the monitor) wraps round to the first
  await page.focus("#tab-monitor");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getAttribute("#tab-playground", "aria-selected"), "true");
  assert.equal(await page.isVisible("#view-playground"), true);
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.isVisible("#view-monitor"), true);
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.isVisible("#view-backtest"), true);
  assert.deepEqual(problems, []);
  await context.close();
});
