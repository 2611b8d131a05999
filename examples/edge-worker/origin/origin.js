// An example origin behind the checkout-guard edge worker (README.md beside this file):
// it accepts `POST /orders` only with a valid `X-Checkout-Guard-Token` for the exact body
// it received, and each token only once.
//
// Deployed as its own worker (wrangler.toml beside this file) and bound to the edge worker
// as its ORIGIN service, or read as the recipe for a real backend: verify the token over
// the raw body bytes before parsing them, remember its jti until it expires, and only
// then trust the X-Checkout-Guard* headers and the order.
//
// env.VERDICT_PUBLIC_KEY: the `.pub` file of the edge's VERDICT_SIGNING_KEY (64 hex).

import { VerdictTokenError, verifyVerdictToken } from "../src/verdict-token.js";

const ORDERS_PATH = "/orders";
// Used jtis of this isolate until their token expires. A real origin keeps them in its
// database (a unique key on jti with the token's exp), shared by all its instances.
const MAX_USED = 100_000;
const used = new Map(); // jti → exp (seconds)

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== ORDERS_PATH || request.method !== "POST") {
      return Response.json({ origin: "example", path: url.pathname }, { status: 404 });
    }
    if (!env.VERDICT_PUBLIC_KEY) {
      // Fail closed: without the key no token can be checked, so no order is taken.
      return refuse(503, "no_key", "VERDICT_PUBLIC_KEY is not set");
    }
    const token = request.headers.get("x-checkout-guard-token");
    if (!token) return refuse(403, "missing_token", "orders are accepted only through the checkout-guard edge");
    const body = new Uint8Array(await request.arrayBuffer());
    let claims;
    try {
      claims = await verifyVerdictToken(token, body, env.VERDICT_PUBLIC_KEY, { now: Date.now() });
    } catch (e) {
      if (e instanceof VerdictTokenError) return refuse(403, e.kind, e.message);
      throw e;
    }
    const spent = spend(claims.jti, claims.exp, Math.floor(Date.now() / 1000));
    if (spent) return refuse(spent === "replayed" ? 403 : 503, spent, spent === "replayed" ? "this token was already used" : "too many tokens in use");
    // Only now is the body the checked order, and the claims the edge's verdict on it.
    const order = JSON.parse(new TextDecoder().decode(body));
    return Response.json(
      { accepted: true, order_id: order.order_id ?? null, decision: claims.decision, codes: claims.codes, snapshot: claims.snapshot },
      { status: 201 },
    );
  },
};

/** null when `jti` is now spent; "replayed" when it already was; "full" when no room is left. */
function spend(jti, exp, now) {
  const seen = used.get(jti);
  if (seen !== undefined && seen > now) return "replayed";
  if (used.size >= MAX_USED) for (const [k, e] of used) if (e <= now) used.delete(k);
  if (used.size >= MAX_USED) return "full";
  used.set(jti, exp);
  return null;
}

function refuse(status, code, message) {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}
