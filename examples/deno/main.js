//! checkout-guard's pre-check of `POST /orders` on Deno (Deno Deploy, Supabase Edge
//! Functions, `deno serve`): the shared pre-check (../edge-worker/src/precheck.js) behind
//! `Deno.serve`, the snapshot read from a file deployed with the code. See README.md.
//!
//!   deno run --allow-net --allow-read --allow-env main.js

import { Engine } from "checkout-guard";
import { createPrecheck, settingsFrom } from "../edge-worker/src/precheck.js";

// Read once, at start-up: the settings (README "Settings") and the snapshot.
const env = settingsFrom((name) => Deno.env.get(name));
const snapshotFile = Deno.env.get("SNAPSHOT_FILE") || new URL("../edge-worker/src/store.snapshot", import.meta.url);
const snapshot = Deno.readFileSync(snapshotFile);
const engine = Engine.fromBytes(snapshot, { key: env.SNAPSHOT_HASH_KEY, merchant: env.MERCHANT });

// Deno knows the connecting address per connection, not per request: kept beside it.
const addresses = new WeakMap();
const precheck = createPrecheck({ engine, snapshot, clientAddress: (request) => addresses.get(request) ?? null });

Deno.serve(
  {
    hostname: Deno.env.get("HOST") || "127.0.0.1",
    port: Number(Deno.env.get("PORT") || 8000),
    onListen: ({ hostname, port }) => console.log(`checkout-guard: listening on http://${hostname}:${port}/`),
  },
  (request, info) => {
    addresses.set(request, info.remoteAddr.hostname);
    return precheck.fetch(request, env);
  },
);
