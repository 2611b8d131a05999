// A merchant's own store in the page (www/workspace.js): a store other than the demo's,
// generated here, opened as files, as a folder and as a zip; its own orders file
// (JSON Lines, a JSON array, one pretty-printed order); the backtest against each
// baseline (the store as first loaded, the last saved version, an uploaded snapshot)
// equal to `checkout-guard backtest --baseline` on the same files; edits kept over a
// reload and "Reset to demo"; the download named after the store and reproducible; a
// broken quote shown as the compiler's `csv-multiline` warning with the entries read.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { cli, startWithCli, scratchDirs, openPage, stopServer, root } from "./helpers.mjs";

const demoKey = path.join(root, "examples/demo-store/demo.key");
let browser;
before(async () => { browser = await startWithCli(); });
after(async () => { await browser?.close(); stopServer(); });

// Uploaded and downloaded files live in temporary folders, removed when the tests end.
const scratchDir = scratchDirs("cg-ws-");

// ---- a small store that is not the demo's ----

const POLICY = `merchant = "lantern-books"
currency = "CNY"
valid_for = "3650d"
high_value_threshold = 500.0

[[rule]]
id     = "unknown-item"
when   = '"unknown_sku" in order.issues || "price_mismatch" in order.issues'
action = "deny"
reason = "ORDER_TAMPERED"

[[rule]]
id     = "blocked-customer"
when   = 'customer.level == "block"'
action = "deny"
reason = "BLOCKLISTED"

[[rule]]
id     = "watched-big-order"
when   = 'customer.level == "watch" && order.total >= 300.0'
action = "review"
reason = "WATCHED_BIG_ORDER"

[[rule]]
id     = "rare-edition"
when   = '"rare" in item.tags'
action = "warn"
reason = "RARE_EDITION"
scope  = "item"
`;

const BLOCKLIST = `kind,value,level,reason,added_at,expires_at,note
customer_id,L200,block,CHARGEBACK,2026-01-05T00:00:00Z,,"chargebacks on two orders"
customer_id,L300,watch,RESELLER,2026-02-01T00:00:00Z,,resells signed copies
email,fraud@example.org,block,FAKE_ACCOUNT,2026-03-01T00:00:00Z,,"a ""burner"" address"
phone,13900139009,watch,RESELLER,2026-03-02T00:00:00Z,,
`;

const CATALOG = `sku,name,category,price,tags,max_per_order
BK-001,The Lantern Keeper,novels,58.00,,
BK-002,Maps of Paper Cities,essays,88.00,,
BK-003,First Edition: Rivers,rare,420.00,rare,1
BK-004,Signed Folio,rare,960.00,rare,1
`;

const CUSTOMERS = `customer_id,account_created_at,orders_90d,refunds_90d,chargebacks_365d,addresses_90d
L100,2024-01-01T00:00:00Z,3,0,0,1
L200,2025-05-01T00:00:00Z,2,0,2,1
L300,2025-07-01T00:00:00Z,9,1,0,3
`;

const STORE = { "policy.toml": POLICY, "blocklist.csv": BLOCKLIST, "catalog.csv": CATALOG, "customers.csv": CUSTOMERS };
const FILES = Object.keys(STORE);

function writeStore(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** `checkout-guard compile` of `files` with the demo key (what the page compiles with). */
function compileCli(files, out, createdAt) {
  const dir = writeStore(path.join(scratchDir(), "src"), files);
  execFileSync(cli, ["compile", dir, "-o", out, "--key", demoKey, ...(createdAt ? ["--created-at", createdAt] : [])], { stdio: "pipe" });
  return out;
}

/** Orders of this store: every customer, a rare item, an unknown SKU, a bad line. */
function storeOrders() {
  const orders = [];
  const customers = ["L100", "L200", "L300", "L999"];
  const items = [
    [{ sku: "BK-001", quantity: 1, unit_price: 58 }], [{ sku: "BK-002", quantity: 2, unit_price: 88 }],
    [{ sku: "BK-003", quantity: 1, unit_price: 420 }], [{ sku: "BK-404", quantity: 1, unit_price: 10 }],
    [{ sku: "BK-001", quantity: 3, unit_price: 58 }],
  ];
  for (let i = 0; i < 24; i++) {
    const c = customers[i % customers.length];
    orders.push({
      order_id: `LB-${1000 + i}`,
      created_at: `2026-11-2${i % 5}T0${i % 9}:00:00Z`,
      currency: "CNY",
      customer: { id: c, email: i % 7 === 3 ? "fraud@example.org" : `${c.toLowerCase()}@example.com`, phone: i % 6 === 2 ? "13900139009" : "13800138000" },
      shipping: { name: "林小雨", phone: "13800138000", province: "浙江省", city: "杭州市", district: "西湖区", line1: "文三路1号" },
      items: items[(i >> 2) % items.length], // each customer meets every basket
    });
  }
  return orders;
}

function backtestCli(snapshot, baseline, ordersFile) {
  return JSON.parse(execFileSync(cli, ["backtest", "--json", "--snapshot", snapshot, "--baseline", baseline, ordersFile], { encoding: "utf8" }));
}

// ---- a zip, written here (stored or deflated entries) ----

function zip(entries, { deflate = true } = {}) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const body = deflate ? zlib.deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(deflate ? 8 : 0, 8); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(entries).length, 8); end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---- page helpers ----

async function waitReport(page) {
  await page.waitForSelector("#bt-results:not([hidden]) .bt-summary", { timeout: 60000 });
  const rep = await page.evaluate(() => window.__cgBacktestReport);
  await page.evaluate(() => { window.__cgBacktestReport = null; document.querySelector("#bt-results").hidden = true; });
  return rep;
}

async function backtest(page, file) {
  await page.click("#tab-backtest");
  await page.setInputFiles("#bt-file", file);
  return waitReport(page);
}

function sameCounts(got, expected, what) {
  for (const key of ["orders", "unusable", "decisions", "rules", "baseline", "changes"]) {
    assert.deepEqual(got[key], expected[key], `${what}: report.${key}`);
  }
}

async function storeOpened(page, merchant) {
  await page.waitForSelector(`#engine-info[data-merchant="${merchant}"]`, { timeout: 10000 });
  await page.waitForSelector("#compile-status.ok");
}

// ---- tests ----

test("a store of its own, opened as files: its orders, each baseline, counts equal to the CLI's", async () => {
  const dir = writeStore(path.join(scratchDir(), "lantern-books"), STORE);
  const orders = storeOrders();
  const jsonl = path.join(scratchDir(), "orders.jsonl");
  writeFileSync(jsonl, orders.map((o) => JSON.stringify(o)).join("\n") + "\n");
  const original = compileCli(STORE, path.join(scratchDir(), "original.snapshot"));

  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  assert.ok(await page.$("#expected [data-decision]"), "the demo's samples show their expected decision");
  await page.setInputFiles("#ws-files", FILES.map((f) => path.join(dir, f)));
  await storeOpened(page, "lantern-books");
  // its identity: footer, store bar, no demo chips; the editors hold its files
  assert.match(await page.textContent(".foot"), /lantern-books/);
  assert.doesNotMatch(await page.textContent(".foot"), /茗藏阁/);
  assert.equal(await page.$("#expected [data-decision]"), null, "no demo 'expected' chip on another store");
  assert.match(await page.textContent("#compile-status"), /Compiled · 4 rules/);
  // entries read per file, next to each tab
  assert.equal(await page.getAttribute('.file-tab:has-text("blocklist.csv") .entries', "data-entries"), "4");
  assert.equal(await page.getAttribute('.file-tab:has-text("catalog.csv") .entries', "data-entries"), "4");
  assert.equal(await page.getAttribute('.file-tab:has-text("customers.csv") .entries', "data-entries"), "3");

  // 1. baseline: the store as first loaded, policy unchanged → no change
  let rep = await backtest(page, jsonl);
  sameCounts(rep, backtestCli(original, original, jsonl), "as loaded");
  assert.equal(rep.orders, 24);
  assert.equal(rep.changes.length, 0);
  assert.equal(await page.getAttribute('[data-testid="bt-read"]', "data-value"), "24");

  // 2. an edit: watched customers reviewed from 100 on; compared with the store as loaded
  const edited = { ...STORE, "policy.toml": POLICY.replace("order.total >= 300.0", "order.total >= 100.0") };
  await page.click("#tab-playground");
  await page.fill("#source", edited["policy.toml"]);
  await page.waitForSelector("#compile-status.ok");
  const editedSnap = compileCli(edited, path.join(scratchDir(), "edited.snapshot"));
  rep = await backtest(page, jsonl);
  const expectEdited = backtestCli(editedSnap, original, jsonl);
  sameCounts(rep, expectEdited, "edited vs as loaded");
  assert.ok(rep.changes.length > 0, "the edit changes some decisions");
  assert.equal(await page.getAttribute('[data-testid="bt-changes"]', "data-count"), String(expectEdited.changes.length));

  // 3. "Save version", then another edit: compared with the last saved version
  await page.click("#ws-save");
  const edited2 = { ...edited, "policy.toml": edited["policy.toml"].replace('action = "warn"', 'action = "review"') };
  await page.click("#tab-playground");
  await page.fill("#source", edited2["policy.toml"]);
  await page.waitForSelector("#compile-status.ok");
  await page.click("#tab-backtest");
  await page.selectOption("#bt-baseline", "saved");
  const edited2Snap = compileCli(edited2, path.join(scratchDir(), "edited2.snapshot"));
  rep = await backtest(page, jsonl);
  sameCounts(rep, backtestCli(edited2Snap, editedSnap, jsonl), "edited again vs saved");
  assert.ok(rep.changes.length > 0 && rep.changes.every((c) => c.baseline === "warn" && c.decision === "review"), JSON.stringify(rep.changes));

  // 4. an uploaded snapshot as the baseline (another version of the store, by the CLI)
  const other = { ...STORE, "blocklist.csv": BLOCKLIST.replace("customer_id,L300,watch", "customer_id,L300,block") };
  const otherSnap = compileCli(other, path.join(scratchDir(), "other.snapshot"));
  await page.setInputFiles("#bt-snapshot", otherSnap);
  await page.waitForFunction(() => document.querySelector("#bt-baseline").value === "snapshot");
  rep = await backtest(page, jsonl);
  sameCounts(rep, backtestCli(edited2Snap, otherSnap, jsonl), "edited again vs uploaded snapshot");
  assert.ok(rep.changes.length > 0);

  // 5. the same orders as a JSON array: the same report, read as an array
  const array = path.join(scratchDir(), "orders.json");
  writeFileSync(array, JSON.stringify(orders, null, 2));
  const fromArray = await backtest(page, array);
  sameCounts(fromArray, backtestCli(edited2Snap, otherSnap, jsonl), "JSON array");
  assert.equal(await page.getAttribute('[data-testid="bt-read"]', "data-format"), "array");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a store folder and a store zip open; a bad zip, a zip without the files and a too large entry are refused", async () => {
  const base = scratchDir();
  const folder = writeStore(path.join(base, "lantern-books"), STORE);
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");

  // a folder (webkitdirectory)
  await page.setInputFiles("#ws-folder", folder);
  await storeOpened(page, "lantern-books");
  assert.match(await page.textContent("#ws-store"), /lantern-books/);
  await page.click("#ws-reset");
  await storeOpened(page, "demo-store");

  // a zip, deflated, its files in a folder inside it
  const zipped = path.join(base, "lantern-books.zip");
  writeFileSync(zipped, zip(Object.fromEntries(Object.entries(STORE).map(([k, v]) => [`lantern-books/${k}`, v]))));
  await page.setInputFiles("#ws-files", zipped);
  await storeOpened(page, "lantern-books");
  assert.equal(await page.inputValue("#source"), POLICY);
  // dropped on the store bar, the same zip opens too
  await page.click("#ws-reset");
  await storeOpened(page, "demo-store");
  const dropped = await page.evaluateHandle((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], "dropped.zip"));
    return dt;
  }, readFileSync(zipped).toString("base64"));
  await page.dispatchEvent("#workspace", "drop", { dataTransfer: dropped });
  await storeOpened(page, "lantern-books");
  assert.match(await page.textContent("#ws-store"), /dropped \(lantern-books\)/);
  // the same store stored (not deflated) gives the same text
  const stored = path.join(base, "stored.zip");
  writeFileSync(stored, zip({ ...STORE, "policy.toml": POLICY.replace('"lantern-books"', '"lantern-books-2"') }, { deflate: false }));
  await page.setInputFiles("#ws-files", stored);
  await storeOpened(page, "lantern-books-2");
  assert.match(await page.textContent("#ws-store"), /stored \(lantern-books-2\)/);
  // some of the files alone replace those files in the editors (the store stays)
  const one = writeStore(path.join(base, "one"), { "blocklist.csv": BLOCKLIST + "customer_id,L100,watch,NEW,,,\n" });
  await page.setInputFiles("#ws-files", path.join(one, "blocklist.csv"));
  await page.waitForSelector('.file-tab:has-text("blocklist.csv") .entries[data-entries="5"]');
  assert.ok(await page.$('.file-tab:has-text("blocklist.csv") .dot'), "marked as changed from the store as loaded");
  assert.match(await page.textContent("#ws-store"), /stored \(lantern-books-2\)/);

  // refused, with a message that says why, and the store open stays
  const bad = path.join(base, "bad.zip");
  writeFileSync(bad, Buffer.from("this is not a zip file at all"));
  await page.setInputFiles("#ws-files", bad);
  await page.waitForSelector("#ws-error:not([hidden])");
  assert.match(await page.textContent("#ws-error"), /bad\.zip: not a zip file/);
  const partial = path.join(base, "partial.zip");
  writeFileSync(partial, zip({ "policy.toml": POLICY, "README.md": "no lists" }));
  await page.setInputFiles("#ws-files", partial);
  await page.waitForFunction(() => /lacks blocklist\.csv, catalog\.csv, customers\.csv/.test(document.querySelector("#ws-error").textContent));
  // an entry declaring 100 MB (the page opens at most 64 MB per file)
  const huge = zip(STORE, { deflate: false });
  const cdAt = huge.readUInt32LE(huge.length - 22 + 16);
  huge.writeUInt32LE(100 << 20, cdAt + 24); // the first entry's uncompressed size
  const hugeFile = path.join(base, "huge.zip");
  writeFileSync(hugeFile, huge);
  await page.setInputFiles("#ws-files", hugeFile);
  await page.waitForFunction(() => /too large \(100 MB; at most 64 MB\)/.test(document.querySelector("#ws-error").textContent));
  assert.equal(await page.getAttribute("#engine-info", "data-merchant"), "lantern-books-2", "the store open stays");
  assert.deepEqual(problems, []);
  await context.close();
});

test("edits are kept over a reload; Reset to demo restores the demo store", async () => {
  const dir = writeStore(path.join(scratchDir(), "lantern-books"), STORE);
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  await page.setInputFiles("#ws-files", FILES.map((f) => path.join(dir, f)));
  await storeOpened(page, "lantern-books");
  const snap = compileCli(STORE, path.join(scratchDir(), "base.snapshot"));
  await page.setInputFiles("#bt-snapshot", snap);
  await page.waitForFunction(() => document.querySelector("#bt-baseline").value === "snapshot");
  const edited = POLICY.replace("order.total >= 300.0", "order.total >= 250.0");
  await page.fill("#source", edited);
  await page.waitForSelector('#ws-kept[data-state="kept"]');
  const createdAt = await page.inputValue("#ws-created");
  await page.reload();
  await page.waitForSelector("body.ready");
  await storeOpened(page, "lantern-books");
  assert.equal(await page.inputValue("#source"), edited, "the edit survived the reload");
  assert.equal(await page.inputValue("#bt-baseline"), "snapshot", "so did the baseline chosen");
  assert.equal(await page.inputValue("#ws-created"), createdAt, "and the creation time");
  assert.match(await page.textContent(".foot"), /lantern-books/);
  // "reset" of one file goes back to the store as loaded, not the demo
  await page.click("#reset-file");
  assert.equal(await page.inputValue("#source"), POLICY);

  await page.click("#ws-reset");
  await storeOpened(page, "demo-store");
  assert.equal(await page.inputValue("#source"), readFileSync(path.join(root, "examples/demo-store/policy.toml"), "utf8"));
  assert.match(await page.textContent("#compile-status"), /Compiled · 18 rules/);
  assert.ok(await page.$("#expected [data-decision]"), "the demo's expected chips are back");
  await page.reload();
  await page.waitForSelector("body.ready");
  await storeOpened(page, "demo-store");
  assert.match(await page.textContent(".foot"), /茗藏阁/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("an edit of the demo store is kept over a reload too; its expected chips stay", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  const policy = readFileSync(path.join(root, "examples/demo-store/policy.toml"), "utf8");
  const edited = policy.replace("customer.addresses_90d >= 5", "customer.addresses_90d >= 3");
  await page.fill("#source", edited);
  await page.waitForSelector('#ws-kept[data-state="kept"]');
  await page.reload();
  await page.waitForSelector("body.ready");
  await page.waitForSelector("#compile-status.ok");
  assert.equal(await page.inputValue("#source"), edited);
  assert.ok(await page.$("#expected [data-decision]"), "still the demo store");
  assert.equal(await page.isEnabled("#ws-reset"), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the snapshot download is named after the store and equals the CLI's compile at the same creation time", async () => {
  const dir = writeStore(path.join(scratchDir(), "lantern-books"), STORE);
  const { page, problems, context } = await openPage(browser);
  await page.setInputFiles("#ws-files", FILES.map((f) => path.join(dir, f)));
  await storeOpened(page, "lantern-books");
  const createdAt = "2026-11-20T08:00:00Z";
  await page.click("#ws-use summary");
  // a date alone is not a creation time: refused here, not by the compiler
  await page.fill("#ws-created", "2026-11-20");
  await page.press("#ws-created", "Enter");
  await page.waitForSelector("#ws-error:not([hidden])");
  assert.match(await page.textContent("#ws-error"), /"2026-11-20" is not an RFC 3339 time/);
  assert.equal(await page.getAttribute("#ws-created", "aria-invalid"), "true");
  await page.fill("#ws-created", createdAt);
  await page.press("#ws-created", "Enter"); // change: every policy compiled again at that time
  await page.waitForSelector(`#ws-snippet[data-file^="lantern-books-"]`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-snapshot")]);
  const name = download.suggestedFilename();
  const got = path.join(scratchDir(), name);
  await download.saveAs(got);
  const expected = compileCli(STORE, path.join(scratchDir(), "cli.snapshot"), createdAt);
  const info = JSON.parse(execFileSync(cli, ["inspect", got], { encoding: "utf8" }));
  assert.equal(name, `lantern-books-${info.version}.snapshot`);
  assert.equal(info.created_at, createdAt);
  assert.equal(await page.getAttribute("#engine-info", "data-version"), info.version, "the footer shows the version downloaded");
  assert.ok(readFileSync(got).equals(readFileSync(expected)), "same files and creation time → the CLI's bytes");
  // the snippet beside it names that file
  assert.equal(await page.getAttribute("#ws-snippet", "data-file"), name);
  assert.match(await page.textContent("#ws-snippet"), new RegExp(`Engine\\.fromBytes\\(readFileSync\\("${name}"\\)`));
  assert.deepEqual(problems, []);
  await context.close();
});

test("a missing closing quote is the csv-multiline warning at its line, and the entries read drop", async () => {
  const { page, problems, context } = await openPage(browser);
  await page.waitForSelector("#compile-status.ok");
  const blocklist = readFileSync(path.join(root, "examples/demo-store/blocklist.csv"), "utf8");
  await page.click('.file-tab:has-text("blocklist.csv")');
  const before = Number(await page.getAttribute('.file-tab:has-text("blocklist.csv") .entries', "data-entries"));
  assert.equal(before, blocklist.trim().split("\n").length - 1, "every row read");
  const lines = blocklist.split("\n");
  // a quoted field closing before the last (the scope) column: its closing quote removed
  const at = lines.findIndex((l) => /,"[^"]+",[^",]*$/.test(l) && !l.includes('""'));
  assert.ok(at > 0);
  lines[at] = lines[at].replace(/",([^",]*)$/, ",$1");
  await page.fill("#source", lines.join("\n"));
  const diag = await page.waitForSelector('#diagnostics li.diag.warn[data-code="csv-multiline"]');
  assert.equal(await diag.getAttribute("data-file"), "blocklist.csv");
  assert.equal(await diag.getAttribute("data-line"), String(at + 1));
  // the caret ends the filled text, so the view is at its end: back to the top, where
  // the warned line is (the gutter draws the lines in view only)
  await page.keyboard.press("Control+Home");
  await page.waitForFunction((n) => [...document.querySelectorAll("#gutter .g-warn")].some((e) => e.textContent === n), String(at + 1));
  const after = Number(await page.getAttribute('.file-tab:has-text("blocklist.csv") .entries', "data-entries"));
  assert.ok(after < before, `${after} entries read of ${before}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("orders files: one pretty-printed order, and lines of one numbered from 1 with a hint", async () => {
  const { page, problems, context } = await openPage(browser);
  const order = readFileSync(path.join(root, "examples/orders/clean.json"), "utf8");
  const one = path.join(scratchDir(), "clean.json");
  writeFileSync(one, order);
  let rep = await backtest(page, one);
  assert.equal(rep.orders, 1);
  assert.equal(rep.unusable, 0);
  assert.equal(await page.getAttribute('[data-testid="bt-read"]', "data-format"), "order");
  // two pretty-printed orders in one file: neither one order nor JSON Lines
  const two = path.join(scratchDir(), "two.json");
  writeFileSync(two, order + order);
  rep = await backtest(page, two);
  const nLines = (order + order).trim().split("\n").length;
  assert.equal(rep.orders + rep.unusable, nLines);
  assert.ok(await page.$('[data-testid="bt-multiline-hint"]'), "the hint that one order per line is needed");
  assert.equal(await page.getAttribute(".errors li", "data-line"), "1", "lines are numbered from 1");
  assert.match(await page.textContent(".errors li"), /^line 1/);
  // a batch of 7 runs 7 (no silent minimum)
  await page.fill("#bt-count", "7");
  await page.click("#bt-generate");
  rep = await waitReport(page);
  assert.equal(rep.orders, 7);
  assert.deepEqual(problems, []);
  await context.close();
});

test("screenshots of a merchant's store open (the store bar, the baseline choice)", async () => {
  const dir = writeStore(path.join(scratchDir(), "lantern-books"), STORE);
  const out = path.join(root, process.env.UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : "target/screenshots");
  mkdirSync(out, { recursive: true });
  for (const [width, height, lang] of [[1280, 800, "en"], [390, 844, "zh-CN"]]) {
    const { page, problems, context } = await openPage(browser, { width, height, lang });
    await page.setInputFiles("#ws-folder", dir);
    await storeOpened(page, "lantern-books");
    await page.click('.file-tab:has-text("blocklist.csv")');
    await page.click("#ws-use summary");
    await page.screenshot({ path: path.join(out, `workspace-${width}x${height}.png`) });
    await page.click("#ws-save");
    await page.click("#tab-backtest");
    await page.screenshot({ path: path.join(out, `workspace-backtest-${width}x${height}.png`) });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page overflows by ${overflow}px at ${width}px`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
