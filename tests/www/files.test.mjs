// The page's DOM-free readers of what a user opens, in Node: www/zip.js (a store's .zip:
// stored and deflated entries, and each refusal with its message) and lib.js's
// `ordersFromText` (one JSON order, an array, JSON Lines; where each input came from).
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { readZip, ZipError } from "../../www/zip.js";
import { ordersFromText } from "../../www/lib.js";

/** A zip of `entries` ({name: text}); `patch(central, local)` may edit the first entry's headers. */
function zip(entries, { deflate = true, patch } = {}) {
  const parts = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const body = deflate ? zlib.deflateRawSync(data) : data;
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(deflate ? 8 : 0, 8); local.writeUInt32LE(zlib.crc32(data), 14);
    local.writeUInt32LE(body.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(deflate ? 8 : 0, 10); central.writeUInt32LE(zlib.crc32(data), 16);
    central.writeUInt32LE(body.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    if (patch && !centrals.length) patch(central, local);
    parts.push(local, n, body);
    centrals.push(central, n);
    offset += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  const count = Object.keys(entries).length;
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(count, 8); end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cd, end]));
}

const text = async (e) => new TextDecoder().decode(await e.read());

test("a zip's stored and deflated entries read back; folders are left out", async () => {
  const files = { "store/policy.toml": "merchant = \"x\"\n".repeat(50), "store/blocklist.csv": "kind,value\n" };
  for (const deflate of [true, false]) {
    const entries = readZip(zip({ ...files, "store/": "" }, { deflate }));
    assert.deepEqual(entries.map((e) => e.name), Object.keys(files));
    for (const e of entries) assert.equal(await text(e), files[e.name]);
  }
});

test("what the page cannot read is refused with a message that says why", async () => {
  const refused = async (bytes, pattern, opts) => {
    await assert.rejects(async () => { for (const e of readZip(bytes, opts)) await e.read(); }, (err) => err instanceof ZipError && pattern.test(err.message), String(pattern));
  };
  await refused(new TextEncoder().encode("PK but not a zip"), /not a zip file/);
  await refused(zip({ "a.csv": "x".repeat(5000) }), /a\.csv is too large \(5 KB; at most 1 KB\)/, { maxBytes: 1024 });
  await refused(zip({ "a.csv": "x" }, { patch: (c) => c.writeUInt16LE(1, 8) }), /encrypted/);
  await refused(zip({ "a.csv": "x" }, { deflate: false, patch: (c) => c.writeUInt16LE(12, 10) }), /compression method 12/);
  // a size field that lies: the entry inflates to more than it declared
  await refused(zip({ "a.csv": "y".repeat(10000) }, { patch: (c) => c.writeUInt32LE(100, 24) }), /inflates to more than its declared 100 bytes/);
  await refused(zip({ "a.csv": "x" }, { patch: (c, l) => l.writeUInt32LE(0, 0) }), /local header is missing/);
  const z64 = zip({ "a.csv": "x" });
  new DataView(z64.buffer).setUint32(z64.length - 22 + 16, 0xffffffff, true);
  await refused(z64, /ZIP64/);
});

test("orders files: one order (pretty-printed), an array, JSON Lines with 1-based lines", () => {
  const order = { order_id: "A", items: [] };
  assert.deepEqual(ordersFromText(JSON.stringify(order, null, 2)), { format: "order", inputs: [JSON.stringify(order)], where: [1], multiline: false });
  assert.deepEqual(ordersFromText(`\uFEFF[${JSON.stringify(order)}, null]`), { format: "array", inputs: [JSON.stringify(order), "null"], where: [1, 2], multiline: false });
  const jsonl = ordersFromText(`${JSON.stringify(order)}\r\n\n{"order_id":"B"}\nnot json\n`);
  assert.deepEqual(jsonl, { format: "jsonl", inputs: [JSON.stringify(order), '{"order_id":"B"}', "not json"], where: [1, 3, 4], multiline: false });
  // two pretty-printed orders: read as lines, and said to be a document over lines
  const two = ordersFromText(JSON.stringify(order, null, 2) + "\n" + JSON.stringify(order, null, 2));
  assert.equal(two.format, "jsonl");
  assert.equal(two.multiline, true);
  assert.equal(two.where[0], 1);
  assert.throws(() => ordersFromText("[{]"), /not a JSON array of orders/);
});
