// The demo page's editor with a merchant-sized list, and the issue-13 defects of the
// editor, order and verdict panels: the editor draws only the lines in view and keeps its
// line count and caret line right while typing in a 20k-row blocklist.csv; the editor's
// texts follow the language; invalid order JSON replaces the verdict and marks where it
// fails; a date-only check time is refused by its field; the per-line decisions say they
// are item rules only; focus stays on the verdict after "Complete verification"; the
// order form is not cut off in a box; store tables scroll by keyboard; chart labels fit.
// Speed is not asserted here (no timed tests): bench/www-typing.mjs measures it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, pageUrl, stopServer, read, waitDecision } from "./helpers.mjs";

let browser;
before(async () => { await pageUrl(); browser = await launch(); });
after(async () => { await browser?.close(); stopServer(); });

const ROWS = 20000;
function bigBlocklist() {
  const rows = [read("examples/demo-store/blocklist.csv").replace(/\n*$/, "")];
  for (let i = 0; i < ROWS; i++) rows.push(`email,buyer${i}@shop.example,watch,REFUND_ABUSE,2026-05-01T00:00:00Z,2027-05-01T00:00:00Z,row ${i},`); // the last column, scope, empty
  return rows.join("\n") + "\n";
}

test("a 20k-row blocklist: only the lines in view are drawn, and typing keeps lines and caret right", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.click('#file-tabs button:has-text("blocklist.csv")');
  const text = bigBlocklist();
  const total = text.split("\n").length;
  await page.evaluate((t) => {
    const ta = document.querySelector("#source");
    ta.value = t;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
  await page.waitForSelector("#compile-status.ok", { timeout: 30000 });
  const drawn = await page.$$eval("#gutter .gutter-lines > div", (ds) => ds.length);
  assert.ok(drawn > 10 && drawn < 100, `the gutter draws the lines in view, not ${total}: ${drawn}`);
  assert.ok((await page.textContent("#mirror")).length < 20000, "the mirror holds the visible text only");
  assert.ok((await page.inputValue("#source")).length < 50000, "the textarea holds the lines around the view only (textwindow.js)");
  // caret in the middle, type a line break and a row: the numbers follow
  const mid = 10001;
  await page.evaluate(async (line) => {
    const ed = await import(new URL("editor.js", location.href));
    const text = ed.editorText();
    let at = 0;
    for (let l = 1; l < line; l++) at = text.indexOf("\n", at) + 1;
    document.querySelector("#source").focus();
    ed.selectInEditor(text.indexOf("\n", at));
  }, mid);
  await page.keyboard.press("Enter");
  await page.keyboard.type("email,new.one@shop.example,block");
  assert.equal(await page.textContent("#cursor-pos"), `blocklist.csv · Ln ${mid + 1}, Col 33`);
  await page.keyboard.press("Backspace");
  assert.equal(await page.textContent("#cursor-pos"), `blocklist.csv · Ln ${mid + 1}, Col 32`);
  // the gutter shows the line numbers of the lines in view, the caret's among them
  const numbers = await page.$$eval("#gutter .gutter-lines > div", (ds) => ds.map((d) => Number(d.textContent)));
  assert.ok(numbers.includes(mid + 1), `line ${mid + 1} is drawn: ${numbers[0]}…${numbers.at(-1)}`);
  // the end of the file: one more line than before, every line numbered
  await page.$eval("#code", (box) => { box.scrollTop = box.scrollHeight; box.dispatchEvent(new Event("scroll")); });
  const last = await page.$$eval("#gutter .gutter-lines > div", (ds) => Number(ds.at(-1).textContent));
  assert.equal(last, total + 1);
  // a broken row far down is underlined once the editor scrolls to it (the diagnostic's button)
  await page.keyboard.type(",a,b,c,d,e,f"); // now too many fields on that line
  const diag = await page.waitForSelector('#diagnostics li.diag.err[data-code="csv-row"]', { timeout: 30000 });
  assert.equal(await diag.getAttribute("data-line"), String(mid + 1));
  await diag.$eval(".diag-btn", (b) => b.click());
  assert.equal(await page.textContent("#gutter .g-err"), String(mid + 1));
  assert.match(await page.textContent("#mirror mark.sq-err"), /new\.one@shop\.example/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("in 中文 the compile status, the cursor position and the diagnostic labels are Chinese", async () => {
  const { page, problems, context } = await openPage(browser, { lang: "zh-CN" });
  await page.waitForSelector("#compile-status.ok");
  assert.match(await page.textContent("#compile-status"), /^编译通过 · 18 条规则/);
  assert.match(await page.textContent("#cursor-pos"), /^policy\.toml · 行 1，列 1$/);
  await page.fill("#source", read("examples/demo-store/policy.toml").replace("customer.level ==", "customer.lvl =="));
  const diag = await page.waitForSelector("#diagnostics li.diag.err");
  assert.match(await diag.$eval(".diag-sev", (e) => e.textContent), /^错误$/);
  assert.match(await page.textContent("#compile-status"), /^有错误 · 1 个错误$/);
  // switching language redraws them
  await page.click('.lang-btn[data-lang="en"]');
  assert.match(await page.textContent("#compile-status"), /^Errors · 1 error$/);
  assert.equal(await diag.evaluate((li) => li.isConnected ? li.querySelector(".diag-sev").textContent : document.querySelector("#diagnostics .diag-sev").textContent), "error");
  assert.match(await page.textContent("#cursor-pos"), /^policy\.toml · Ln \d+, Col \d+$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("invalid order JSON, or JSON that is not an order, replaces the verdict and shows where it fails", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "blacklisted-limited.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  await page.click('.order-view[data-view="json"]');
  const good = await page.inputValue("#order-json");
  const broken = good.replace('"quantity": 1', '"quantity": 1,,');
  await page.fill("#order-json", broken);
  await page.waitForSelector('[data-testid="verdict-json-error"]');
  assert.equal(await page.$('#verdict [data-testid="decision"]'), null, "no verdict of the earlier order on screen");
  assert.equal(await page.getAttribute("#order-json", "aria-invalid"), "true");
  // the place is marked: the line of the second comma
  const at = broken.indexOf(",,") + 1;
  const line = broken.slice(0, at).split("\n").length;
  const mark = await page.textContent('[data-testid="json-error-at"] mark');
  assert.equal(mark, ",");
  assert.match(await page.textContent('[data-testid="json-error-at"]'), new RegExp(`^\\s*${line} │`));
  // `null` parses, but is not an order
  await page.fill("#order-json", "null");
  await page.waitForSelector('[data-testid="verdict-json-error"]');
  assert.match(await page.textContent("#json-error"), /An order is a JSON object/);
  // back to the form and to JSON: the last valid order, no stale error, its verdict back
  await page.fill("#order-json", broken);
  await page.click('.order-view[data-view="form"]');
  assert.equal(await waitDecision(page, "deny"), "deny");
  await page.click('.order-view[data-view="json"]');
  assert.equal(await page.textContent("#json-error"), "");
  assert.equal(await page.getAttribute("#order-json", "aria-invalid"), null);
  assert.equal(await page.inputValue("#order-json"), good);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a date-only check time is refused by its field, and the verdict stays", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "blacklisted-limited.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  await page.fill("#now", "2026-11-25");
  assert.equal(await page.getAttribute("#now", "aria-invalid"), "true");
  assert.match(await page.textContent("#now-error"), /RFC 3339/);
  await page.waitForTimeout(400); // a check would have run by now (120 ms debounce)
  assert.equal(await page.$('[data-testid="verdict-input-error"]'), null, "the order is not blamed");
  assert.equal(await waitDecision(page, "deny"), "deny");
  await page.fill("#now", "2026-11-26T10:00:00+08:00");
  assert.equal(await page.getAttribute("#now", "aria-invalid"), null);
  assert.equal(await page.textContent("#now-error"), "");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the compile time is the check time: the first screen's expiry warning speaks of it, not of today", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  const now = await page.inputValue("#now");
  const expired = await page.$('#diagnostics li.diag[data-code="expired-entries"]');
  if (expired) assert.ok((await expired.getAttribute("data-message")).includes(now), "dated at the check time");
  assert.ok(!(await page.textContent("#diagnostics")).includes(new Date().toISOString().slice(0, 10)) || now.startsWith(new Date().toISOString().slice(0, 10)));
  assert.deepEqual(problems, []);
  await context.close();
});

test("per-line decisions say they are item rules only; line facts read as `line 1 = true`", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "blacklisted-limited.json");
  assert.equal(await waitDecision(page, "deny"), "deny");
  assert.match(await page.textContent('[data-testid="lines-note"]'), /item rules only/);
  const dd = await page.$eval('#verdict li.reason[data-rule="block-restricted-item"] dl.why', (dl) => {
    const dts = [...dl.querySelectorAll("dt")];
    const i = dts.findIndex((d) => d.textContent === "item.restricted");
    return dl.querySelectorAll("dd")[i].textContent;
  });
  assert.equal(dd, "line 1 = true");
  assert.deepEqual(problems, []);
  await context.close();
});

test("after Complete verification the keyboard focus stays in the verdict", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.selectOption("#sample", "step-up-level.json");
  assert.equal(await waitDecision(page, "step_up"), "step_up");
  await page.focus("#complete-verification");
  await page.keyboard.press("Enter");
  await page.waitForSelector('[data-testid="cleared"]');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "cleared");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the order form is not cut off in a scroll box; store tables scroll by keyboard and say so at 390 px", async () => {
  const { page, problems, context } = await openPage(browser, { width: 390, height: 844 });
  const form = await page.$eval("#order-form", (f) => [f.scrollHeight, f.clientHeight, getComputedStyle(f).overflowY]);
  assert.ok(form[0] <= form[1] + 1 && form[2] === "visible", `form ${form}`);
  await page.click("#tab-store");
  await page.waitForSelector("#rules-table table");
  for (const id of ["rules", "blocklist", "catalog", "customers"]) {
    const w = await page.$eval(`#${id}-table`, (e) => ({ tab: e.tabIndex, role: e.getAttribute("role"), name: document.getElementById(e.getAttribute("aria-labelledby"))?.textContent }));
    assert.deepEqual([w.tab, w.role, Boolean(w.name)], [0, "region", true], id);
  }
  assert.ok(await page.isVisible("#view-store .scroll-hint"), "a cue that the rules table scrolls");
  // the keyboard scrolls it
  await page.focus("#rules-table");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.waitForTimeout(200);
  assert.ok(await page.$eval("#rules-table", (e) => e.scrollLeft) > 0, "arrow keys scroll the table");
  // Expires is one line, and the note has room
  const cells = await page.$$eval("#blocklist-table tbody tr", (trs) => trs.slice(0, 10).map((tr) => {
    const td = tr.children;
    const range = document.createRange();
    range.selectNodeContents(td[4]);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return { expires: td[4].scrollWidth <= td[4].clientWidth + 1 && lines.size === 1, note: td[5].getBoundingClientRect().width, height: tr.getBoundingClientRect().height };
  }));
  assert.ok(cells.every((c) => c.expires), "Expires is not cut or wrapped");
  assert.ok(cells.every((c) => c.note >= 150), `note column ${cells.map((c) => Math.round(c.note))}`);
  assert.ok(cells.every((c) => c.height < 100), `rows ${cells.map((c) => Math.round(c.height))} px tall`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("chart labels fit their column, Chinese names cut by width", async () => {
  const { page, problems, context } = await openPage(browser, { width: 390, height: 844, lang: "zh-CN" });
  await page.click("#tab-backtest");
  await page.fill("#bt-count", "2000");
  await page.click("#bt-generate");
  await page.waitForSelector("#bt-results:not([hidden]) svg.chart", { timeout: 30000 });
  const out = await page.$$eval("#bt-results svg.chart text.c-label", (ts) => ts.filter((t) => t.getBBox().x < 0).map((t) => t.textContent));
  assert.deepEqual(out, [], "no label starts left of the chart");
  // the top-SKU labels keep their SKU code
  const labels = await page.$$eval("#bt-results svg.chart", (svgs) => [...svgs.at(-1).querySelectorAll("text.c-label")].map((t) => t.textContent));
  assert.ok(labels.length && labels.every((l) => /^[A-Z]+-\d+/.test(l)), labels.join(" | "));
  assert.deepEqual(problems, []);
  await context.close();
});
