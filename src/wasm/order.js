// The order's way into the engine from JavaScript: its fields written straight into
// WebAssembly memory in the packed form src/engine/order/packed.rs reads (the grammar is
// there), instead of JSON.stringify → UTF-8 text → the JSON reader. Imported by
// src/wasm/order_js.rs; wasm-bindgen ships it beside its glue.
//
// It writes an order only when the packed form says exactly what JSON.stringify would
// say of the same fields: plain objects and arrays (what JSON.parse makes), well-formed
// strings, numbers, booleans, null and undefined, no toJSON anywhere, a document within
// the JSON reader's size limit. For anything else — a Date, a class instance, a BigInt,
// a nested object in an unknown field, a lone surrogate, a list over its limit, a wrong
// type in a known field — it declines (returns DECLINE) and the engine reads
// JSON.stringify(order) as before, so every bad order gets the JSON reader's error.
// tests/wasm.rs holds both ways to the same orders and errors.
//
// The check's options come first in the buffer when they are the common kind (a
// `now` in epoch milliseconds, `duplicate`, `locale`; no `identity` or `bought`),
// read the way the engine's own option reader reads them (src/wasm/order_js.rs has
// the form); otherwise a 0 says the engine reads them itself, as before.
//
// This file is both an ES module and, rewritten by scripts/build-pkg.sh (its one
// `export` line), CommonJS: keep it free of imports and other exports.

/** The order is not plain data this writer knows: read it as JSON. */
const DECLINE = -1;
/** The buffer is too small: call again with a larger one. */
const TOO_SMALL = -2;

// The limits of src/engine/order/mod.rs the writer must not pass (over them the JSON
// reader reports an error; declining lets it).
const MAX_JSON_BYTES = 1 << 20;
const MAX_LINES = 1000;
const MAX_VERIFIED = 32;

// The fields of each object the packed form has (src/engine/order/packed.rs): a field's
// place among them, or -1 for a field the engine ignores. A switch on constant strings,
// not indexOf on a list: for…in's keys and the cases are interned strings, which the
// switch compares by reference (a list's indexOf cost ~7 % of an order's writing).
function topField(key) {
  switch (key) {
    case "order_id": return 0;
    case "created_at": return 1;
    case "currency": return 2;
    case "channel": return 3;
    default: return -1;
  }
}

function customerField(key) {
  switch (key) {
    case "id": return 0;
    case "email": return 1;
    case "phone": return 2;
    case "device_id": return 3;
    case "payment_fingerprint": return 4;
    case "ip": return 5;
    case "account_created_at": return 6;
    default: return -1;
  }
}

function shippingField(key) {
  switch (key) {
    case "name": return 0;
    case "phone": return 1;
    case "province": return 2;
    case "city": return 3;
    case "district": return 4;
    case "line1": return 5;
    default: return -1;
  }
}

function lineField(key) {
  switch (key) {
    case "sku": return 0;
    case "quantity": return 1;
    case "unit_price": return 2;
    default: return -1;
  }
}

// The kinds of object with fields, and how many fields each kind has.
const CUSTOMER = 0;
const SHIPPING = 1;
const LINE = 2;
const FIELD_COUNTS = [7, 6, 3];

/** `key`'s place among the fields of `kind` (CUSTOMER, SHIPPING or LINE), or -1. */
function fieldOf(kind, key) {
  // A switch on the constant, not a function passed in: each call site stays inlined.
  switch (kind) {
    case CUSTOMER:
      return customerField(key);
    case SHIPPING:
      return shippingField(key);
    default:
      return lineField(key);
  }
}

const ABSENT = 0;
const STRING = 1;
const NUMBER = 2;

const wellFormed = typeof String.prototype.isWellFormed === "function";
const objectProto = Object.prototype;
const arrayProto = Array.prototype;

// One call's state: the output, where the next byte goes, an upper bound of the length
// of JSON.stringify's text so far, why writing stopped, and one object's fields.
let out = null;
let at = 0;
let json = 0;
let failure = DECLINE;
let busy = false;
const slots = [undefined, undefined, undefined, undefined, undefined, undefined, undefined];
const top = [undefined, undefined, undefined, undefined];

function fail(why) {
  failure = why;
  return false;
}

/** What JSON.parse makes: an object whose prototype is Object.prototype (or none). */
function isPlainObject(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === objectProto || proto === null;
}

function isPlainArray(value) {
  return Array.isArray(value) && Object.getPrototypeOf(value) === arrayProto;
}

/** A value of a field the engine ignores: fine when JSON.stringify writes it flat. */
function ignorable(key, value) {
  // Each character of a key or string is at most 6 bytes of JSON text (`\u001f`).
  json += 6 * key.length + 4;
  if (!key.isWellFormed()) return false;
  switch (typeof value) {
    case "string":
      json += 6 * value.length + 2;
      return value.isWellFormed();
    case "number":
    case "boolean":
    case "undefined":
      json += 25;
      return true;
    default:
      json += 4;
      return value === null;
  }
}

function writeCount(n) {
  out[at] = n & 0xff;
  out[at + 1] = (n >>> 8) & 0xff;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = n >>> 24;
  at += 4;
}

/**
 * `tag`, then `text` as UTF-8 with its length. Written here, not by TextEncoder: for the
 * short strings of an order a call to encodeInto costs more than the loop, and the loop
 * finds a lone surrogate (which JSON.stringify would write as an escape the engine's
 * JSON reader refuses) on the way.
 */
function writeText(tag, text) {
  const n = text.length;
  json += 6 * n + 2;
  if (json > MAX_JSON_BYTES) return fail(DECLINE);
  // UTF-8 takes at most 3 bytes per UTF-16 unit (4 for a surrogate pair's two).
  if (at + 5 + 3 * n > out.length) return fail(TOO_SMALL);
  // A local: the module's `out` is reloaded and re-checked on every store otherwise.
  const o = out;
  o[at] = tag;
  const start = at + 5;
  let p = start;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      o[p++] = c;
    } else if (c < 0x800) {
      o[p++] = 0xc0 | (c >> 6);
      o[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      o[p++] = 0xe0 | (c >> 12);
      o[p++] = 0x80 | ((c >> 6) & 0x3f);
      o[p++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return fail(DECLINE);
      i++;
      const u = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      o[p++] = 0xf0 | (u >> 18);
      o[p++] = 0x80 | ((u >> 12) & 0x3f);
      o[p++] = 0x80 | ((u >> 6) & 0x3f);
      o[p++] = 0x80 | (u & 0x3f);
    }
  }
  at += 1;
  writeCount(p - start);
  at = p;
  return true;
}

/** A finite number as its float64 value, little-endian (tag, then 8 bytes). */
function writeNumber(tag, value) {
  if (at + 9 > out.length) return fail(TOO_SMALL);
  out[at++] = tag;
  number[0] = value;
  for (let i = 0; i < 8; i++) out[at++] = numberBytes[i];
  return true;
}

/** A field's value: a string, a number, or absent (null, undefined, and what JSON writes as null). */
function writeValue(value) {
  if (typeof value === "string") return writeText(STRING, value);
  if (typeof value === "number" && Number.isFinite(value)) {
    // JSON.stringify writes the shortest text that reads back as this same value
    // (at most 25 characters, `-0.0000012345678901234567`): the value says what the
    // text would.
    json += 25;
    return writeNumber(NUMBER, value);
  }
  if (value === undefined || value === null || (typeof value === "number")) {
    // JSON.stringify writes NaN and ±Infinity as null, which reads as absent.
    if (at + 1 > out.length) return fail(TOO_SMALL);
    out[at++] = ABSENT;
    json += 25;
    return true;
  }
  return fail(DECLINE);
}

/** The fields of a plain object of kind `kind` (CUSTOMER, …), in their order; other fields must be ignorable. */
function writeFields(object, kind) {
  if (!isPlainObject(object)) return fail(DECLINE);
  // A loop, not slots.fill: fill is a builtin call that cost ~12 % of an order's writing.
  const count = FIELD_COUNTS[kind];
  for (let i = 0; i < count; i++) slots[i] = undefined;
  for (const key in object) {
    const i = fieldOf(kind, key);
    if (i >= 0) {
      json += 24;
      slots[i] = object[key];
    } else if (!ignorable(key, object[key])) {
      return fail(DECLINE);
    }
  }
  for (let i = 0; i < count; i++) {
    if (!writeValue(slots[i])) return false;
  }
  return true;
}

function writeTag(tag) {
  if (at + 1 > out.length) return fail(TOO_SMALL);
  out[at++] = tag;
  return true;
}

/** An optional object field (`customer`, `shipping`). */
function writeObject(value, kind) {
  if (value === undefined || value === null) return writeTag(0);
  return writeTag(1) && writeFields(value, kind);
}

function writeItems(items) {
  if (!isPlainArray(items) || items.length > MAX_LINES) return fail(DECLINE);
  if (at + 4 > out.length) return fail(TOO_SMALL);
  writeCount(items.length);
  for (let i = 0; i < items.length; i++) {
    if (!writeFields(items[i], LINE)) return false;
  }
  return true;
}

function writeVerified(verified) {
  if (verified === undefined || verified === null) return writeTag(0);
  if (!isPlainArray(verified) || verified.length > MAX_VERIFIED) return fail(DECLINE);
  if (!writeTag(1)) return false;
  if (at + 4 > out.length) return fail(TOO_SMALL);
  writeCount(verified.length);
  for (let i = 0; i < verified.length; i++) {
    const method = verified[i];
    if (typeof method !== "string") return fail(DECLINE);
    if (!writeText(STRING, method)) return false;
  }
  return true;
}

/** `x` is undefined or null: what the engine's option reader takes as absent. */
function nullish(x) {
  return x === undefined || x === null;
}

/**
 * The options, read as src/wasm.rs's `check_options` reads them (each by [[Get]], in its
 * order), when they are the common kind: `0`, or `1`, then `now` (`0`, or `1` and a
 * float64), `duplicate` (`0` absent, `1` false, `2` true) and `locale` (a value).
 */
function writeOptions(options) {
  // No options read as an object with none of them (and nothing inherited).
  if (nullish(options)) options = noOptions;
  if (typeof options !== "object") return writeTag(0);
  const now = options.now;
  const duplicate = options.duplicate;
  const locale = options.locale;
  const common =
    (nullish(now) || (typeof now === "number" && Number.isFinite(now))) &&
    (nullish(duplicate) || typeof duplicate === "boolean") &&
    (nullish(locale) || (typeof locale === "string" && locale.isWellFormed())) &&
    nullish(options.identity) &&
    nullish(options.bought);
  if (!common) return writeTag(0);
  out[at++] = 1;
  if (nullish(now)) {
    out[at++] = 0;
  } else {
    writeNumber(1, now);
  }
  out[at++] = nullish(duplicate) ? 0 : duplicate ? 2 : 1;
  return nullish(locale) ? writeTag(ABSENT) : writeText(STRING, locale);
}

const noOptions = Object.freeze(Object.create(null));
// A float64's bytes, little-endian whatever the platform's order (a DataView's store
// costs more than the typed array's; the order is checked once).
const number = new Float64Array(1);
const numberBytes = new Uint8Array(number.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes `options` and `order` into `buffer` (a view of WebAssembly memory) in the
 * packed form. Returns the number of bytes written, DECLINE, or TOO_SMALL.
 */
function encodeOrder(order, options, buffer) {
  // Without String.prototype.isWellFormed (older engines), lone surrogates cannot be
  // told apart cheaply; numbers are written little-endian (a big-endian platform takes
  // the JSON way); a toJSON on the shared prototypes changes what JSON.stringify
  // writes, and an enumerable property there would reach `for…in`.
  if (!wellFormed || !littleEndian || !isPlainObject(order) || objectProto.toJSON !== undefined || arrayProto.toJSON !== undefined) {
    return DECLINE;
  }
  for (const inherited in objectProto) return DECLINE;
  // A getter that checks another order from inside this one (through a second wasm
  // instance sharing this module) must not write over this call's state.
  if (busy) return DECLINE;
  busy = true;
  try {
    return encode(order, options, buffer);
  } finally {
    busy = false;
    out = null;
  }
}

function encode(order, options, buffer) {
  out = buffer;
  at = 0;
  json = 2;
  failure = DECLINE;
  // Options first, as the engine reads them first. 14 bytes of room for the fixed part.
  if (out.length < 14 || !writeOptions(options)) return failure;
  // The options are not part of the order's JSON text: its length starts here.
  json = 2;
  let customer;
  let shipping;
  let items;
  let verified;
  top[0] = top[1] = top[2] = top[3] = undefined;
  for (const key in order) {
    const value = order[key];
    switch (key) {
      case "customer":
        customer = value;
        break;
      case "shipping":
        shipping = value;
        break;
      case "items":
        items = value;
        break;
      case "verified":
        verified = value;
        break;
      default: {
        const i = topField(key);
        if (i >= 0) top[i] = value;
        else if (!ignorable(key, value)) return DECLINE;
        continue;
      }
    }
    json += 24;
  }
  // A missing `items` is an error the JSON reader words.
  if (items === undefined || items === null) return DECLINE;
  const written =
    writeValue(top[0]) &&
    writeValue(top[1]) &&
    writeValue(top[2]) &&
    writeValue(top[3]) &&
    writeObject(customer, CUSTOMER) &&
    writeObject(shipping, SHIPPING) &&
    writeItems(items) &&
    writeVerified(verified);
  if (!written) return failure;
  return json > MAX_JSON_BYTES ? DECLINE : at;
}

export { encodeOrder };
