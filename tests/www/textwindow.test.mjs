// The editor's windowed textarea (www/textwindow.js) in a 20k-row blocklist.csv: the
// textarea holds only the lines around the view, and what a user does with the keyboard
// still acts on the whole file — arrows and page keys past the window's edge,
// Ctrl+Home/End, Ctrl+A with copy and typing over it, undo and redo, typing after
// scrolling away from the caret, a multi-line paste, an IME composition (Chinese); and
// the page's find (www/find.js), which searches the whole file, not the window.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, pageUrl, stopServer, read } from "./helpers.mjs";

let browser;
before(async () => { await pageUrl(); browser = await launch(); });
after(async () => { await browser?.close(); stopServer(); });

const ROWS = 20000;
const BIG = (() => {
  const rows = [read("examples/demo-store/blocklist.csv").replace(/\n*$/, "")];
  for (let i = 0; i < ROWS; i++) rows.push(`email,buyer${i}@shop.example,watch,REFUND_ABUSE,2026-05-01T00:00:00Z,2027-05-01T00:00:00Z,row ${i},`); // the last column, scope, empty
  return rows.join("\n") + "\n";
})();
const LINES = BIG.split("\n").length;

/** The page with BIG in blocklist.csv's editor, compiled, the editor focused at its start. */
async function bigEditor() {
  const opened = await openPage(browser);
  const { page } = opened;
  await opened.context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.click('#file-tabs button:has-text("blocklist.csv")');
  await page.evaluate((t) => {
    const ta = document.querySelector("#source");
    ta.value = t;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }, BIG);
  await page.waitForSelector("#compile-status.ok", { timeout: 30000 });
  await page.focus("#source");
  await page.keyboard.press("Control+Home");
  return opened;
}

const text = (page) => page.evaluate(async () => (await import(new URL("editor.js", location.href))).editorText());
const cursor = async (page) => {
  const m = /Ln (\d+), Col (\d+)/.exec(await page.textContent("#cursor-pos"));
  return { line: Number(m[1]), col: Number(m[2]) };
};
const gutter = (page) => page.$$eval("#gutter .gutter-lines > div", (ds) => ds.map((d) => Number(d.textContent)));
/** The caret's line is drawn in the gutter's visible part (the view follows the caret). */
async function caretInView(page) {
  const { line } = await cursor(page);
  const box = await page.$eval("#code", (b) => ({ top: b.scrollTop, h: b.clientHeight }));
  const y = 8 + (line - 1) * 20;
  // (the browser reveals a caret line to its caret's height: a few pixels may stay under the edge)
  assert.ok(y + 10 > box.top && y + 10 < box.top + box.h, `line ${line} (y ${y}) in view ${box.top}…${box.top + box.h}`);
  assert.ok((await gutter(page)).includes(line));
}

test("keyboard navigation past the window's edge, Ctrl+Home/End, typing far down", async () => {
  const { page, problems, context } = await bigEditor();
  // the compile ran in the worker (compiler.js), and its result is shown
  assert.ok(page.workers().some((w) => w.url().endsWith("/www/compile-worker.js")), "the compile worker runs");
  assert.match(await page.textContent("#compile-status"), /^Compiled/);
  assert.ok((await page.inputValue("#source")).length < 40000, "the textarea holds a window of the file");
  assert.deepEqual(await cursor(page), { line: 1, col: 1 });
  for (let i = 0; i < 300; i++) await page.keyboard.press("ArrowDown");
  assert.deepEqual(await cursor(page), { line: 301, col: 1 });
  await caretInView(page);
  for (let i = 0; i < 10; i++) await page.keyboard.press("PageDown");
  const down = await cursor(page);
  assert.ok(down.line > 400, `page keys move on: ${down.line}`);
  await caretInView(page);
  await page.keyboard.type("XY");
  const t1 = await text(page);
  assert.equal(t1.split("\n")[down.line - 1].slice(0, 2), "XY", "typed at the caret's line of the file");
  assert.equal(t1.length, BIG.length + 2);
  await page.keyboard.press("Control+End");
  assert.deepEqual(await cursor(page), { line: LINES, col: 1 });
  await caretInView(page);
  await page.keyboard.press("Control+Home");
  assert.deepEqual(await cursor(page), { line: 1, col: 1 });
  await caretInView(page);
  assert.deepEqual(problems, []);
  await context.close();
});

test("typing after scrolling away from the caret types at the caret, and brings it into view", async () => {
  const { page, problems, context } = await bigEditor();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowDown");
  await page.$eval("#code", (b) => { b.scrollTop = b.scrollHeight / 2; b.dispatchEvent(new Event("scroll")); });
  await page.waitForTimeout(50);
  assert.ok(!(await gutter(page)).includes(6), "scrolled away");
  await page.keyboard.type("Q");
  assert.equal((await text(page)).split("\n")[5][0], "Q");
  await caretInView(page);
  assert.deepEqual(problems, []);
  await context.close();
});

test("Ctrl+A selects the whole file: copy copies it, typing replaces it, undo brings it back, redo again", async () => {
  const { page, problems, context } = await bigEditor();
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Control+c");
  assert.equal((await page.evaluate(() => navigator.clipboard.readText())).length, BIG.length, "the whole file copied");
  await page.keyboard.type("z");
  assert.equal(await text(page), "z");
  await page.keyboard.press("Control+z");
  assert.equal(await text(page), BIG);
  await page.keyboard.press("Control+Shift+z");
  assert.equal(await text(page), "z");
  await page.keyboard.press("Control+z");
  assert.equal(await text(page), BIG);
  assert.deepEqual(problems, []);
  await context.close();
});

test("undo takes back typing by groups; a multi-line paste and an IME composition edit the file", async () => {
  const { page, problems, context } = await bigEditor();
  for (let i = 0; i < 400; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.type("abc");
  await page.keyboard.press("Enter");
  await page.keyboard.type("def");
  let t = await text(page);
  assert.equal(t.split("\n")[400], "abc");
  assert.ok(t.split("\n")[401].startsWith("def"));
  await page.keyboard.press("Control+z"); // "def"
  await page.keyboard.press("Control+z"); // the line break
  t = await text(page);
  assert.ok(t.split("\n")[400].startsWith("abcemail,"), t.split("\n")[400]);
  await page.keyboard.press("Control+z"); // "abc"
  assert.equal(await text(page), BIG);
  // paste three lines
  await page.keyboard.insertText("p1\np2\np3\n");
  t = await text(page);
  assert.deepEqual(t.split("\n").slice(400, 403), ["p1", "p2", "p3"]);
  assert.equal(t.split("\n").length, LINES + 3);
  assert.deepEqual(await cursor(page), { line: 404, col: 1 });
  // a composition: pinyin shown while composing, 中文 committed
  const cdp = await context.newCDPSession(page);
  await cdp.send("Input.imeSetComposition", { text: "zhong", selectionStart: 5, selectionEnd: 5 });
  await cdp.send("Input.imeSetComposition", { text: "中", selectionStart: 1, selectionEnd: 1 });
  await cdp.send("Input.insertText", { text: "中文" });
  t = await text(page);
  assert.ok(t.split("\n")[403].startsWith("中文email,"), t.split("\n")[403]);
  assert.equal(t.length, BIG.length + 9 + 2);
  assert.deepEqual(await cursor(page), { line: 404, col: 3 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a short file is held whole; undo and redo work there too", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  const policy = read("examples/demo-store/policy.toml");
  assert.equal(await page.inputValue("#source"), policy, "policy.toml is under FULL_MAX lines: the textarea holds it all");
  await page.focus("#source");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("# note");
  assert.equal(await text(page), `${policy}# note`);
  await page.keyboard.press("Control+z");
  assert.equal(await text(page), policy);
  assert.equal(await page.inputValue("#source"), policy);
  await page.keyboard.press("Control+y");
  assert.equal(await text(page), `${policy}# note`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("find in the whole file: Ctrl+F in the editor finds lines outside the window and moves it there", async () => {
  const { page, problems, context } = await bigEditor();
  const far = 15000;
  const needle = `BUYER${far}@shop`; // case-insensitive
  assert.ok(!(await page.inputValue("#source")).includes(`buyer${far}@`), "the window does not hold it (the browser's find would not see it)");
  await page.keyboard.press("Control+f");
  assert.equal(await page.evaluate(() => document.activeElement.id), "find-text", "Ctrl+F in the editor opens the page's find");
  await page.keyboard.type(needle);
  const all = await text(page);
  const at = all.indexOf(`buyer${far}@shop`);
  const line = all.slice(0, at).split("\n").length;
  assert.equal((await cursor(page)).line, line, "the match is selected in the whole file");
  assert.ok((await page.inputValue("#source")).includes(`buyer${far}@shop`), "the window moved to the match");
  assert.ok((await gutter(page)).includes(line), "and the view");
  assert.equal(await page.textContent("#mirror mark.find-hit"), `buyer${far}@shop`, "highlighted while the focus is in the find bar");
  assert.equal(await page.textContent("#find-count"), "1 of 1");
  // a query with many matches, from the top (the search starts at the caret, as browsers'
  // do): Enter goes to the next, Shift+Enter back, with its number
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("Control+f");
  await page.keyboard.type("row 1999");
  assert.equal(await page.textContent("#find-count"), "1 of 11"); // row 1999, 19990…19999
  await page.keyboard.press("Enter");
  assert.equal(await page.textContent("#find-count"), "2 of 11");
  const second = (await cursor(page)).line;
  await page.keyboard.press("Shift+Enter");
  assert.equal(await page.textContent("#find-count"), "1 of 11");
  await page.keyboard.press("Shift+Enter"); // wraps to the last
  assert.equal(await page.textContent("#find-count"), "11 of 11");
  assert.ok((await cursor(page)).line > second);
  await page.fill("#find-text", "no such text");
  assert.equal(await page.textContent("#find-count"), "No match");
  // Escape: back in the editor, the last match still selected; typing replaces it
  await page.fill("#find-text", `buyer${far}@`);
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => document.activeElement.id), "source");
  assert.ok(await page.isHidden("#find-bar"));
  assert.equal(await page.$("#mirror mark.find-hit"), null, "the editor's selection shows it now");
  await page.keyboard.type("found");
  assert.ok((await text(page)).includes("email,foundshop.example,"), "typing replaced the selected match");
  assert.deepEqual(problems, []);
  await context.close();
});
