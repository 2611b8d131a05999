// checkout-guard edge worker: who is ordering, as the edge itself verified it (README
// "Identity", docs/SECURITY.md "Identity binding at the edge").
//
// The body of an order is written by the person the policy is aimed at, so nothing in it
// may say who they are. The identity the engine binds (API9 A, `CheckOptions.identity`)
// comes only from:
//   - a verified session: a JWT (RFC 7519, compact form) in `Authorization: Bearer` or
//     in the cookie SESSION_COOKIE (default `cg_session`), signed HS256 with
//     SESSION_SECRET or EdDSA (Ed25519) with SESSION_PUBLIC_KEY (64 hex, the `.pub` of
//     `checkout-guard keygen --signing`): `sub` → customerId, `email`, `phone`,
//     `account_created_at` (RFC 3339) → accountCreatedAt;
//   - the connecting address → ip: the runtime's (`CF-Connecting-IP` on Workers, precheck.js);
//   - an order id the merchant's server issued: `<id>.<mac>` with
//     mac = base64url(HMAC-SHA256(ORDER_ID_SECRET, "checkout-guard/order-id/v1\n" + id))
//     → orderId (the whole `<id>.<mac>`), see issueOrderId.
//
// Plain WebCrypto and no worker globals, so a merchant's server (Node ≥ 20, Deno, another
// worker) can import issueOrderId and the tests can import everything.

const utf8 = new TextEncoder();

/** Seconds of clock difference allowed between the session's issuer and the edge. */
export const CLOCK_SKEW_SECONDS = 60;
/** A session token longer than this is refused unread (a header no issuer makes). */
export const MAX_SESSION_CHARS = 8192;
export const DEFAULT_SESSION_COOKIE = "cg_session";
const ORDER_ID_CONTEXT = "checkout-guard/order-id/v1\n";
const MAX_ORDER_ID_CHARS = 256;
// RFC 3339 date-time (the form the engine reads for account_created_at).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A present session that does not verify: the worker answers 401 `invalid_session`. */
export class SessionError extends Error {
  constructor(message) {
    super(message);
    this.name = "SessionError";
    this.code = "invalid_session";
  }
}

/**
 * The session token the request carries, and where: `Authorization: Bearer` wins over the
 * cookie (a client that sends both means the header). null: no session (a guest).
 */
export function sessionToken(request, env) {
  const auth = request.headers.get("authorization");
  if (auth) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m) return { token: m[1], from: "authorization" };
  }
  const name = env.SESSION_COOKIE || DEFAULT_SESSION_COOKIE;
  for (const part of (request.headers.get("cookie") || "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    if (part.slice(0, at).trim() !== name) continue;
    let value = part.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return { token: value, from: "cookie" };
  }
  return null;
}

/**
 * Verifies a compact JWT and returns its claims, or throws SessionError.
 *
 * `keys`: `{secret}` (HS256) and/or `{publicKeyHex}` (EdDSA). The header's `alg` must be
 * the one a configured key is for (`none`, any other value and a missing key are
 * refused: the token never chooses how it is checked). `exp` is required; `exp`, `nbf`
 * and `iat` are honoured with CLOCK_SKEW_SECONDS; `iss`/`aud` are compared when
 * `issuer`/`audience` are given. `nowMs`: milliseconds since the epoch.
 */
export async function verifySession(token, keys, { issuer, audience, nowMs = Date.now() } = {}) {
  if (typeof token !== "string" || token.length === 0) throw new SessionError("empty session token");
  if (token.length > MAX_SESSION_CHARS) throw new SessionError(`session token longer than ${MAX_SESSION_CHARS} characters`);
  const parts = token.split(".");
  if (parts.length !== 3) throw new SessionError("session token is not a compact JWT (three parts)");
  const [h, p, s] = parts;
  const header = decodeJson(h, "header");
  const alg = header.alg;
  if (typeof alg !== "string") throw new SessionError("session token header has no alg");
  if (header.crit !== undefined) throw new SessionError("session token header has crit extensions this edge does not know");
  const signature = decodeBase64url(s, "signature");
  const signed = utf8.encode(`${h}.${p}`);
  let ok;
  if (alg === "HS256" && keys.secret) {
    const key = await crypto.subtle.importKey("raw", utf8.encode(keys.secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    // subtle.verify compares the MAC in constant time.
    ok = await crypto.subtle.verify("HMAC", key, signature, signed);
  } else if (alg === "EdDSA" && keys.publicKeyHex) {
    const raw = parseHex(keys.publicKeyHex, 32);
    if (!raw) throw new SessionError("SESSION_PUBLIC_KEY is not 64 hexadecimal digits");
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    ok = signature.length === 64 && (await crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed));
  } else {
    throw new SessionError(`session token alg ${JSON.stringify(alg)} is not the configured one (${configuredAlgs(keys).join(", ") || "none configured"})`);
  }
  if (!ok) throw new SessionError("session token signature does not verify");

  const claims = decodeJson(p, "payload");
  const now = Math.floor(nowMs / 1000);
  if (!isNumericDate(claims.exp)) throw new SessionError("session token has no exp");
  if (now >= claims.exp + CLOCK_SKEW_SECONDS) throw new SessionError("session expired");
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) throw new SessionError("session nbf is not a NumericDate");
    if (now + CLOCK_SKEW_SECONDS < claims.nbf) throw new SessionError("session not yet valid (nbf)");
  }
  if (claims.iat !== undefined) {
    if (!isNumericDate(claims.iat)) throw new SessionError("session iat is not a NumericDate");
    if (now + CLOCK_SKEW_SECONDS < claims.iat) throw new SessionError("session issued in the future (iat)");
  }
  if (issuer !== undefined && claims.iss !== issuer) throw new SessionError("session issuer (iss) is not SESSION_ISSUER");
  if (audience !== undefined) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(audience)) throw new SessionError("session audience (aud) does not include SESSION_AUDIENCE");
  }
  return claims;
}

/** The identity fields a session's claims give (wrong types → SessionError). */
export function claimsIdentity(claims) {
  const identity = {};
  const pick = (claim, field) => {
    const v = claims[claim];
    if (v === undefined || v === null) return;
    if (typeof v !== "string" || v.length === 0) throw new SessionError(`session claim ${claim} is not a non-empty string`);
    identity[field] = v;
  };
  pick("sub", "customerId");
  pick("email", "email");
  pick("phone", "phone");
  pick("account_created_at", "accountCreatedAt");
  if (identity.accountCreatedAt !== undefined && !RFC3339.test(identity.accountCreatedAt)) {
    throw new SessionError("session claim account_created_at is not an RFC 3339 date-time");
  }
  return identity;
}

/**
 * The order id the merchant's server issues for `id`: `<id>.<mac>`, mac =
 * base64url(HMAC-SHA256(secret, "checkout-guard/order-id/v1\n" + id)), no padding.
 * The checkout sends it as the order's `order_id`; the edge binds it (verifyOrderId).
 */
export async function issueOrderId(secret, id) {
  if (typeof secret !== "string" || !secret) throw new TypeError("issueOrderId: the secret is empty");
  if (typeof id !== "string" || !id || id.includes(".")) throw new TypeError("issueOrderId: the id must be a non-empty string without '.'");
  return `${id}.${await orderIdMac(secret, id)}`;
}

/** True when `orderId` is `<id>.<mac>` with the mac issueOrderId gives (constant time). */
export async function verifyOrderId(secret, orderId) {
  if (!secret || typeof orderId !== "string" || orderId.length > MAX_ORDER_ID_CHARS) return false;
  const at = orderId.lastIndexOf(".");
  if (at <= 0) return false;
  let mac;
  try {
    mac = decodeBase64url(orderId.slice(at + 1), "order id mac");
  } catch {
    return false;
  }
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, mac, utf8.encode(ORDER_ID_CONTEXT + orderId.slice(0, at)));
}

/**
 * The identity the edge vouches for in this request (always an object, possibly `{}`),
 * or throws SessionError for a session that is present but does not verify (never a
 * silent guest). `order` is the parsed body, read only for its `order_id`.
 * Without SESSION_SECRET and SESSION_PUBLIC_KEY no session is read (every order is a
 * guest); `warn` is called so the worker can say so once. `ip`: the connecting address
 * as the runtime knows it (null: unknown); by default `CF-Connecting-IP`, which only
 * Cloudflare's edge sets for certain.
 */
export async function requestIdentity(request, env, order, { nowMs = Date.now(), warn = () => {}, ip = request.headers.get("cf-connecting-ip") } = {}) {
  const identity = {};
  const keys = { secret: env.SESSION_SECRET || undefined, publicKeyHex: env.SESSION_PUBLIC_KEY || undefined };
  const found = sessionToken(request, env);
  if (keys.secret || keys.publicKeyHex) {
    if (found) {
      const claims = await verifySession(found.token, keys, {
        issuer: env.SESSION_ISSUER || undefined,
        audience: env.SESSION_AUDIENCE || undefined,
        nowMs,
      });
      Object.assign(identity, claimsIdentity(claims));
    }
  } else if (found) {
    warn();
  }
  if (typeof ip === "string" && ip.trim()) identity.ip = ip.trim();
  if (order && typeof order.order_id === "string" && env.ORDER_ID_SECRET && (await verifyOrderId(env.ORDER_ID_SECRET, order.order_id))) {
    identity.orderId = order.order_id;
  }
  return identity;
}

/**
 * Writes the bound identity into the order the worker checks and forwards, so the
 * forwarded body (and its token's digest, and a step-up proof's digest) says what was
 * judged: bound fields replace the body's; the body's `customer.ip` is dropped without a
 * connecting address, and its `account_created_at` unless the session gave one (the body
 * may not assert history; the engine ignores it under binding anyway, API9 A.3).
 */
export function applyIdentity(order, identity) {
  if (!isObject(order)) return;
  if (order.customer !== undefined && order.customer !== null && !isObject(order.customer)) return; // the engine refuses it
  const customer = isObject(order.customer) ? order.customer : {};
  if (identity.customerId !== undefined) customer.id = identity.customerId;
  if (identity.email !== undefined) customer.email = identity.email;
  if (identity.phone !== undefined) customer.phone = identity.phone;
  if (identity.ip !== undefined) customer.ip = identity.ip;
  else delete customer.ip;
  if (identity.accountCreatedAt !== undefined) customer.account_created_at = identity.accountCreatedAt;
  else delete customer.account_created_at;
  if (Object.keys(customer).length || isObject(order.customer)) order.customer = customer;
}

function configuredAlgs(keys) {
  const algs = [];
  if (keys.secret) algs.push("HS256");
  if (keys.publicKeyHex) algs.push("EdDSA");
  return algs;
}

function isNumericDate(v) {
  return typeof v === "number" && Number.isFinite(v);
}

function decodeJson(part, what) {
  let value;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(decodeBase64url(part, what)));
  } catch (e) {
    if (e instanceof SessionError) throw e;
    throw new SessionError(`session token ${what} is not JSON`);
  }
  if (!isObject(value)) throw new SessionError(`session token ${what} is not a JSON object`);
  return value;
}

function decodeBase64url(s, what) {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw new SessionError(`session token ${what} is not base64url`);
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function orderIdMac(secret, id) {
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(ORDER_ID_CONTEXT + id)));
  return base64url(mac);
}

function base64url(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function parseHex(text, length) {
  const t = String(text).trim();
  if (t.length !== length * 2 || !/^[0-9a-fA-F]+$/.test(t)) return null;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
