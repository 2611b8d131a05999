// checkout-guard verdict tokens (API9 C; README "Verdict tokens", docs/SECURITY.md
// "Verdict tokens (origin side)"): how the origin tells an order the edge checked from
// one sent around it.
//
//   X-Checkout-Guard-Token: v1.<payload>.<signature>
//   payload   = base64url (no padding) of UTF-8 JSON {v, decision, codes, rules, snapshot,
//               merchant, body_sha256, iat, exp, jti}
//   signature = base64url (no padding) of Ed25519 over the ASCII bytes "v1.<payload>"
//
// The signing key is the text of a `checkout-guard keygen --signing` file (128 hex: the
// 32-byte seed, then the 32-byte public key); the origin holds the `.pub` (64 hex).
// The Rust verifier (`checkout_guard::verdict_token::verify`, CLI `verify-token`) accepts
// exactly what verifyVerdictToken accepts. Replay (the same jti twice) is the origin's to
// refuse: see origin/origin.js.
//
// WebCrypto only and no worker globals: usable from workers and Node ≥ 20.

const utf8 = new TextEncoder();

export const TOKEN_VERSION = "v1";
export const DEFAULT_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 3600;
/** Clock difference allowed for `iat` (a token issued up to this far in the future). */
export const CLOCK_SKEW_SECONDS = 60;
/** The decoded payload may be at most this many bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** At most this many reason codes and rule ids in a token. */
export const MAX_LIST_ITEMS = 64;
const DECISIONS = new Set(["allow", "warn", "review"]);
// PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410): WebCrypto imports private keys only
// as pkcs8 or jwk, and this prefix is the same for every seed.
const PKCS8_ED25519_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/** Why a token was refused: `kind` is malformed | bad_signature | body_mismatch | expired | not_yet_valid | decision. */
export class VerdictTokenError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "VerdictTokenError";
    this.kind = kind;
  }
}

/**
 * A signing key for signVerdictToken from a `keygen --signing` file's text. The key's
 * public half is checked against the seed, so a file with a wrong public half is refused
 * (it would make tokens no origin accepts). Throws a TypeError for a malformed key.
 */
export async function importSigningKey(signingKeyHex) {
  const raw = parseHex(signingKeyHex, 64);
  if (!raw) throw new TypeError("the verdict signing key is not 128 hexadecimal digits (a `checkout-guard keygen --signing` file)");
  const pkcs8 = new Uint8Array([...PKCS8_ED25519_PREFIX, ...raw.subarray(0, 32)]);
  const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  // The public half, as the key itself computes it.
  const jwk = await crypto.subtle.exportKey("jwk", key);
  if (jwk.x !== base64url(raw.subarray(32))) {
    throw new TypeError("the verdict signing key's public half does not belong to its seed");
  }
  return { key, publicKeyHex: toHex(raw.subarray(32)) };
}

/**
 * `v1.<payload>.<signature>` for a verdict (allow, warn or review) and the exact body bytes it
 * is forwarded with. `signingKey`: the key file's text or importSigningKey's result.
 * `now`: a Date or milliseconds since the epoch (default: now); `ttlSeconds`: default
 * DEFAULT_TTL_SECONDS, 1…MAX_TTL_SECONDS.
 */
export async function signVerdictToken(signingKey, verdict, bodyBytes, { now = Date.now(), ttlSeconds = DEFAULT_TTL_SECONDS } = {}) {
  const { key } = typeof signingKey === "string" ? await importSigningKey(signingKey) : signingKey;
  if (!verdict || !DECISIONS.has(verdict.decision)) throw new TypeError(`a verdict token is only for allow, warn or review, not ${verdict && verdict.decision}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  const reasons = Array.isArray(verdict.reasons) ? verdict.reasons : [];
  const iat = Math.floor(millis(now) / 1000);
  const claims = {
    v: 1,
    decision: verdict.decision,
    codes: uniqueStrings(reasons.map((r) => r.code)),
    rules: uniqueStrings(reasons.map((r) => r.rule)),
    snapshot: String(verdict.snapshot && verdict.snapshot.version),
    merchant: String(verdict.snapshot && verdict.snapshot.merchant),
    body_sha256: await sha256Hex(bytesOf(bodyBytes)),
    iat,
    exp: iat + ttlSeconds,
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  const signed = `${TOKEN_VERSION}.${base64url(utf8.encode(JSON.stringify(claims)))}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, utf8.encode(signed)));
  return `${signed}.${base64url(signature)}`;
}

/**
 * The token's claims when it is valid for `bodyBytes` at `now` under `publicKeyHex` (the
 * `.pub` file's text), else throws VerdictTokenError. Checks, in this order: three parts,
 * `v1`, base64url, payload ≤ MAX_PAYLOAD_BYTES and a JSON object with every field of the
 * right type, `v == 1` (malformed); the Ed25519 signature (bad_signature); the body's
 * SHA-256 (body_mismatch); `iat ≤ now + 60` (not_yet_valid); `now < exp` (expired);
 * `exp − iat ≤ 3600` (malformed); decision allow, warn or review (decision). It does not
 * remember jtis: refusing a replay is the caller's (origin/origin.js does).
 */
export async function verifyVerdictToken(token, bodyBytes, publicKeyHex, { now = Date.now() } = {}) {
  const publicKey = parseHex(publicKeyHex, 32);
  if (!publicKey) throw new TypeError("the verdict public key is not 64 hexadecimal digits (a `keygen --signing` .pub file)");
  if (typeof token !== "string") throw new VerdictTokenError("malformed", "no token");
  const parts = token.split(".");
  if (parts.length !== 3) throw new VerdictTokenError("malformed", "a token has exactly three parts");
  const [version, payloadPart, signaturePart] = parts;
  if (version !== TOKEN_VERSION) throw new VerdictTokenError("malformed", `unknown token version ${JSON.stringify(version.slice(0, 16))}`);
  // base64url of 16 KiB is 21,846 characters: refuse longer text before decoding it.
  if (payloadPart.length > Math.ceil((MAX_PAYLOAD_BYTES * 4) / 3)) throw new VerdictTokenError("malformed", `payload larger than ${MAX_PAYLOAD_BYTES} bytes`);
  const payload = fromBase64url(payloadPart, "payload");
  const signature = fromBase64url(signaturePart, "signature");
  if (payload.length > MAX_PAYLOAD_BYTES) throw new VerdictTokenError("malformed", `payload larger than ${MAX_PAYLOAD_BYTES} bytes`);
  let claims;
  try {
    claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new VerdictTokenError("malformed", "payload is not UTF-8 JSON");
  }
  checkShape(claims);

  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  const valid = signature.length === 64 && (await crypto.subtle.verify({ name: "Ed25519" }, key, signature, utf8.encode(`${version}.${payloadPart}`)));
  if (!valid) throw new VerdictTokenError("bad_signature", "the signature does not verify with the public key");
  if ((await sha256Hex(bytesOf(bodyBytes))) !== claims.body_sha256) {
    throw new VerdictTokenError("body_mismatch", "the body is not the one the token was issued for");
  }
  const nowSeconds = Math.floor(millis(now) / 1000);
  if (claims.iat > nowSeconds + CLOCK_SKEW_SECONDS) throw new VerdictTokenError("not_yet_valid", "the token was issued in the future");
  if (nowSeconds >= claims.exp) throw new VerdictTokenError("expired", "the token has expired");
  // A lifetime no signer makes: malformed, as the Rust verifier says.
  if (claims.exp - claims.iat > MAX_TTL_SECONDS) throw new VerdictTokenError("malformed", `the token lives longer than ${MAX_TTL_SECONDS} s`);
  if (!DECISIONS.has(claims.decision)) throw new VerdictTokenError("decision", `decision ${JSON.stringify(claims.decision)} is not allow, warn or review`);
  return claims;
}

function checkShape(c) {
  const bad = (what) => {
    throw new VerdictTokenError("malformed", what);
  };
  if (c === null || typeof c !== "object" || Array.isArray(c)) bad("payload is not a JSON object");
  if (c.v !== 1) bad("payload v is not 1");
  if (typeof c.decision !== "string") bad("payload decision is not a string");
  for (const f of ["codes", "rules"]) {
    if (!Array.isArray(c[f]) || !c[f].every((x) => typeof x === "string")) bad(`payload ${f} is not a list of strings`);
  }
  for (const f of ["snapshot", "merchant", "jti"]) if (typeof c[f] !== "string") bad(`payload ${f} is not a string`);
  // An empty id cannot be told apart from another: a replay would go unseen.
  if (c.jti === "") bad("payload jti is empty");
  if (typeof c.body_sha256 !== "string" || !/^[0-9a-f]{64}$/.test(c.body_sha256)) bad("payload body_sha256 is not 64 lowercase hex digits");
  for (const f of ["iat", "exp"]) if (!Number.isSafeInteger(c[f])) bad(`payload ${f} is not an integer`);
}

function uniqueStrings(list) {
  return [...new Set(list.filter((x) => typeof x === "string"))].slice(0, MAX_LIST_ITEMS);
}

function millis(now) {
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== "number" || !Number.isFinite(ms)) throw new TypeError("now must be a Date or milliseconds since the epoch");
  return ms;
}

function bytesOf(body) {
  if (typeof body === "string") return utf8.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError("the body must be bytes (Uint8Array, ArrayBuffer) or a string");
}

async function sha256Hex(bytes) {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function parseHex(text, length) {
  if (typeof text !== "string") return null;
  const t = text.trim();
  if (t.length !== length * 2 || !/^[0-9a-fA-F]+$/.test(t)) return null;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function base64url(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Strict, like the Rust verifier: the base64url alphabet without padding, a length base64
// can have, and no bits set past the last byte (one spelling per byte string).
function fromBase64url(s, what) {
  const unused = s.length % 4 === 2 ? 0b1111 : s.length % 4 === 3 ? 0b11 : 0;
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1 || (unused && ALPHABET.indexOf(s[s.length - 1]) & unused)) {
    throw new VerdictTokenError("malformed", `${what} is not base64url`);
  }
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
