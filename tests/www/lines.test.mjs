// The editor's line index and text (www/lines.js), in Node: after any edit, with or
// without the caret hints a keystroke gives, the incrementally updated line starts equal
// a full recount, the edit's extent is exact, and the three-piece text equals one string.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Lines, lineStarts, editExtent } from "../../www/lines.js";

test("line starts of a text", () => {
  assert.deepEqual(lineStarts(""), [0]);
  assert.deepEqual(lineStarts("a\nbc\n"), [0, 2, 5]);
  const l = new Lines("ab\ncd\nef");
  assert.equal(l.count, 3);
  assert.equal(l.lineOf(0), 0);
  assert.equal(l.lineOf(3), 1);
  assert.equal(l.lineOf(7), 2);
  assert.deepEqual(l.bounds(1), [3, 5]);
  assert.deepEqual(l.bounds(2), [6, 8]);
});

test("the extent of an edit, with and without hints", () => {
  // typing `a` after `xa`: the hint says where the caret was, the tail where it is
  assert.deepEqual(editExtent("xa", "xaa", 1, 2), { from: 1, oldEnd: 1, newEnd: 2 });
  assert.deepEqual(editExtent("xa", "xaa"), { from: 2, oldEnd: 2, newEnd: 3 });
  // replacing a selection
  assert.deepEqual(editExtent("hello world", "help world", 3, 4), { from: 3, oldEnd: 5, newEnd: 4 });
  // backspace
  assert.deepEqual(editExtent("ab\ncd", "abcd", 2, 2), { from: 2, oldEnd: 3, newEnd: 2 });
});

test("incremental updates equal a full recount, for random edits", () => {
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ["", "a", "\n", "xy\nz", "\n\n", "中文\n", "row,1\nrow,2\n"];
  let text = "first\nsecond\n\nthird";
  const lines = new Lines(text);
  for (let i = 0; i < 2000; i++) {
    const a = rnd(text.length + 1);
    const b = Math.min(text.length, a + rnd(6));
    const ins = pieces[rnd(pieces.length)];
    const next = text.slice(0, a) + ins + text.slice(b);
    // the extent as the editor finds it (textwindow.js): half with the hints a keystroke gives, half without
    const ext = i % 2 ? editExtent(text, next, a, a + ins.length) : editExtent(text, next);
    lines.splice(ext.from, ext.oldEnd, next.slice(ext.from, ext.newEnd));
    text = next;
    assert.equal(lines.text, text, `edit ${i}`);
    assert.deepEqual(lines.starts, lineStarts(text), `edit ${i}`);
  }
  // a paste of many lines at once
  const big = Array.from({ length: 5000 }, (_, k) => `email,b${k}@x.example,block`).join("\n");
  lines.splice(3, 3, big);
  assert.deepEqual(lines.starts, lineStarts(text.slice(0, 3) + big + text.slice(3)));
});

test("splice within and across the focused piece equals editing one string", () => {
  let seed = 11;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ["", "a", "\n", "xy\nz", "中文\n", "row,1\nrow,2\n"];
  let text = Array.from({ length: 200 }, (_, k) => `line ${k}`).join("\n");
  const lines = new Lines(text);
  lines.focus(300, 900); // the editor's window
  for (let i = 0; i < 2000; i++) {
    // mostly inside the window, as typing is; sometimes anywhere (an undo of a whole-file edit)
    const inside = i % 10 !== 0;
    const h = lines.head.length;
    const m = h + lines.mid.length;
    const a = inside ? h + rnd(m - h + 1) : rnd(text.length + 1);
    const b = Math.min(inside ? m : text.length, a + rnd(6));
    const ins = pieces[rnd(pieces.length)];
    assert.equal(lines.slice(a, b), text.slice(a, b), `slice before edit ${i}`);
    const ext = lines.splice(a, b, ins);
    text = text.slice(0, a) + ins + text.slice(b);
    assert.deepEqual(ext, { from: a, oldEnd: b, newEnd: a + ins.length, delta: ins.length - (b - a) });
    assert.equal(lines.length, text.length);
    assert.deepEqual(lines.starts, lineStarts(text), `edit ${i}`);
    if (i % 100 === 0) {
      assert.equal(lines.text, text, `joined text after edit ${i}`);
      const at = rnd(text.length);
      lines.focus(at, Math.min(text.length, at + 400)); // the window moved
    }
  }
  assert.equal(lines.text, text);
});
