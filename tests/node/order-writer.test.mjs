// The order writer of the JS package (src/wasm/order.js) on its own: it writes every
// sample order packed (so the fast way in is the one orders take), writes the form
// src/engine/order/packed.rs documents, asks for room when the buffer is small, and
// declines what it cannot write exactly as JSON.stringify would say it. That both ways
// in read the same orders is tests/wasm.rs's `both_ways_in_read_the_same_order`.
//
//   node --test tests/node/order-writer.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { encodeOrder } from "../../src/wasm/order.js";

const DECLINE = -1;
const TOO_SMALL = -2;
const root = new URL("../../", import.meta.url);

test("every sample order is written packed", () => {
  const lines = readFileSync(new URL("examples/orders/all.jsonl", root), "utf8").split("\n").filter((l) => l.trim());
  assert.ok(lines.length >= 36);
  const buffer = new Uint8Array(4096);
  for (const line of lines) {
    assert.ok(encodeOrder(JSON.parse(line), undefined, buffer) > 0, line);
  }
});

test("the packed form is the one packed.rs reads", () => {
  const buffer = new Uint8Array(64);
  const n = encodeOrder({ currency: "CNY", items: [{ sku: "é", quantity: 2 }], verified: ["sms"], note: 1 }, undefined, buffer);
  const u32 = (v) => [v, 0, 0, 0];
  const text = (tag, s) => [tag, ...u32(Buffer.byteLength(s)), ...Buffer.from(s)];
  const expected = [
    1, 0, 0, 0, // options: written, the JS clock, no duplicate, no locale
    0, 0, ...text(1, "CNY"), 0, // order_id, created_at, currency, channel
    0, 0, // no customer, no shipping
    ...u32(1), ...text(1, "é"), 2, ...new Uint8Array(new Float64Array([2]).buffer), 0, // one line
    1, ...u32(1), ...text(1, "sms"), // verified
  ];
  assert.deepEqual([...buffer.subarray(0, n)], expected);
});

test("a small buffer is refused, then a large one is filled", () => {
  const order = { items: Array.from({ length: 50 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })) };
  assert.equal(encodeOrder(order, undefined, new Uint8Array(100)), TOO_SMALL);
  assert.ok(encodeOrder(order, undefined, new Uint8Array(4096)) > 100);
});

test("what JSON.stringify would write differently is declined", () => {
  const buffer = new Uint8Array(4096);
  const base = () => ({ items: [{ sku: "A", quantity: 1 }] });
  const declined = {
    "a Date": (o) => (o.created_at = new Date(0), o),
    "a BigInt": (o) => (o.items[0].quantity = 1n, o),
    "a lone surrogate": (o) => (o.order_id = "é\ud800", o),
    "a lone surrogate in an ignored field": (o) => (o.note = "\udc00", o),
    "a nested ignored field": (o) => (o.meta = { a: 1 }, o),
    "a class instance": (o) => Object.assign(new (class X {})(), o),
    "an own toJSON": (o) => (o.toJSON = () => ({}), o),
    "a hole": (o) => (o.items = [, { sku: "A", quantity: 1 }], o),
    "no items": () => ({ customer: { id: "C-1" } }),
    "a boolean in a known field": (o) => (o.channel = true, o),
    "33 verified methods": (o) => (o.verified = Array(33).fill("sms"), o),
    "a list": (o) => [o],
  };
  for (const [what, make] of Object.entries(declined)) {
    assert.equal(encodeOrder(make(base()), undefined, buffer), DECLINE, what);
  }
  // NaN and Infinity are written as JSON.stringify writes them: null, absent.
  assert.ok(encodeOrder({ items: [{ sku: "A", quantity: NaN }] }, undefined, buffer) > 0);
});

test("a getter that writes another order declines the inner one, not the outer", () => {
  const buffer = new Uint8Array(4096);
  let inner;
  const order = {
    items: [{ sku: "A", quantity: 1 }],
    get note() {
      inner = encodeOrder({ items: [] }, undefined, new Uint8Array(64));
      return "n";
    },
  };
  assert.ok(encodeOrder(order, undefined, buffer) > 0);
  assert.equal(inner, DECLINE);
  assert.ok(encodeOrder({ items: [] }, undefined, buffer) > 0, "not left busy");
});

test("strings are written as TextEncoder writes them; a lone surrogate is declined", () => {
  const buffer = new Uint8Array(1 << 16);
  const written = (s) => {
    const n = encodeOrder({ order_id: s, items: [] }, null, buffer);
    if (n < 0) return n;
    // After the 4 bytes of the options, order_id's tag and length.
    const len = buffer[5] | (buffer[6] << 8) | (buffer[7] << 16);
    return Buffer.from(buffer.subarray(9, 9 + len)).toString("hex");
  };
  const hex = (s) => Buffer.from(new TextEncoder().encode(s)).toString("hex");
  // Every boundary of the UTF-8 lengths, a pair at each end of the surrogate ranges,
  // then random well-formed strings over the whole range.
  const edges = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff];
  const samples = [edges.map((c) => String.fromCodePoint(c)).join(""), "张三😀@例子.cn", "\u0000\u001f\"\\"];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const cps = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
      const c = Math.floor(random() * 0x110000);
      return c >= 0xd800 && c <= 0xdfff ? 0x41 : c;
    });
    samples.push(String.fromCodePoint(...cps));
  }
  for (const s of samples) assert.equal(written(s), hex(s), JSON.stringify(s));
  for (const s of ["\ud800", "\udfff", "a\ud83d", "\ude00a", "\ud83d\ud83d\ude00x", "é\udc00"]) {
    assert.equal(written(s), DECLINE, JSON.stringify(s));
  }
});

test("the common options come packed ahead of the order; the rest are left to the engine", () => {
  const buffer = new Uint8Array(4096);
  const order = { items: [] };
  const head = (options) => {
    const n = encodeOrder(order, options, buffer);
    assert.ok(n > 0);
    return [...buffer.subarray(0, n - 11)]; // the order, 11 bytes: 4 absent values, 2 absent objects, 0 lines, no verified
  };
  const now = 1764064800000;
  const f64 = [...new Uint8Array(new Float64Array([now]).buffer)];
  assert.deepEqual(head({ now, duplicate: true, locale: "en" }), [1, 1, ...f64, 2, 1, 2, 0, 0, 0, ..."en"].map((x) => (typeof x === "string" ? x.charCodeAt(0) : x)));
  assert.deepEqual(head({ now, duplicate: false, other: {} }), [1, 1, ...f64, 1, 0]);
  assert.deepEqual(head(Object.create({ now })), [1, 1, ...f64, 0, 0], "read by [[Get]], as Reflect.get reads");
  assert.deepEqual(head({ now: null, locale: undefined }), [1, 0, 0, 0]);
  for (const options of [{ now: new Date(now) }, { now: "2026-11-25T10:00:00Z" }, { now: NaN }, { duplicate: "yes" },
    { locale: 5 }, { locale: "e\ud800" }, { identity: {} }, { bought: { A: 1 } }, "options", 5]) {
    assert.deepEqual(head(options), [0], JSON.stringify(options));
  }
});
