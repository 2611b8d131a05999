// The verdict's way out to JavaScript: src/wasm/verdict_js.rs writes a verdict as a few
// bytes (numbers, and indices of strings this side already holds), and buildVerdict
// makes the plain object the contract describes in one call, instead of one call across
// the boundary per object, array, property and string. The form is in verdict_js.rs.
//
// The strings of a snapshot's constant parts (actions, rule ids, codes, methods,
// messages, the snapshot's identity) live in `table`, an array the engine holds and
// clears on a snapshot swap; the caller's recent texts (line SKUs, filled messages) live
// in `recent`, slots chosen by the engine. The objects and arrays are fresh for every verdict (a caller may keep or
// change one without touching the next), written in the contract's key order, the order
// JSON.stringify gives (tests/node/package.test.mjs holds it to checkJson, byte for byte).
//
// This file is both an ES module and, rewritten by scripts/build-pkg.sh (its one
// `export` line), CommonJS: keep it free of imports and other exports.

// A string's tags (verdict_js.rs, `StringTag`).
const TABLE = 0;
const NEW = 1;
const FRESH = 2;
const RECENT = 3;
const RECENT_NEW = 4;

/** Strings up to this many bytes are decoded here; longer ones by TextDecoder. */
const SHORT = 32;

const decoder = new TextDecoder();

// One call's state: the bytes and where the next one is.
let bytes = null;
let at = 0;

/** The next byte; past the end is the writer's bug, never a quiet `undefined`. */
function next() {
  if (at >= bytes.length) throw new Error("verdict: the bytes end early");
  return bytes[at++];
}

/** A LEB128 count (verdict_js.rs writes at most five bytes of one: a `u32`). */
function count() {
  const byte = next();
  // Almost every count (list lengths, indices, short strings' lengths) is one byte.
  return byte < 0x80 ? byte : longCount(byte);
}

function longCount(first) {
  let value = first & 0x7f;
  for (let scale = 0x80; scale <= 0x10000000; scale *= 0x80) {
    const byte = next();
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
  }
  throw new Error("verdict: a count longer than five bytes");
}

/** `len` bytes of UTF-8 as a string: ASCII by hand, the rest by TextDecoder. */
function utf8(len) {
  const end = at + len;
  if (end > bytes.length) throw new Error("verdict: a string runs past the end");
  if (len <= SHORT) {
    let text = "";
    let i = at;
    for (; i < end; i++) {
      const byte = bytes[i];
      if (byte >= 0x80) break;
      text += String.fromCharCode(byte);
    }
    if (i === end) {
      at = end;
      return text;
    }
  }
  const text = decoder.decode(bytes.subarray(at, end));
  at = end;
  return text;
}

/** `list[index]`, which the bytes say is there. */
function held(list, index) {
  const text = list[index];
  if (typeof text !== "string") throw new Error(`verdict: no string at ${index}`);
  return text;
}

/** An action: its index among `table`'s first five strings. */
function action(table) {
  const index = next();
  if (index > 4) throw new Error(`verdict: no action ${index}`);
  return table[index];
}

function string(table, recent) {
  const tag = next();
  switch (tag) {
    case TABLE:
      return held(table, count());
    case NEW: {
      const text = utf8(count());
      table.push(text);
      return text;
    }
    case FRESH:
      return utf8(count());
    case RECENT:
      return held(recent, count());
    case RECENT_NEW: {
      const slot = count();
      const text = utf8(count());
      recent[slot] = text;
      return text;
    }
    default:
      throw new Error(`verdict: unknown string tag ${tag} at ${at - 1}`);
  }
}

function strings(table, recent) {
  const n = count();
  const list = [];
  for (let i = 0; i < n; i++) list.push(string(table, recent));
  return list;
}

function reason(table, recent) {
  const rule = string(table, recent);
  const code = string(table, recent);
  const act = action(table);
  const n = count();
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(count());
  return { rule, code, action: act, lines };
}

function line(table, recent) {
  const sku = string(table, recent);
  const decision = action(table);
  return { sku, decision };
}

function message(table, recent) {
  if (next() === 0) return null;
  const locale = string(table, recent);
  const text = string(table, recent);
  const key = string(table, recent);
  return { locale, text, key };
}

/**
 * The verdict `written` (a view of the engine's memory) describes, or null when the bytes
 * are off the form (never thrown: an exception would unwind through the engine's frames).
 * `table` and `recent` are the engine's; new strings are added to them as the bytes say.
 */
function buildVerdict(table, recent, written) {
  try {
    return build(table, recent, written);
  } catch {
    return null;
  }
}

/** buildVerdict, throwing on bytes off the form (what tests read). */
function build(table, recent, written) {
  bytes = written;
  at = 0;
  try {
    const decision = action(table);
    const verify = strings(table, recent);
    const groups = count();
    const verify_required = [];
    for (let i = 0; i < groups; i++) verify_required.push(strings(table, recent));
    const reasonCount = count();
    const reasons = [];
    for (let i = 0; i < reasonCount; i++) reasons.push(reason(table, recent));
    const lineCount = count();
    const lines = [];
    for (let i = 0; i < lineCount; i++) lines.push(line(table, recent));
    const msg = message(table, recent);
    const merchant = string(table, recent);
    const version = string(table, recent);
    const expires_at = string(table, recent);
    const warnings = strings(table, recent);
    if (at !== bytes.length) throw new Error(`verdict: ${bytes.length - at} bytes left over`);
    return {
      decision,
      verify,
      verify_required,
      reasons,
      lines,
      message: msg,
      snapshot: { merchant, version, expires_at },
      warnings,
    };
  } finally {
    // The view must not outlive the call: the memory may grow and detach it.
    bytes = null;
  }
}

export { buildVerdict, build };
