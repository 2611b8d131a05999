//! The pre-check of `POST /orders`, whichever runtime serves it: Cloudflare Workers
//! (worker.js), Deno (examples/deno), Bun (examples/bun), Vercel Edge
//! (examples/vercel-edge). Nothing here names a runtime: each one's entry makes the engine
//! (the snapshot shipped its own way, docs/RUNTIMES.md), says how the connecting address
//! is known, and hands every request to `createPrecheck(...).fetch(request, env, ctx)`.
//
// deny     → 403 {decision, message, locale, reference}
// step_up  → 401 + `WWW-Authenticate: Step-Up methods="…"` {decision, verify, message, locale, reference}
// review   → forwarded to the origin, a bounded verdict summary in `X-Checkout-Guard` /
//            `X-Checkout-Guard-Verdict`, and a signed `X-Checkout-Guard-Token` over the
//            exact body forwarded (forward-token.js, verdict-token.js)
// warn     → forwarded likewise; the origin's answer gets the warn rule's message as a
//            notice for the customer: `X-Checkout-Guard-Notice` (percent-encoded) and, in
//            a JSON object body, a `checkout_guard_notice` field (notice.js)
// allow    → forwarded likewise
// unusable → 400 {error: {path, message}} (also 413 too large, 415 not JSON)
// invalid session → 401 {error: {code: "invalid_session", path, message}}
// no shared state → 503 {error: {path, message}}: ORDER_STATE bound but not answering (state.js)
//
// Who is ordering is what the edge verified (session.js): a session JWT, the connecting
// address (`clientAddress`, from the runtime), a server-issued order id; passed to the
// engine as the bound identity on every order.
//
// Client bodies never name reason codes or rules: anyone can submit any identifier, so
// a code would tell them whether it is listed. The codes go to the origin and the log.
// Other spellings of the order path are checked or refused (order-path.js). Everything
// else passes through to the origin untouched (minus any client-sent `X-Checkout-Guard*`
// header, so the origin can trust those it sees). See examples/edge-worker/README.md.
//
// `env` is the settings object: Cloudflare's bindings, or on the other runtimes the
// string variables `settingsFrom` picks (never a whole process environment: ORDER_STATE
// and SNAPSHOT_KV are Cloudflare bindings, not strings).

import { classifyPath } from "./order-path.js";
import { ProofMemory, verifyProof } from "./step-up.js";
import { SessionError, applyIdentity, requestIdentity } from "./session.js";
import { verdictTokenFor } from "./forward-token.js";
import { withNotice } from "./notice.js";
import { SharedPurchases, SharedVisit, StateUnavailable } from "./state.js";

const ADMIN_PREFIX = "/__checkout-guard/";
const DEFAULT_MAX_BODY = 64 * 1024;
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
// An oversize order body is read and discarded up to this size so that the keep-alive
// connection survives its 413 (tooLarge); past it the body is cut off.
const MAX_DRAIN_BYTES = 1024 * 1024;
// Forwarded verdict header: at most this many reasons and non-allow lines, and this many
// bytes of base64 (origins and proxies commonly cap a header at 8–16 KB).
const MAX_HEADER_ITEMS = 32;
const MAX_VERDICT_HEADER = 4096;
// Methods that cannot create an order and pass through on the order path (OPTIONS is the
// CORS preflight; it passes only without a body).
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// A runtime without `ctx.waitUntil` (Deno, Bun) keeps running a promise nobody awaits.
const NO_CONTEXT = { waitUntil() {} };

// The settings a runtime without bindings reads from its environment (all strings).
export const SETTINGS = [
  "ADMIN_TOKEN", "MAX_BODY_BYTES", "MERCHANT", "ORDERS_PATH", "ORDER_ID_SECRET", "ORIGIN", "ORIGIN_AUTH",
  "SESSION_AUDIENCE", "SESSION_COOKIE", "SESSION_ISSUER", "SESSION_PUBLIC_KEY", "SESSION_SECRET",
  "SNAPSHOT_AUTH", "SNAPSHOT_HASH_KEY", "SNAPSHOT_PUBLIC_KEY", "SNAPSHOT_REFRESH_SECONDS", "SNAPSHOT_URL",
  "STEP_UP_SECRET", "VERDICT_SIGNING_KEY", "VERDICT_TOKEN_TTL_SECONDS",
];

/** The `env` for createPrecheck's fetch from `get(name)` (Deno.env.get, process.env[name]). */
export function settingsFrom(get) {
  const env = {};
  for (const name of SETTINGS) {
    const value = get(name);
    if (value) env[name] = value;
  }
  return env;
}

/**
 * The pre-check around one engine. `snapshot`: the bytes `engine` was made from (checked
 * again once SNAPSHOT_PUBLIC_KEY is set); `clientAddress(request)`: the connecting
 * address as the runtime knows it (a string, or null when unknown: never a header a
 * client could set, unless a proxy in front overwrites it). Returns
 * `{ fetch(request, env, ctx), scheduled(env, ctx), engine }`; `ctx.waitUntil` is optional.
 * Call it once per isolate / process, at module scope.
 */
export function createPrecheck({ engine, snapshot, clientAddress = () => null }) {
  const bundledSnapshot = snapshot;
  const state = {
    source: "bundled", // where the current snapshot came from: bundled | url | kv | admin
    loadedAt: new Date().toISOString(),
    info: engine.info(),
    etag: null, // ETag of the last snapshot downloaded from SNAPSHOT_URL
    digest: null, // SHA-256 of the last snapshot loaded from SNAPSHOT_URL / SNAPSHOT_KV
    lastAttempt: 0, // ms, last remote refresh started
    lastError: null, // {at, message} of the last failed reload, cleared on success
    refreshing: null, // the in-flight refresh, so requests don't pile up fetches
    bundledChecked: false, // SNAPSHOT_PUBLIC_KEY set: the bundled snapshot's signature was checked
    proofs: new ProofMemory(), // jti of the step-up proofs used in this isolate, without ORDER_STATE (step-up.js)
    warnedNoSecret: false, // the "no STEP_UP_SECRET" warning was logged in this isolate
    warnedNoSessionKey: false, // a session arrived without SESSION_SECRET / SESSION_PUBLIC_KEY (logged once)
  };

  async function handle(request, env, ctx = NO_CONTEXT) {
    maybeRefresh(env, ctx);
    const url = new URL(request.url);
    if (url.pathname.startsWith(ADMIN_PREFIX)) return admin(request, url, env);
    const method = request.method.toUpperCase();
    const kind = classifyPath(url.pathname, ordersPath(env));
    const refused = refusal(method, request, kind, url, env);
    if (refused) return answerEarly(request, refused);
    if (method === "POST" && kind === "order") return checkOrder(request, url, env);
    return forward(request, env); // not ours: the origin decides (404, 405, CORS, …)
  }

  // Optional cron trigger (wrangler.toml [triggers]): keeps the isolate it runs in fresh.
  // Other isolates refresh on their own requests (maybeRefresh): state is per isolate.
  async function scheduled(env, ctx = NO_CONTEXT) {
    if (remote(env)) ctx.waitUntil(refresh(env).catch(() => {}));
  }

  // ---------------------------------------------------------------------------------
  // Which requests reach checkOrder, and which are refused (order-path.js)
  // ---------------------------------------------------------------------------------

  function ordersPath(env) {
    return env.ORDERS_PATH || "/orders";
  }

  // A write to any spelling of the order path is either POST to its canonical form (then
  // checked) or refused here, never forwarded unchecked with the worker's headers: an
  // ambiguous spelling (`/orders;x=1`, `/orders.json`, `/orders%00`) gets 400, another
  // method on the order path (PUT, PATCH, DELETE, an OPTIONS with a body) gets 405.
  function refusal(method, request, kind, url, env) {
    if (READ_METHODS.has(method) && !(method === "OPTIONS" && request.body !== null)) return null;
    if (kind === "ambiguous") {
      return json(400, errorBody("", `${url.pathname} is not a canonical spelling of the order path; send orders to ${ordersPath(env)}`));
    }
    if (kind === "order" && method !== "POST") {
      return json(405, errorBody("", `${method} is not allowed on the order path; orders are POSTed`), { allow: "GET, HEAD, OPTIONS, POST" });
    }
    return null;
  }

  // ---------------------------------------------------------------------------------
  // POST /orders
  // ---------------------------------------------------------------------------------

  async function checkOrder(request, url, env) {
    const unverified = requireSignature(env);
    if (unverified) return answerEarly(request, unverified);
    const type = request.headers.get("content-type");
    if (type && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
      return answerEarly(request, json(415, errorBody("", `expected Content-Type: application/json, got ${type}`)));
    }
    const limit = positiveInt(env.MAX_BODY_BYTES, DEFAULT_MAX_BODY);
    const text = await readText(request, limit);
    if (text === null) return tooLarge(limit);

    let order;
    try {
      order = JSON.parse(text);
    } catch (e) {
      return json(400, errorBody("", `invalid JSON: ${e.message}`));
    }

    // Who is ordering: only what the edge verified (session.js), never the body's claims.
    // A session that is present but does not verify is refused, not judged as a guest.
    let identity;
    try {
      identity = await requestIdentity(request, env, order, { warn: warnNoSessionKey, ip: clientAddress(request) });
    } catch (e) {
      if (!(e instanceof SessionError)) throw e;
      return json(401, { error: { code: e.code, path: "", message: e.message } }, { "www-authenticate": `Bearer error="invalid_token"` });
    }
    applyIdentity(order, identity);

    const options = { now: new Date(), locale: pickLocale(request, url), identity };
    // With ORDER_STATE bound, duplicates and spent proofs live in the customer's Durable
    // Object (state.js), shared by every node; without it, in this isolate only.
    let shared = null;
    // Purchase limits across orders: one object per identity (state.js); without
    // ORDER_STATE, the engine's own memory in this isolate.
    let purchases = null;
    if (env.ORDER_STATE) {
      try {
        shared = new SharedVisit(env.ORDER_STATE, engine.orderKey(order, options));
        const limits = engine.limitKey(order, options);
        if (limits) purchases = new SharedPurchases(env.ORDER_STATE, limits);
      } catch (e) {
        return uncheckable(e);
      }
    }

    // Who says the step-up was done? Only a signed proof for this very order, used once
    // (step-up.js); never the client's own `verified`. Without STEP_UP_SECRET no proof
    // can be checked, so a step_up verdict always answers 401 (fail closed).
    let proofError = null;
    let verdict;
    try {
      if (isObject(order)) {
        delete order.verified;
        const proof = request.headers.get("x-checkout-guard-proof");
        if (!env.STEP_UP_SECRET) {
          warnNoSecret();
        } else if (proof) {
          const r = await verifyProof(proof, order, env.STEP_UP_SECRET, shared || state.proofs);
          if (r.methods) order.verified = r.methods;
          else proofError = r.error;
        }
      }
      // `duplicate` given: the shared answer, and the engine's own memory is left alone.
      const duplicate = shared ? await shared.duplicate() : undefined;
      // `bought` given: the shared answer (this order's units now held there).
      const bought = purchases ? await purchases.bought() : undefined;
      verdict = engine.check(order, { ...options, duplicate, bought });
    } catch (e) {
      if (purchases) await purchases.release();
      return uncheckable(e);
    }
    // Only what the engine let through counts: anything else gives its hold back.
    if (purchases && verdict.decision !== "allow" && verdict.decision !== "warn") await purchases.release();
    if (verdict.warnings && verdict.warnings.length) {
      console.warn("checkout-guard:", verdict.warnings.join("; "));
    }

    const message = verdict.message ? verdict.message.text : null;
    const locale = verdict.message ? verdict.message.locale : null;

    if (verdict.decision === "deny" || verdict.decision === "step_up") {
      // The client learns the outcome and the policy's customer message; the codes and
      // rules (which list, which rule) go to the log under an opaque reference that
      // support can ask the customer for.
      const reference = crypto.randomUUID();
      const codes = [...new Set(verdict.reasons.map((r) => r.code))].slice(0, MAX_HEADER_ITEMS);
      console.log(`checkout-guard: ref=${reference} ${summaryLine(verdict)}; codes=${codes.join(",")}`);
      if (verdict.decision === "deny") return json(403, { decision: "deny", message, locale, reference });
      let challenge = `Step-Up methods="${verdict.verify.join(" ")}"`;
      if (proofError) challenge += `, error="invalid_proof", error_description="${proofError}"`;
      const body = { decision: "step_up", verify: verdict.verify, message, locale, reference };
      // API9 B: one group per open requirement; one method of every group clears it.
      if (Array.isArray(verdict.verify_required)) body.verify_required = verdict.verify_required;
      if (isObject(order) && typeof order.order_id === "string") body.order_id = order.order_id;
      if (proofError) body.proof_error = proofError;
      return json(401, body, { "www-authenticate": challenge });
    }

    // allow / warn / review: forward exactly what was checked (re-serialized, so the origin
    // cannot read a different order out of ambiguous JSON such as duplicate keys), with a
    // token signed over these very bytes (forward-token.js).
    const forwarded = new TextEncoder().encode(JSON.stringify(order));
    const headers = {
      "x-checkout-guard": summaryLine(verdict),
      "x-checkout-guard-verdict": base64(JSON.stringify(verdictSummary(verdict))),
    };
    const token = await verdictTokenFor(env, verdict, forwarded);
    if (token) headers["x-checkout-guard-token"] = token;
    const response = await forward(request, env, { body: forwarded, headers });
    // A warn rule without a message has nothing to tell the customer.
    return verdict.decision === "warn" && message ? withNotice(response, message, locale) : response;
  }

  function warnNoSessionKey() {
    if (state.warnedNoSessionKey) return;
    state.warnedNoSessionKey = true;
    console.warn("checkout-guard: a session arrived but neither SESSION_SECRET nor SESSION_PUBLIC_KEY is set: sessions are not read, every order is a guest");
  }

  // An order that could not be judged is never forwarded: 400 when the order is unusable,
  // 503 when the shared state did not answer, else 500 (fail closed).
  function uncheckable(e) {
    // An OrderError: `reason` is the message without the path (its `message` is
    // "path: reason"), so the body names the path once, in its own field.
    if (e && typeof e.path === "string") return json(400, errorBody(e.path, e.reason || e.message));
    if (e instanceof StateUnavailable) {
      console.error(`checkout-guard: shared order state unavailable: ${e.message}`);
      return json(503, errorBody("", "the order could not be checked right now; try again shortly"), { "retry-after": "5" });
    }
    console.error("checkout-guard: check failed", e);
    return json(500, errorBody("", "the order could not be checked"));
  }

  function warnNoSecret() {
    if (state.warnedNoSecret) return;
    state.warnedNoSecret = true;
    console.warn("checkout-guard: STEP_UP_SECRET is not set: step-up cannot be completed (the body's `verified` is ignored, every step_up verdict answers 401)");
  }

  // `<decision>[; rules=<id>,…]; snapshot=<version>`: every firing rule once, in policy
  // order, at most MAX_HEADER_ITEMS of them (then `,…`).
  function summaryLine(verdict) {
    const rules = [...new Set(verdict.reasons.map((r) => r.rule))];
    let line = verdict.decision;
    if (rules.length) {
      line += `; rules=${rules.slice(0, MAX_HEADER_ITEMS).join(",")}`;
      if (rules.length > MAX_HEADER_ITEMS) line += ",…";
    }
    return `${line}; snapshot=${verdict.snapshot.version}`;
  }

  // What the origin gets in X-Checkout-Guard-Verdict: the verdict (docs/semantics.md §9)
  // with its lists bounded, so a 1000-line order cannot make a header no proxy passes.
  // `lines` keeps only the lines not allowed (with their index), reasons and lines at most
  // MAX_HEADER_ITEMS each (a reason's own `lines` likewise); `truncated` counts what was
  // left out. Should that still exceed MAX_VERDICT_HEADER bytes, only the decision,
  // snapshot, verify and the reason codes remain.
  function verdictSummary(verdict) {
    const cap = (list) => list.slice(0, MAX_HEADER_ITEMS);
    const notAllowed = verdict.lines.map((l, index) => ({ index, ...l })).filter((l) => l.decision !== "allow");
    const reasons = cap(verdict.reasons).map((r) => (Array.isArray(r.lines) ? { ...r, lines: cap(r.lines) } : r));
    const summary = {
      ...verdict,
      reasons,
      lines: cap(notAllowed),
      line_count: verdict.lines.length,
      warnings: cap(verdict.warnings || []),
      truncated: {
        reasons: verdict.reasons.length - reasons.length,
        lines: notAllowed.length - Math.min(notAllowed.length, MAX_HEADER_ITEMS),
        warnings: Math.max(0, (verdict.warnings || []).length - MAX_HEADER_ITEMS),
      },
    };
    if (base64(JSON.stringify(summary)).length <= MAX_VERDICT_HEADER) return summary;
    const { decision, verify, snapshot } = verdict;
    const codes = [...new Set(verdict.reasons.map((r) => r.code))];
    return { decision, verify, snapshot, codes: cap(codes), line_count: verdict.lines.length, truncated: { all: true } };
  }

  // ---------------------------------------------------------------------------------
  // Forwarding to the origin
  // ---------------------------------------------------------------------------------

  // ORIGIN is either a service binding ([[services]] binding = "ORIGIN") or a URL string
  // ([vars] ORIGIN = "https://backend.example.com"); unset, the request goes on to the
  // URL it was made to (a worker on a route in front of the zone's own origin).
  // A checked order goes to ORDERS_PATH as configured, whichever spelling it came in as
  // (`/Orders/`, `/%6Frders`), so the origin's router sees one path for checked orders.
  function forward(request, env, checked) {
    const u = new URL(request.url);
    if (checked) u.pathname = ordersPath(env);
    let target = u.toString();
    if (typeof env.ORIGIN === "string" && env.ORIGIN) {
      const base = new URL(env.ORIGIN);
      base.pathname = base.pathname.replace(/\/$/, "") + u.pathname;
      base.search = u.search;
      target = base.toString();
    }
    const out = checked
      ? new Request(target, { method: request.method, headers: request.headers, body: checked.body, redirect: "manual" })
      : new Request(target, request);
    for (const name of [...out.headers.keys()]) {
      if (name.startsWith("x-checkout-guard")) out.headers.delete(name);
    }
    if (checked) {
      out.headers.set("content-type", "application/json");
      out.headers.delete("content-length");
      for (const [k, v] of Object.entries(checked.headers)) out.headers.set(k, v);
    }
    if (env.ORIGIN_AUTH) out.headers.set("x-checkout-guard-auth", env.ORIGIN_AUTH);
    if (env.ORIGIN && typeof env.ORIGIN.fetch === "function") return env.ORIGIN.fetch(out);
    return fetch(out);
  }

  // ---------------------------------------------------------------------------------
  // Snapshot swaps: SNAPSHOT_KV or SNAPSHOT_URL polled every SNAPSHOT_REFRESH_SECONDS,
  // or pushed/pulled through POST /__checkout-guard/reload. engine.load is atomic: on any
  // error the old snapshot stays in use and the error is logged and kept in state.lastError.
  // ---------------------------------------------------------------------------------

  // Where newer snapshots come from: a KV namespace binding wins over a URL.
  function remote(env) {
    if (env.SNAPSHOT_KV) return "kv";
    if (env.SNAPSHOT_URL) return "url";
    return null;
  }

  // SNAPSHOT_PUBLIC_KEY set: orders are judged only by a snapshot whose signature verified
  // (engine.info().signed). Every reload verifies (load() below); the bundled snapshot,
  // loaded at start-up before env is known, is verified on the first order. Until a
  // verified snapshot serves, orders get 503 (fail safe: never judged by, nor forwarded
  // past, a snapshot anyone could have written), and a refresh is under way.
  function requireSignature(env) {
    if (!env.SNAPSHOT_PUBLIC_KEY || state.info.signed) return null;
    if (state.source === "bundled" && !state.bundledChecked) {
      state.bundledChecked = true;
      try {
        // The same bytes again: no rollback question, only the signature.
        load(new Uint8Array(bundledSnapshot), "bundled", env);
      } catch {
        // fail() kept the reason in state.lastError, shown by the status route.
      }
    }
    if (state.info.signed) return null;
    const why = state.lastError ? state.lastError.message : "the snapshot in use is not signed";
    return json(503, errorBody("", `no verified snapshot to judge with (SNAPSHOT_PUBLIC_KEY is set): ${why}`), { "retry-after": "30" });
  }

  function maybeRefresh(env, ctx) {
    if (!remote(env) || state.refreshing) return;
    const every = positiveInt(env.SNAPSHOT_REFRESH_SECONDS, 300) * 1000;
    if (Date.now() - state.lastAttempt < every) return;
    ctx.waitUntil(refresh(env).catch(() => {})); // this request keeps the current one
  }

  function refresh(env, force = false) {
    if (state.refreshing) return state.refreshing;
    state.lastAttempt = Date.now();
    state.refreshing = (async () => {
      const source = remote(env);
      const got = source === "kv" ? await downloadFromKv(env) : await downloadFromUrl(env);
      if (!got) return { changed: false }; // 304 Not Modified
      const digest = await sha256(got.bytes);
      if (digest === state.digest) return { changed: false }; // same bytes as loaded
      load(got.bytes, source, env, force);
      state.digest = digest;
      state.etag = got.etag || null;
      return { changed: true };
    })().finally(() => {
      state.refreshing = null;
    });
    return state.refreshing;
  }

  async function downloadFromUrl(env) {
    // Only https: over plain http anyone on the path could swap the rules (and, without
    // SNAPSHOT_PUBLIC_KEY, nothing else would notice).
    let protocol;
    try {
      protocol = new URL(env.SNAPSHOT_URL).protocol;
    } catch {
      throw fail(`SNAPSHOT_URL is not a URL: ${env.SNAPSHOT_URL}`);
    }
    if (protocol !== "https:") {
      throw fail(`SNAPSHOT_URL must be an https: URL, refusing ${env.SNAPSHOT_URL} (a snapshot fetched over ${protocol} could be replaced in transit)`);
    }
    const headers = {};
    if (state.etag) headers["if-none-match"] = state.etag;
    if (env.SNAPSHOT_AUTH) headers.authorization = env.SNAPSHOT_AUTH;
    let res;
    try {
      res = await fetch(env.SNAPSHOT_URL, { headers });
    } catch (e) {
      throw fail(`fetching ${env.SNAPSHOT_URL}: ${e.message}`);
    }
    if (res.status === 304) return null;
    if (!res.ok) throw fail(`fetching ${env.SNAPSHOT_URL}: HTTP ${res.status}`);
    const bytes = await readBytes(res, MAX_SNAPSHOT_BYTES);
    if (!bytes) throw fail(`${env.SNAPSHOT_URL}: larger than ${MAX_SNAPSHOT_BYTES} bytes`);
    return { bytes, etag: res.headers.get("etag") };
  }

  async function downloadFromKv(env) {
    const key = env.SNAPSHOT_KEY || "current";
    let value;
    try {
      value = await env.SNAPSHOT_KV.get(key, { type: "arrayBuffer" });
    } catch (e) {
      throw fail(`reading KV key ${key}: ${e.message}`);
    }
    if (value === null) throw fail(`KV key ${key} not found`);
    return { bytes: new Uint8Array(value) };
  }

  function load(bytes, source, env, force = false) {
    try {
      // MERCHANT set: another store's snapshot (a wrong URL or KV key) is refused.
      // SNAPSHOT_HASH_KEY (a secret): the merchant key the snapshot was compiled with;
      // without it only a demo-keyed snapshot loads, and a snapshot made with another key
      // is refused (kinds key_required / wrong_key).
      // SNAPSHOT_PUBLIC_KEY: only a snapshot signed by its key loads (signature_required,
      // bad_signature). A snapshot older than the one serving is refused (rollback) unless
      // forced through the admin route.
      engine.load(bytes, {
        merchant: env.MERCHANT || undefined,
        key: env.SNAPSHOT_HASH_KEY || undefined,
        publicKey: env.SNAPSHOT_PUBLIC_KEY || undefined,
        force,
      });
    } catch (e) {
      const why = e && e.kind === "wrong_merchant"
        ? `it is for merchant \`${e.found}\`, this worker serves \`${e.expected}\` (MERCHANT)`
        : e && (e.kind === "key_required" || e.kind === "wrong_key")
          ? `${e.message} (SNAPSHOT_HASH_KEY)`
          : e && (e.kind === "signature_required" || e.kind === "bad_signature")
            ? `${e.message} (SNAPSHOT_PUBLIC_KEY)`
            : e && e.kind === "rollback"
              ? `${e.message} (POST ${ADMIN_PREFIX}reload?force=1 rolls back on purpose)`
              : e.message;
      throw fail(`snapshot rejected, keeping ${state.info.merchant} ${state.info.version}: ${why}`);
    }
    state.info = engine.info();
    state.source = source;
    state.digest = null; // set again by refresh() for downloads
    state.etag = null;
    state.loadedAt = new Date().toISOString();
    state.lastError = null;
    console.log(`checkout-guard: loaded snapshot ${state.info.merchant} ${state.info.version} (${source})`);
  }

  function fail(message) {
    state.lastError = { at: new Date().toISOString(), message };
    console.error(`checkout-guard: reload failed: ${message}`);
    return new Error(message);
  }

  async function admin(request, url, env) {
    // Disabled unless ADMIN_TOKEN is set (`wrangler secret put ADMIN_TOKEN`).
    if (!env.ADMIN_TOKEN) return json(404, errorBody("", "not found"));
    const given = (request.headers.get("authorization") || "").replace(/^Bearer\s+/i, "");
    if (!timingSafeEqual(given, env.ADMIN_TOKEN)) {
      return json(401, errorBody("", "admin token required"), { "www-authenticate": "Bearer" });
    }
    const route = url.pathname.slice(ADMIN_PREFIX.length);
    if (route === "status") {
      if (request.method !== "GET") return json(405, errorBody("", "use GET"), { allow: "GET" });
      return json(200, status());
    }
    if (route === "stats") {
      // GET: the live counters alone. DELETE: starts them afresh and answers the counts up
      // to the reset, so reading and resetting lose nothing in between. Per isolate: each
      // running copy of the worker counts what it checked.
      if (request.method === "GET") return json(200, engine.stats());
      if (request.method === "DELETE") {
        const stats = engine.stats();
        engine.resetStats();
        return json(200, { ok: true, stats });
      }
      return json(405, errorBody("", "use GET or DELETE"), { allow: "GET, DELETE" });
    }
    if (route === "reload") {
      if (request.method !== "POST") return json(405, errorBody("", "use POST"), { allow: "POST" });
      // ?force=1: accept an older snapshot than the one serving (a deliberate rollback).
      const force = url.searchParams.get("force") === "1";
      try {
        const body = new Uint8Array(await request.arrayBuffer());
        if (body.length) {
          load(body, "admin", env, force); // the snapshot itself, as the request body
        } else if (remote(env)) {
          state.etag = null; // an explicit reload always downloads
          await refresh(env, force);
        } else {
          return json(400, errorBody("", "send the snapshot as the body, or configure SNAPSHOT_KV or SNAPSHOT_URL"));
        }
      } catch (e) {
        return json(422, { ok: false, error: { message: e.message }, ...status() });
      }
      return json(200, { ok: true, ...status() });
    }
    return json(404, errorBody("", "not found"));
  }

  function status() {
    const { merchant, version, created_at, expires_at, signed } = state.info;
    return {
      snapshot: { merchant, version, created_at, expires_at, signed, source: state.source, loaded_at: state.loadedAt },
      last_error: state.lastError,
      stats: engine.stats(),
    };
  }

  // The best of the snapshot's message locales for ?locale= or Accept-Language;
  // undefined → the policy's default_locale.
  function pickLocale(request, url) {
    const available = state.info.locales || [];
    const wanted = [];
    const q = url.searchParams.get("locale");
    if (q) wanted.push(q);
    for (const part of (request.headers.get("accept-language") || "").split(",")) {
      const [tag, ...params] = part.trim().split(";");
      if (!tag || tag === "*") continue;
      const qv = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = qv ? Number(qv.slice(2)) : 1;
      if (weight > 0) wanted.push({ tag, weight });
    }
    const ordered = wanted.map((w, i) => (typeof w === "string" ? { tag: w, weight: 2, i } : { ...w, i }))
      .sort((a, b) => b.weight - a.weight || a.i - b.i);
    for (const { tag } of ordered) {
      const lower = tag.toLowerCase();
      const exact = available.find((l) => l.toLowerCase() === lower);
      if (exact) return exact;
      const primary = lower.split("-")[0];
      const near = available.find((l) => l.toLowerCase().split("-")[0] === primary);
      if (near) return near;
    }
    return undefined;
  }
  return { fetch: handle, scheduled, engine };
}

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------


// Answers without using the request body, after reading and discarding it (up to
// MAX_DRAIN_BYTES): see tooLarge for why an unread body breaks the connection.
async function answerEarly(request, response) {
  try {
    await readBytes(request, 0, MAX_DRAIN_BYTES);
  } catch {
    // The client went away mid-body: nobody is left to keep the connection for.
  }
  return response;
}

// 413 for a body over MAX_BODY_BYTES. workerd resets a keep-alive connection whose
// request body was left unread, so the client's *next* request on it failed; and it
// drops a `Connection: close` set by the worker, so announcing the close is not possible.
// Hence readText drains an oversize body (up to MAX_DRAIN_BYTES) before this answer,
// keeping the connection usable; a body larger still is cut off, and that connection
// is reset (the cost of not reading gigabytes for a client that sends them).
function tooLarge(limit) {
  return json(413, errorBody("", `order body larger than ${limit} bytes`));
}

// The request body as text, or null when it is larger than `limit` (then drained).
async function readText(request, limit) {
  const bytes = await readBytes(request, limit, MAX_DRAIN_BYTES);
  return bytes && new TextDecoder().decode(bytes);
}

// The body, or null when it is larger than `limit`. Bytes past `limit` are not kept;
// they are read and discarded up to `drain` bytes in all (see tooLarge), past which
// the body is cancelled.
async function readBytes(message, limit, drain = 0) {
  const declared = Number(message.headers.get("content-length"));
  if (!message.body) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks = [];
  let size = declared > limit ? Infinity : 0;
  let seen = 0;
  for (;;) {
    if (size > limit && (seen > drain || declared > drain)) {
      await reader.cancel();
      return null;
    }
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.byteLength;
    size += value.byteLength;
    if (size <= limit) chunks.push(value);
  }
  if (size > limit) return null; // drained
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function errorBody(path, message) {
  return { error: { path, message } };
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function positiveInt(value, fallback) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function timingSafeEqual(a, b) {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < y.length; i++) diff |= (x[i] ?? 0) ^ y[i];
  return diff === 0;
}

async function sha256(bytes) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(text) {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}
