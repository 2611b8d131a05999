// checkout-guard edge worker (Cloudflare Workers / workerd): the pre-check of
// `POST /orders` (precheck.js, shared with the Deno, Bun and Vercel Edge examples) around
// the merchant's snapshot bundled as a Data module, with Cloudflare's own parts: the
// connecting address from `CF-Connecting-IP`, bindings as `env` (ORIGIN as a service,
// SNAPSHOT_KV, the ORDER_STATE Durable Object) and the cron trigger. See README.md.

import { Engine } from "checkout-guard";
// The merchant's own snapshot, bundled as a Data module (an ArrayBuffer): see the
// `[[rules]] type = "Data"` entry in wrangler.toml and build.sh.
import bundledSnapshot from "./store.snapshot";
import { createPrecheck } from "./precheck.js";

// For a merchant's proof issuer: the digest a proof binds (README "Step-up proofs").
export { orderDigest } from "./step-up.js";
// For the merchant's server: order ids the edge binds (README "Order ids").
export { issueOrderId } from "./session.js";
// The Durable Object class behind the ORDER_STATE binding (wrangler.toml, state.js).
export { OrderState } from "./state.js";

// Module scope = one isolate. `initSync` already ran inside the package's `worker`
// entry, so this is synchronous: no top-level await, no network at start-up.
const snapshot = new Uint8Array(bundledSnapshot);
const engine = Engine.fromBytes(snapshot);
const precheck = createPrecheck({
  engine,
  snapshot,
  // Set by Cloudflare's edge for every request, replacing any client-sent value.
  clientAddress: (request) => request.headers.get("cf-connecting-ip"),
});

export default {
  fetch: (request, env, ctx) => precheck.fetch(request, env, ctx),
  scheduled: (_event, env, ctx) => precheck.scheduled(env, ctx),
};
