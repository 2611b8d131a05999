// Typing in the demo page's policy editor with a merchant-sized blocklist.csv: how long
// each keystroke holds the page, and how long the compile that follows takes. A benchmark,
// not a test: scripts/test.sh does not run it. From a clean checkout:
//
//   bash scripts/setup.sh wasm node pkg      # npm ci, pkg/ (or ./scripts/build-pkg.sh)
//   node bench/www-typing.mjs                         # 5k, 50k, 100k rows, 20 keystrokes each
//   node bench/www-typing.mjs --rows 100000 --keys 40 --url http://127.0.0.1:8080/www/
//   node bench/www-typing.mjs --rows 100000 --keys 60 --pause-every 10 --pause 400   # typing through compiles
//
// Without --url it serves this checkout's www/ (www/serve.mjs on a free port); --url
// measures another checkout's page (e.g. main's, for a before/after).
//
// What it does, per size: opens the page (1280×800, Debian's Chromium through
// playwright-core), puts the demo blocklist plus generated rows (distinct e-mails, the demo's
// columns) into blocklist.csv's editor, waits for the compile, puts the caret at the end
// of the middle row's note, then types `keys` characters, one every 60 ms (a fast typist), and
// takes for each:
//   keystroke  from the keydown event's timestamp to the first task after the next frame
//              (the handler, style, layout and paint: what the typist waits for), ms;
//   handler    the page's own input handlers (input event, capture at the document to
//              bubble at the window), ms: the rest of a keystroke is the browser's;
//   long tasks PerformanceObserver('longtask') entries (> 50 ms) while typing, and the
//              longest one, which is the compile when it runs on the page's thread;
//   compiled   from the last keystroke to the compile status showing the result, ms.
// Prints p50/p95/max per size; --json FILE writes them. Figures: docs/BENCHMARKS.md,
// "The demo page's editor at scale" (with where the time goes).
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch, pageUrl, stopServer } from "../tests/www/helpers.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const sizes = String(flag("--rows", "5000,50000,100000")).split(",").map(Number);
const keys = Number(flag("--keys", 20));
// --pause-every K --pause MS: a pause of MS after every K keys, long enough for the
// debounced compile to start, so later keystrokes meet it (and its result) mid-typing
const pauseEvery = Number(flag("--pause-every", 0));
const pauseMs = Number(flag("--pause", 400));
const jsonOut = flag("--json", null);
let url = flag("--url", null);

// The page tests' server and browser (tests/www/helpers.mjs), so both run the page alike.
if (!url) url = await pageUrl();

const demo = readFileSync(path.join(root, "examples/demo-store/blocklist.csv"), "utf8").replace(/\n*$/, "\n");
// the demo header's columns past `note` (`scope` since 73423e0), left empty: without them
// every generated row was a csv-row error and the store did not compile
const extra = ",".repeat(Math.max(0, demo.split("\n", 1)[0].split(",").length - 7));
/** The demo list plus `rows` generated entries: distinct e-mails, the demo's columns. */
function blocklist(rows) {
  const out = [demo];
  for (let i = 0; i < rows; i++) {
    out.push(`email,buyer${i}@shop.example,${i % 3 ? "watch" : "block"},REFUND_ABUSE,2026-05-01T00:00:00Z,2027-05-01T00:00:00Z,imported row ${i}${extra}\n`);
  }
  return out.join("");
}

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const r1 = (x) => Math.round(x * 10) / 10;

const browser = await launch();
const results = [];
try {
  for (const rows of sizes) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
    const page = await context.newPage();
    await page.addInitScript(() => localStorage.setItem("cg-lang", "en"));
    await page.goto(url);
    await page.waitForSelector("body.ready", { timeout: 30000 });
    await page.click('#file-tabs button:has-text("blocklist.csv")');
    const text = blocklist(rows);
    const lines = text.split("\n").length;
    // Load the list as a paste would: one input event, then wait for the compile.
    const loadMs = await page.evaluate(async (t) => {
      const ta = document.querySelector("#source");
      const t0 = performance.now();
      ta.value = t;
      ta.dispatchEvent(new Event("input", { bubbles: true }));
      const status = document.querySelector("#compile-status");
      while (status.classList.contains("busy")) await new Promise((r) => setTimeout(r, 20));
      return performance.now() - t0;
    }, text);
    const status = await page.textContent("#compile-status");
    // Caret at the end of the middle row's note (before the empty columns after it, so
    // the typed text stays a valid note), scrolled into view as a user would have it.
    await page.evaluate(async ({ line, back }) => {
      const ta = document.querySelector("#source");
      // the editor's text: since the windowed textarea (www/textwindow.js) the textarea holds
      // only the lines around the view; a page from before it holds all of it
      const ed = await import(new URL("editor.js", location.href)).catch(() => ({}));
      const text = ed.editorText ? ed.editorText() : ta.value;
      let at = 0;
      for (let l = 1; l < line; l++) at = text.indexOf("\n", at) + 1;
      const end = text.indexOf("\n", at) - back;
      ta.focus();
      const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
      if (ed.selectInEditor) ed.selectInEditor(end);
      else ta.setSelectionRange(end, end);
      ta.scrollTop = Math.max(0, (line - 10) * lh);
      ta.dispatchEvent(new Event("scroll"));
      window.__lat = [];
      window.__handler = [];
      window.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
        .observe({ type: "longtask", buffered: false });
      document.addEventListener("keydown", (e) => {
        const t0 = e.timeStamp;
        requestAnimationFrame(() => setTimeout(() => window.__lat.push(performance.now() - t0), 0));
      }, true);
      // the page's own input handlers: from the input event's capture at the document to its bubble at the window
      let h0 = 0;
      document.addEventListener("input", () => { h0 = performance.now(); }, true);
      window.addEventListener("input", () => { window.__handler.push(performance.now() - h0); });
    }, { line: Math.floor(lines / 2), back: extra.length });
    await page.waitForTimeout(300);
    const typed = "abcdefghijklmnopqrstuvwxyz".repeat(Math.ceil(keys / 26)).slice(0, keys);
    for (const [k, ch] of [...typed].entries()) {
      await page.keyboard.press(ch);
      await page.waitForTimeout(pauseEvery && (k + 1) % pauseEvery === 0 ? pauseMs : 60);
    }
    const compiledMs = await page.evaluate(async () => {
      const t0 = performance.now();
      const status = document.querySelector("#compile-status");
      await new Promise((r) => setTimeout(r, 0));
      while (status.classList.contains("busy")) await new Promise((r) => setTimeout(r, 10));
      return performance.now() - t0;
    });
    await page.waitForTimeout(200);
    const { lat, long, handler } = await page.evaluate(() => ({ lat: window.__lat, long: window.__long, handler: window.__handler }));
    const ok = await page.evaluate(async (t) => {
      const ed = await import(new URL("editor.js", location.href)).catch(() => ({}));
      return (ed.editorText ? ed.editorText() : document.querySelector("#source").value).includes(t);
    }, typed);
    const statusAfter = (await page.textContent("#compile-status")).trim();
    const r = {
      rows, bytes: Buffer.byteLength(text), status: status.trim(), status_after: statusAfter, typedIntact: ok, load_ms: r1(loadMs),
      keystroke_p50_ms: r1(q(lat, 0.5)), keystroke_p95_ms: r1(q(lat, 0.95)), keystroke_max_ms: r1(Math.max(...lat)),
      handler_p50_ms: r1(q(handler, 0.5)), handler_p95_ms: r1(q(handler, 0.95)),
      keystrokes: lat.length, long_tasks: long.length, longest_task_ms: r1(long.length ? Math.max(...long) : 0),
      compiled_after_last_key_ms: r1(compiledMs),
    };
    results.push(r);
    console.log(JSON.stringify(r));
    } catch (e) {
      // a page that runs out of memory (main's editor did at 100k rows) is a result too
      const r = { rows, error: String(e?.message || e).split("\n")[0] };
      results.push(r);
      console.log(JSON.stringify(r));
    }
    await context.close().catch(() => {});
  }
} finally {
  await browser.close();
  stopServer();
}
console.log(`\n${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("rows     keystroke p50 / p95 / max (ms)   handler p50 / p95   long tasks (longest)   compiled after last key");
for (const r of results) {
  if (r.error) { console.log(`${String(r.rows).padStart(7)}  ${r.error}`); continue; }
  console.log(`${String(r.rows).padStart(7)}  ${String(r.keystroke_p50_ms).padStart(8)} / ${String(r.keystroke_p95_ms).padStart(6)} / ${String(r.keystroke_max_ms).padStart(6)}   ${String(r.handler_p50_ms).padStart(6)} / ${String(r.handler_p95_ms).padStart(6)}   ${String(r.long_tasks).padStart(4)} (${r.longest_task_ms} ms)   ${r.compiled_after_last_key_ms} ms`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ url, date: new Date().toISOString(), results }, null, 2));
