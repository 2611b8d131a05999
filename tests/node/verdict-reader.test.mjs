// The verdict reader of the JS package (src/wasm/verdict.js) on its own: it reads the
// form src/wasm/verdict_js.rs documents, keeps the strings the bytes tell it to keep,
// and throws on bytes off the form instead of building a wrong verdict. That real
// verdicts read as checkJson's is tests/node/package.test.mjs.
//
//   node --test tests/node/verdict-reader.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildVerdict, build } from "../../src/wasm/verdict.js";

const [TABLE, NEW, FRESH, RECENT, RECENT_NEW] = [0, 1, 2, 3, 4];
const ACTIONS = ["allow", "warn", "review", "step_up", "deny"];
const utf8 = (s) => [...Buffer.from(s)];
/** A LEB128 count, as verdict_js.rs writes it. */
function count(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const text = (tag, s) => [tag, ...count(Buffer.byteLength(s)), ...utf8(s)];
const snapshot = [...text(NEW, "demo-store"), ...text(NEW, "v1"), ...text(NEW, "2036-01-01T00:00:00Z")];

test("a verdict's bytes read as its object, keys in the contract's order", () => {
  const table = [...ACTIONS];
  const recent = [];
  const lines = Array.from({ length: 200 }, (_, i) => i);
  const bytes = Uint8Array.from([
    4, // deny
    ...count(1), ...text(NEW, "sms"), // verify
    ...count(1), ...count(1), ...[TABLE, ...count(5)], // verify_required: [["sms"]]
    ...count(1), ...text(NEW, "blocked"), ...text(NEW, "BLOCKED"), 4, ...count(200), ...lines.flatMap(count),
    ...count(2), RECENT_NEW, ...count(7), ...count(3), ...utf8("茶"), 4, ...text(FRESH, "A-1"), 0,
    1, ...text(NEW, "zh-CN"), ...text(FRESH, "您的订单无法提交"), ...text(NEW, "blocked"),
    ...snapshot,
    ...count(1), ...text(FRESH, "stale"),
  ]);
  const verdict = buildVerdict(table, recent, bytes);
  assert.equal(
    JSON.stringify(verdict),
    JSON.stringify({
      decision: "deny",
      verify: ["sms"],
      verify_required: [["sms"]],
      reasons: [{ rule: "blocked", code: "BLOCKED", action: "deny", lines }],
      lines: [{ sku: "茶", decision: "deny" }, { sku: "A-1", decision: "allow" }],
      message: { locale: "zh-CN", text: "您的订单无法提交", key: "blocked" },
      snapshot: { merchant: "demo-store", version: "v1", expires_at: "2036-01-01T00:00:00Z" },
      warnings: ["stale"],
    }),
  );
  // NEW strings were kept, in order, after the actions; FRESH ones were not.
  assert.deepEqual(table.slice(5), ["sms", "blocked", "BLOCKED", "zh-CN", "blocked", "demo-store", "v1", "2036-01-01T00:00:00Z"]);
  assert.equal(recent[7], "茶");
  // The next verdict names them by index and slot.
  const again = buildVerdict(table, recent, Uint8Array.from([
    0, 0, 0, 0, ...count(1), RECENT, ...count(7), 0, 0,
    TABLE, ...count(10), TABLE, ...count(11), TABLE, ...count(12), 0,
  ]));
  assert.deepEqual(again.lines, [{ sku: "茶", decision: "allow" }]);
  assert.equal(again.message, null);
  assert.deepEqual(again.snapshot, verdict.snapshot);
  assert.notEqual(again.snapshot, verdict.snapshot, "objects are fresh for every verdict");
});

test("strings of every length and script come through as written", () => {
  for (const s of ["", "a", "x".repeat(32), "x".repeat(33), "é", "a".repeat(31) + "é", "😀", "長".repeat(100)]) {
    const table = [...ACTIONS];
    const bytes = Uint8Array.from([0, 0, 0, 0, 0, 0, ...snapshot, ...count(1), ...text(FRESH, s)]);
    assert.deepEqual(buildVerdict(table, [], bytes).warnings, [s]);
  }
});

test("bytes off the form are refused instead of building a verdict", () => {
  const good = [0, 0, 0, 0, 0, 0, ...snapshot, 0];
  assert.ok(buildVerdict([...ACTIONS], [], Uint8Array.from(good)));
  for (const bad of [
    good.slice(0, -1), // ends early
    [...good, 0], // a byte left over
    [0, 0, 0, 0, 0, 0, 9, ...good.slice(6)], // an unknown string tag
    [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // a count longer than five bytes
    [0, 0, 0, 0, 0, 0, NEW, 100, 1, 2], // a string past the end
    [5, ...good.slice(1)], // no such action
    [0, 0, 0, 0, 0, 0, TABLE, 40, ...good.slice(7)], // no such table entry
    [0, 0, 0, 0, 1, RECENT, 3, 0, ...good.slice(5)], // an empty slot
  ]) {
    assert.throws(() => build([...ACTIONS], [], Uint8Array.from(bad)), /^Error: verdict: /, JSON.stringify(bad));
    assert.equal(buildVerdict([...ACTIONS], [], Uint8Array.from(bad)), null, "the engine's import never throws");
  }
});
