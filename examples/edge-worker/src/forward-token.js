// checkout-guard edge worker: the verdict token on every forwarded checked order
// (verdict-token.js, README "Verdict tokens").
//
// VERDICT_SIGNING_KEY (a secret: the text of a `checkout-guard keygen --signing` file)
// signs; VERDICT_TOKEN_TTL_SECONDS (default 300, at most 3600) sets the lifetime. Without
// a usable key the order is forwarded without a token and the isolate says so once: the
// origin refuses an order without a valid token, so a missing key fails closed there
// rather than letting unchecked orders look checked.

import { DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, importSigningKey, signVerdictToken } from "./verdict-token.js";

// Per isolate: the imported key for the key text it came from, and whether the
// "no key" / "bad key" warning was logged.
const cache = { text: null, key: null, error: null, warned: false };

/** The `X-Checkout-Guard-Token` value for this verdict and body, or null (no usable key). */
export async function verdictTokenFor(env, verdict, bodyBytes) {
  const key = await signingKey(env);
  if (!key) return null;
  const ttl = Number(env.VERDICT_TOKEN_TTL_SECONDS);
  const ttlSeconds = Number.isInteger(ttl) && ttl > 0 ? Math.min(ttl, MAX_TTL_SECONDS) : DEFAULT_TTL_SECONDS;
  return signVerdictToken(key, verdict, bodyBytes, { now: Date.now(), ttlSeconds });
}

async function signingKey(env) {
  const text = env.VERDICT_SIGNING_KEY || null;
  if (text !== cache.text) {
    cache.text = text;
    cache.key = null;
    cache.error = null;
    cache.warned = false;
    if (text) {
      try {
        cache.key = await importSigningKey(text);
      } catch (e) {
        cache.error = e.message;
      }
    }
  }
  if (cache.key) return cache.key;
  if (!cache.warned) {
    cache.warned = true;
    console.warn(
      cache.error
        ? `checkout-guard: VERDICT_SIGNING_KEY is not usable (${cache.error}): orders are forwarded without X-Checkout-Guard-Token, which the origin refuses`
        : "checkout-guard: VERDICT_SIGNING_KEY is not set: orders are forwarded without X-Checkout-Guard-Token, which the origin refuses",
    );
  }
  return null;
}
