//! checkout-guard's pre-check of `POST /orders` on Bun: the shared pre-check
//! (../edge-worker/src/precheck.js) behind `Bun.serve`, the snapshot imported as a file
//! (so that `bun build --compile` embeds it). See README.md.
//!
//!   bun run server.js

import { readFileSync } from "node:fs";
import { Engine } from "checkout-guard";
import { createPrecheck, settingsFrom } from "../edge-worker/src/precheck.js";
import bundledSnapshot from "../edge-worker/src/store.snapshot" with { type: "file" };

// Read once, at start-up: the settings (README "Settings") and the snapshot.
const env = settingsFrom((name) => Bun.env[name]);
const snapshot = new Uint8Array(readFileSync(Bun.env.SNAPSHOT_FILE || bundledSnapshot));
const engine = Engine.fromBytes(snapshot, { key: env.SNAPSHOT_HASH_KEY, merchant: env.MERCHANT });

// Bun knows the connecting address through the server, not the request: kept beside it.
const addresses = new WeakMap();
const precheck = createPrecheck({ engine, snapshot, clientAddress: (request) => addresses.get(request) ?? null });

const server = Bun.serve({
  hostname: Bun.env.HOST || "127.0.0.1",
  port: Number(Bun.env.PORT || 8000),
  fetch(request, server) {
    addresses.set(request, server.requestIP(request)?.address ?? null);
    return precheck.fetch(request, env);
  },
});
console.log(`checkout-guard: listening on ${server.url}`);
