//! checkout-guard's pre-check of `POST /orders` as a Vercel Edge Function: the shared
//! pre-check (../../edge-worker/src/precheck.js) as the function's handler, the snapshot
//! inlined at build time (../snapshot.js, written by build-snapshot.mjs), since an edge
//! function has no disk. See ../README.md.

import { Engine } from "checkout-guard";
import { createPrecheck, settingsFrom } from "../../edge-worker/src/precheck.js";
import { SNAPSHOT_BASE64 } from "../snapshot.js";

export const config = { runtime: "edge" };

// Module scope = one isolate: the engine is made once, synchronously (the package's
// `edge-light` entry binds its wasm as a compiled module).
const snapshot = Uint8Array.from(atob(SNAPSHOT_BASE64), (c) => c.charCodeAt(0));
const env = settingsFrom((name) => globalThis.process?.env?.[name]);
// Vercel serves this function at /api/orders: that is the order path it checks.
env.ORDERS_PATH ||= "/api/orders";
const engine = Engine.fromBytes(snapshot, { key: env.SNAPSHOT_HASH_KEY, merchant: env.MERCHANT });
const precheck = createPrecheck({
  engine,
  snapshot,
  // Set by Vercel's edge network for every request, replacing any client-sent value.
  clientAddress: (request) => request.headers.get("x-real-ip"),
});

export default function handler(request, context) {
  return precheck.fetch(request, env, context);
}
