// Pure helpers of the demo page, with no DOM: CSV parsing, identifier masking,
// reading a fact path off the engine's facts, orders from CSV or a JSON file and the
// deterministic sample-batch generator. Kept DOM-free so the end-to-end tests can
// import the same generator and write the very batch the page generates.

/** RFC 4180 CSV → array of objects keyed by the header row (BOM tolerated). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, j) => [h.trim(), r[j] ?? ""])));
}

/** Masks an identifier for display: the list is personal data. */
export function maskIdentifier(kind, value) {
  const v = String(value).trim();
  switch (kind) {
    case "email": {
      const at = v.indexOf("@");
      if (at < 1) return "***";
      return v[0] + "***" + v.slice(at);
    }
    case "phone": {
      const digits = v.replace(/\D/g, "");
      const national = digits.length > 11 ? digits.slice(-11) : digits;
      if (national.length < 7) return "****";
      return national.slice(0, 3) + "****" + national.slice(-4);
    }
    case "address": {
      const chars = [...v.replace(/\s+/g, "")];
      return chars.slice(0, 6).join("") + "****";
    }
    case "ip": {
      const parts = v.split(".");
      return parts.length === 4 ? `${parts[0]}.${parts[1]}.*.*` : v.slice(0, 4) + "****";
    }
    case "customer_id":
      return v.length > 3 ? v.slice(0, 3) + "***" + v.slice(-1) : "***";
    default: // device_id, payment_fingerprint
      return v.length > 6 ? v.slice(0, 4) + "****" + v.slice(-2) : "****";
  }
}

/**
 * A file of orders as the backtest's inputs, one JSON text each (what the CLI reads as a
 * line of JSON Lines), with `where[i]`: input `i`'s 1-based line in the file (for JSON
 * Lines) or element number (for an array). The file is one order (a JSON object, even
 * over many lines), a JSON array of orders, or JSON Lines. `multiline` says that lines
 * hold only `{` or `[`: a pretty-printed document read as lines, whose lines are then
 * unusable one by one.
 */
export function ordersFromText(text) {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const trimmed = body.trim();
  if (trimmed.startsWith("[")) {
    let orders;
    try { orders = JSON.parse(trimmed); } catch (e) { throw new Error(`not a JSON array of orders: ${e.message}`); }
    return { format: "array", inputs: orders.map((o) => JSON.stringify(o)), where: orders.map((_, i) => i + 1), multiline: false };
  }
  if (trimmed.startsWith("{")) {
    // one order, possibly pretty-printed (JSON Lines of several orders fail to parse whole)
    try {
      const order = JSON.parse(trimmed);
      return { format: "order", inputs: [JSON.stringify(order)], where: [body.slice(0, body.indexOf("{")).split("\n").length], multiline: false };
    } catch { /* JSON Lines, or broken: read line by line */ }
  }
  const inputs = [];
  const where = [];
  body.split(/\r?\n/).forEach((line, i) => {
    if (line.trim()) { inputs.push(line); where.push(i + 1); }
  });
  return { format: "jsonl", inputs, where, multiline: inputs.some((l) => /^\s*[[{]\s*$/.test(l)) };
}

/**
 * Reads a fact path (`customer.level`, `item.restricted`, `items.high_value`) off the
 * facts `engine.facts()` / `engine.explain()` returns; `line` picks the item for `item.*`.
 */
export function factValue(facts, path, line) {
  const parts = path.split(".");
  if (parts[0] === "item" || parts[0] === "items") {
    const pick = parts[0] === "item" && line !== undefined ? [facts.items[line]] : facts.items;
    if (parts.length === 1) {
      return facts.items.map((it) => {
        const flags = [it.high_value && "high_value", it.limited && "limited"].filter(Boolean);
        return `${it.sku}×${it.quantity}${flags.length ? ` (${flags.join(", ")})` : ""}`;
      }).join(", ") || "[]";
    }
    const vals = pick.filter(Boolean).map((it) => it[parts[1]]);
    return parts[0] === "item" && vals.length === 1 ? vals[0] : vals;
  }
  let v = facts;
  for (const p of parts) {
    if (v === null || v === undefined) return undefined;
    v = v[p];
  }
  return v;
}

// ---------------------------------------------------------------------------------
// Orders from a CSV export (one row per order): the columns below, items written as
// `SKU*qty@price;SKU*qty@price`, or a single `json` column holding the whole order.
// ---------------------------------------------------------------------------------

export const ORDER_CSV_COLUMNS = [
  "order_id", "created_at", "currency", "channel", "customer_id", "email", "phone",
  "device_id", "payment_fingerprint", "ip", "account_created_at", "ship_name", "ship_phone",
  "province", "city", "district", "line1", "items", "verified",
];

export function ordersFromCsv(text) {
  return parseCsv(text).map((r) => {
    if (r.json) return JSON.parse(r.json);
    const o = { items: [] };
    const set = (obj, k, v) => { if (v !== undefined && v !== "") obj[k] = v; };
    set(o, "order_id", r.order_id);
    set(o, "created_at", r.created_at);
    set(o, "currency", r.currency);
    set(o, "channel", r.channel);
    const c = {};
    set(c, "id", r.customer_id); set(c, "email", r.email); set(c, "phone", r.phone);
    set(c, "device_id", r.device_id); set(c, "payment_fingerprint", r.payment_fingerprint);
    set(c, "ip", r.ip); set(c, "account_created_at", r.account_created_at);
    if (Object.keys(c).length) o.customer = c;
    const s = {};
    set(s, "name", r.ship_name); set(s, "phone", r.ship_phone); set(s, "province", r.province);
    set(s, "city", r.city); set(s, "district", r.district); set(s, "line1", r.line1);
    if (Object.keys(s).length) o.shipping = s;
    for (const part of String(r.items || "").split(";").filter((x) => x.trim())) {
      const m = /^\s*([^*@]+?)\s*(?:\*\s*(\d+))?\s*(?:@\s*([\d.]+))?\s*$/.exec(part);
      if (!m) continue;
      const item = { sku: m[1], quantity: Number(m[2] || 1) };
      if (m[3] !== undefined) item.unit_price = Number(m[3]);
      o.items.push(item);
    }
    if (r.verified) o.verified = r.verified.split(";").filter(Boolean);
    return o;
  });
}

// ---------------------------------------------------------------------------------
// Sample batch: thousands of orders derived from the sample orders, deterministically
// (same seed, same file), sorted by created_at as a real export would be.
// ---------------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `samples`: sample order objects; `catalog`: catalog.csv rows. Returns `count` orders,
 * created between `from` and `to`, sorted by `created_at`.
 */
export function generateBatch(samples, catalog, { count = 5000, seed = 20261125,
  from = "2026-11-01T00:00:00Z", to = "2026-11-25T09:00:00Z" } = {}) {
  const rnd = mulberry32(seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const t0 = Date.parse(from);
  const span = Date.parse(to) - t0;
  const ordinary = catalog.filter((r) => !r.tags);
  const out = [];
  for (let n = 0; n < count; n++) {
    const o = structuredClone(pick(samples));
    o.order_id = `GEN-${String(n + 1).padStart(6, "0")}`;
    // whole seconds, so the text is exactly what the CLI reads back
    o.created_at = new Date(t0 + Math.floor((rnd() * span) / 1000) * 1000)
      .toISOString().replace(".000Z", "Z");
    const r = rnd();
    if (r < 0.25 && o.items.length) {
      const it = pick(o.items);
      it.quantity = Math.max(1, it.quantity + (rnd() < 0.5 ? 1 : -1));
    } else if (r < 0.45 && ordinary.length) {
      const row = pick(ordinary);
      o.items.push({ sku: row.sku, quantity: 1 + Math.floor(rnd() * 3), unit_price: Number(row.price) });
    } else if (r < 0.55 && o.items.length > 1) {
      o.items.splice(Math.floor(rnd() * o.items.length), 1);
    }
    if (o.verified && rnd() < 0.5) delete o.verified;
    out.push(o);
  }
  out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  return out;
}
