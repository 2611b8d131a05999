// The edge worker example in real workerd (Miniflare): every response kind of POST /orders,
// forwarding to the origin with the verdict header, pass-through, and snapshot swaps.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Response } from "miniflare";
import { EXAMPLE, ROOT, readOrder } from "./support/common.mjs";
import { bundleWorker, get, post, startWorker } from "./support/worker.mjs";
import { ProofMemory, orderDigest } from "../../examples/edge-worker/src/step-up.js";
import { withNotice } from "../../examples/edge-worker/src/notice.js";

const T = { timeout: 30_000 };
const ADMIN = "test-admin-token";
const BUNDLED = readFileSync(join(EXAMPLE, "src", "store.snapshot"));
const DEMO = readFileSync(join(ROOT, "assets", "demo-store.snapshot"));

// The worker judges with its own clock. These orders are the sample ones plus an
// identifier whose blocklist entry never expires, so the tests do not rot when the
// demo's dated entries (C10007 until 2027-03-02, dev-7f3a9c21 until 2027-03-01) lapse.
function denyOrder() {
  const o = readOrder("blacklisted-limited.json"); // C10007, COL-001 limited → deny line 1
  o.customer.payment_fingerprint = "pf_9c1e77d0a4"; // block, STOLEN_CARD, no expiry
  return o;
}
function stepUpOrder() {
  const o = readOrder("step-up-level.json"); // C10008, step_up device → sms_otp
  o.customer.ip = "203.0.113.200"; // step_up, BOT_CHECKOUT, no expiry
  // Re-POSTing after a step-up is a re-check, not a duplicate, only under an order id the
  // merchant's server issued (README "Order ids"): the workers below have ORDER_ID_SECRET.
  o.order_id = signedOrderId(o.order_id);
  return o;
}
const ORDER_ID_SECRET = "order-id-secret";
/** `<id>.<mac>` as issueOrderId makes it (README "Order ids"), computed independently. */
function signedOrderId(id) {
  return `${id}.${createHmac("sha256", ORDER_ID_SECRET).update(`checkout-guard/order-id/v1\n${id}`).digest("base64url")}`;
}

/** POST /orders over `agent` (node:http, so the connection is reused), to workerd's own socket. */
function rawPost(agent, base, body, path = "/orders") {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function damaged(bytes) {
  const copy = new Uint8Array(bytes);
  copy[copy.length - 40] ^= 0xff;
  return copy;
}

function decodeVerdict(header) {
  assert.ok(header, "X-Checkout-Guard-Verdict header present");
  return JSON.parse(Buffer.from(header, "base64").toString("utf8"));
}

/** Outbound fetches of the worker, answered from Node: the origin and a snapshot server. */
function fakeInternet() {
  const net = {
    origin: [],
    snapshotRequests: [],
    snapshot: { status: 503, body: "maintenance", etag: null },
    async handle(req) {
      const url = new URL(req.url);
      if (url.host === "backend.example.test") {
        const call = { method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body: await req.text() };
        net.origin.push(call);
        return new Response(JSON.stringify({ origin: true, path: call.path }), { status: 201, headers: { "content-type": "application/json" } });
      }
      if (url.host === "snapshots.example.test") {
        net.snapshotRequests.push(Object.fromEntries(req.headers));
        const s = net.snapshot;
        if (s.etag && req.headers.get("if-none-match") === s.etag) return new Response(null, { status: 304 });
        return new Response(s.body, { status: s.status, headers: s.etag ? { etag: s.etag } : {} });
      }
      return new Response("unknown host", { status: 502 });
    },
  };
  return net;
}

// The native CLI (30-edge.sh sets CHECKOUT_GUARD_BIN) compiles the snapshots these tests
// swap in: a reload never goes back, so they are created after the bundled one.
const bin = process.env.CHECKOUT_GUARD_BIN || join(ROOT, "target", "release", "checkout-guard");
const noCli = existsSync(bin) || process.env.CHECKOUT_GUARD_BIN ? false : `no native CLI at ${bin} (cargo build --release)`;
const DEMO_KEY_FILE = join(ROOT, "examples", "demo-store", "demo.key");

/** The demo store compiled by the CLI into `dir` at `createdAt`, with extra CLI args. */
function compileDemo(dir, createdAt, ...args) {
  const out = join(dir, `demo-${createdAt.replace(/:/g, "")}-${args.length}.snapshot`);
  execFileSync(bin, ["compile", join(ROOT, "examples", "demo-store"), "--key", DEMO_KEY_FILE, "--created-at", createdAt, "-o", out, ...args], { stdio: "ignore" });
  return readFileSync(out);
}

let bundle;
let work;
/** The demo store's snapshot created a day after the bundled one (2026-11-25). */
let NEWER;
before(async () => {
  bundle = await bundleWorker();
  work = mkdtempSync(join(tmpdir(), "cg-edge-snapshots-"));
  if (!noCli) NEWER = compileDemo(work, "2026-11-26T00:00:00Z");
});
after(() => {
  if (bundle) bundle.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("wrangler.toml bundles what the tests bundle", { timeout: 5_000 }, () => {
  const toml = readFileSync(join(EXAMPLE, "wrangler.toml"), "utf8");
  assert.match(toml, /^main = "src\/worker\.js"$/m);
  assert.match(toml, /\[\[rules\]\]\s*\ntype = "Data"\s*\nglobs = \["\*\*\/\*\.snapshot"\]/);
  const worker = readFileSync(join(EXAMPLE, "src", "worker.js"), "utf8");
  assert.match(worker, /^import bundledSnapshot from "\.\/store\.snapshot";$/m);
  assert.match(worker, /^const engine = Engine\.fromBytes\(/m);
});

describe("POST /orders, origin as a URL", () => {
  let mf;
  const net = fakeInternet();
  before(async () => {
    mf = await startWorker(bundle, {
      bindings: { ORIGIN: "https://backend.example.test/api", ADMIN_TOKEN: ADMIN, ORDER_ID_SECRET },
      outboundService: (req) => net.handle(req),
    });
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  test("the bundled Data-module snapshot is the one in use", T, async () => {
    const r = await get(mf, "/__checkout-guard/status", { authorization: `Bearer ${ADMIN}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    assert.equal(r.json.snapshot.source, "bundled");
  });

  test("unusable JSON → 400 with an error path", T, async () => {
    const r = await post(mf, "/orders", "{not json");
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.path, "");
    assert.match(r.json.error.message, /invalid JSON/);
    assert.equal(net.origin.length, 0);
  });

  test("a bad order → 400 with the path of the bad field", T, async () => {
    const order = readOrder("clean.json");
    order.items[1].quantity = -3;
    const r = await post(mf, "/orders", order);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.path, "items[1].quantity");
    assert.ok(r.json.error.message.length > 0);
    assert.ok(!r.json.error.message.includes("items[1]"), `the path is said once, in its field: ${r.text}`);
    assert.deepEqual(Object.keys(r.json.error).sort(), ["message", "path"]);

    const notObject = await post(mf, "/orders", "[1,2]");
    assert.equal(notObject.status, 400);
    assert.equal(notObject.json.error.path, "");

    const wrongType = await post(mf, "/orders", { items: "x" });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json.error.path, "items");
    assert.equal(net.origin.length, 0, "nothing unusable reaches the origin");
  });

  test("not JSON at all → 415, too large → 413", T, async () => {
    const form = await post(mf, "/orders", "a=1", { "content-type": "application/x-www-form-urlencoded" });
    assert.equal(form.status, 415, form.text);
    assert.equal(form.json.error.path, "");
    const big = await post(mf, "/orders", JSON.stringify({ items: [], pad: "x".repeat(70 * 1024) }));
    assert.equal(big.status, 413, big.text);
    assert.equal(big.json.error.path, "");
    assert.equal(net.origin.length, 0);
  });

  test("after a 413 or a refusal the client's next request on its keep-alive connection succeeds", T, async () => {
    // Straight to workerd's socket (not dispatchFetch), one socket for both requests.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const base = await mf.ready;
      const big = await rawPost(agent, base, JSON.stringify({ items: [], pad: "x".repeat(200 * 1024) }));
      assert.equal(big.status, 413, big.text);
      const next = await rawPost(agent, base, "{not json");
      assert.equal(next.status, 400, next.text);
      assert.ok(next.reusedSocket, "the second request went over the same connection");
      // Refusals before the body is read (an ambiguous path, 415) keep it usable too.
      const refused = await rawPost(agent, base, JSON.stringify(readOrder("clean.json")), "/orders;x=1");
      assert.equal(refused.status, 400, refused.text);
      const after = await rawPost(agent, base, "{not json");
      assert.equal(after.status, 400, after.text);
      assert.match(after.text, /invalid JSON/);
      assert.ok(after.reusedSocket, "still the same connection");
    } finally {
      agent.destroy();
    }
  });

  test("every spelling of the order path is checked or refused, never forwarded unchecked", T, async () => {
    const before = net.origin.length;
    // Canonically the order path (RFC 3986 equivalents, case, slashes, dot segments): checked.
    for (const path of ["/orders/", "//orders", "/Orders", "/ORDERS/", "/%6Frders", "/%6frders", "/x/../orders", "/orders/.", "/orders?debug=1"]) {
      const r = await post(mf, path, denyOrder());
      assert.equal(r.status, 403, `${path}: ${r.text}`);
    }
    // Ambiguous: some origin reads it as the order path. Refused whatever the body.
    for (const path of ["/orders;x=1", "/Orders;jsessionid=1/", "/orders.json", "/orders.json/", "/orders.", "/orders%20", "/orders%09",
      "/orders%00", "/orders%00.php", "/orders%2F", "/orders%2e", "/orders%E2%80%8B", "/%EF%BD%8Frders", "/orders%3Bx", "/%256Frders", "/api/..;/orders", "/orders/x/..;/"]) {
      for (const body of [denyOrder(), readOrder("clean.json")]) {
        const r = await post(mf, path, body);
        assert.equal(r.status, 400, `${path}: ${r.text}`);
        assert.match(r.json.error.message, /not a canonical spelling of the order path/);
      }
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        assert.equal((await post(mf, path, readOrder("clean.json"), {}, method)).status, 400, `${method} ${path}`);
      }
    }
    // Other writes on the order path itself: refused, not forwarded.
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const r = await post(mf, "/orders", readOrder("clean.json"), {}, method);
      assert.equal(r.status, 405, `${method}: ${r.text}`);
      assert.equal(r.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
    }
    assert.equal(net.origin.length, before, "no spelling reached the origin");
    // A checked order reaches the origin at ORDERS_PATH, whatever spelling it came in as.
    for (const [i, path] of ["/ORDERS/", "/%6Frders?src=web"].entries()) {
      const clean = readOrder("clean.json");
      clean.customer.id = `C9100${i}`; // two customers: the same basket twice is a duplicate
      assert.equal((await post(mf, path, clean)).status, 201, path);
      assert.equal(net.origin.at(-1).path, path.includes("?") ? "/api/orders?src=web" : "/api/orders", path);
      assert.match(net.origin.at(-1).headers["x-checkout-guard"], /^allow/);
    }
    const checkedCount = net.origin.length;
    // Near neighbours are other paths: passed through, unchecked, as before.
    assert.equal(checkedCount, before + 2);
    for (const path of ["/orders-history", "/orderstatus", "/order", "/orders/42", "/orders/42.json", "/api/orders", "/ordersx;y"]) {
      const r = await post(mf, path, denyOrder());
      assert.equal(r.status, 201, `${path}: ${r.text}`);
      assert.equal(net.origin.at(-1).headers["x-checkout-guard"], undefined, path);
    }
    // Reads and the CORS preflight pass through on every spelling.
    for (const [method, path] of [["GET", "/orders;x=1"], ["HEAD", "/orders.json"], ["OPTIONS", "/orders"]]) {
      assert.equal((await get(mf, path, {}, method)).status, 201, `${method} ${path}`);
    }
  });

  test("/__checkout-guard/stats: counts by decision, rule, list reason and SKU, no personal data; DELETE resets", T, async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    assert.equal((await get(mf, "/__checkout-guard/stats")).status, 401, "admin token required");
    assert.equal((await get(mf, "/__checkout-guard/stats", auth, "PUT")).status, 405);
    const reset = await get(mf, "/__checkout-guard/stats", auth, "DELETE");
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.json.ok, true);
    const order = denyOrder();
    assert.equal((await post(mf, "/orders", order)).status, 403);
    const r = await get(mf, "/__checkout-guard/stats", auth);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.checks, 1);
    assert.equal(r.json.deny, 1);
    assert.ok(r.json.rules.some((x) => x.action === "deny" && x.fired === 1), r.text);
    assert.ok(r.json.list_reasons.some((x) => x.code === "STOLEN_CARD" && x.orders === 1), r.text);
    assert.deepEqual(r.json.top_skus.map((x) => x.sku).sort(), [...new Set(order.items.map((i) => i.sku))].sort());
    const c = order.customer;
    for (const value of [c.customer_id, c.email, c.phone, c.ip, c.device_id, c.payment_fingerprint, order.order_id]) {
      if (value) assert.ok(!r.text.includes(value), `${value} in ${r.text}`);
    }
    const again = await get(mf, "/__checkout-guard/stats", auth, "DELETE");
    assert.equal(again.json.stats.checks, 1, "DELETE answers the counts up to the reset");
    const after = await get(mf, "/__checkout-guard/stats", auth);
    assert.equal(after.json.checks, 0);
    assert.deepEqual(after.json.top_skus, []);
  });

  test("deny → 403 with the customer message and a reference, never a reason code", T, async () => {
    const forwarded = net.origin.length;
    const r = await post(mf, "/orders", denyOrder(), { "accept-language": "en-US,en;q=0.9" });
    assert.equal(r.status, 403, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ["decision", "locale", "message", "reference"]);
    assert.equal(r.json.decision, "deny");
    assert.equal(typeof r.json.message, "string");
    assert.ok(r.json.message.length > 0);
    assert.equal(r.json.locale, "en");
    assert.match(r.json.reference, /^[0-9a-f-]{36}$/);
    assert.doesNotMatch(r.text, /BLOCKLIST|STOLEN_CARD|RESTRICTED|"reasons"|"lines"|"rule"/);
    assert.equal(net.origin.length, forwarded, "a denied order never reaches the origin");
  });

  test("step_up → 401 challenge; without STEP_UP_SECRET the re-POST with `verified` is challenged again", T, async () => {
    const forwarded = net.origin.length;
    const first = await post(mf, "/orders", stepUpOrder());
    assert.equal(first.status, 401, first.text);
    assert.equal(first.headers.get("www-authenticate"), 'Step-Up methods="sms_otp"');
    assert.equal(first.json.decision, "step_up");
    assert.deepEqual(first.json.verify, ["sms_otp"]);
    assert.deepEqual(first.json.verify_required, [["sms_otp"]], "one group still open: one of its methods clears it");
    assert.equal(first.json.order_id, signedOrderId("DS-20261125-0020"));
    assert.equal(typeof first.json.message, "string");
    assert.equal(first.json.locale, "zh-CN");
    assert.equal(first.json.reasons, undefined, "no reason codes to the client");
    assert.doesNotMatch(first.text, /BLOCKLIST|BOT_CHECKOUT|"rule"/);
    assert.equal(net.origin.length, forwarded);

    // No secret, no proof can be checked: the body's own claim is ignored (fail closed).
    const again = { ...stepUpOrder(), verified: ["sms_otp"] };
    const second = await post(mf, "/orders", again);
    assert.equal(second.status, 401, second.text);
    assert.equal(second.json.decision, "step_up");
    assert.equal(net.origin.length, forwarded, "a challenged order never reaches the origin");
  });

  test("step_up that needs every method → 401 with one verify_required group per method, all listed in the challenge", T, async () => {
    const order = readOrder("multi-verify.json");
    const r = await post(mf, "/orders", order, { "cf-connecting-ip": order.customer.ip || "192.0.2.30" });
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.json.verify, ["sms_otp", "id_check"]);
    assert.deepEqual(r.json.verify_required, [["sms_otp"], ["id_check"]]);
    assert.equal(r.headers.get("www-authenticate"), 'Step-Up methods="sms_otp id_check"');
  });

  test("allow → forwarded with the verdict headers; forged ones are dropped", T, async () => {
    const order = readOrder("clean.json");
    const r = await post(mf, "/orders?src=web", order, {
      "x-checkout-guard": "allow; forged",
      "x-checkout-guard-verdict": "Zm9yZ2Vk",
      "cf-connecting-ip": "192.0.2.7",
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, { origin: true, path: "/api/orders?src=web" });
    const call = net.origin.at(-1);
    const verdict = decodeVerdict(call.headers["x-checkout-guard-verdict"]);
    assert.equal(verdict.decision, "allow");
    assert.equal(verdict.snapshot.merchant, "edge-demo-store");
    assert.equal(call.headers["x-checkout-guard"], `allow; snapshot=${verdict.snapshot.version}`);
    assert.equal(call.headers["content-type"], "application/json");
    // What was checked: the connecting address, not the body's, and no account age the
    // body asserted (README "Identity").
    const checked = structuredClone(order);
    checked.customer.ip = "192.0.2.7";
    delete checked.customer.account_created_at;
    assert.deepEqual(JSON.parse(call.body), checked);
  });

  test("a 1000-line order is forwarded with small, bounded headers", T, async () => {
    // An allowed order whose full verdict is 37 KB of JSON (50 KB as base64).
    const order = readOrder("clean.json");
    order.items = Array.from({ length: 1000 }, (_, i) => (i % 2 ? { sku: "TEA-002", quantity: 1, unit_price: 98 } : { sku: "TEA-004", quantity: 1, unit_price: 128 }));
    const r = await post(mf, "/orders", order);
    assert.equal(r.status, 201, r.text);
    const call = net.origin.at(-1);
    const header = call.headers["x-checkout-guard-verdict"];
    assert.ok(header.length <= 4096, `verdict header ${header.length} bytes`);
    assert.ok(call.headers["x-checkout-guard"].length <= 2048);
    const summary = decodeVerdict(header);
    assert.equal(summary.decision, "allow");
    assert.equal(summary.line_count, 1000);
    assert.ok(summary.lines.length <= 32);
    assert.match(call.headers["x-checkout-guard"], new RegExp(`^${summary.decision}(;|$)`));
    assert.equal(JSON.parse(call.body).items.length, 1000, "the order itself is forwarded whole");
  });

  test("review → forwarded with the rules that fired", T, async () => {
    const r = await post(mf, "/orders", readOrder("refund-abuser.json"));
    assert.equal(r.status, 201, r.text);
    const call = net.origin.at(-1);
    const verdict = decodeVerdict(call.headers["x-checkout-guard-verdict"]);
    assert.equal(verdict.decision, "review");
    const rules = verdict.reasons.map((x) => x.rule).join(",");
    assert.ok(rules.includes("refund-abuse"), rules);
    assert.equal(call.headers["x-checkout-guard"], `review; rules=${rules}; snapshot=${verdict.snapshot.version}`);
  });

  test("warn → forwarded, and the customer gets the notice in a header and the JSON body", T, async () => {
    // The handmade notice needs no (dated) blocklist entry: C10001 buys the handmade pot.
    const order = () => {
      const o = readOrder("clean.json");
      o.items = [{ sku: "WARE-004", quantity: 1, unit_price: 12800 }, { sku: "TEA-001", quantity: 1, unit_price: 168 }];
      return o;
    };
    const r = await post(mf, "/orders", order(), { "accept-language": "en" });
    assert.equal(r.status, 201, r.text);
    const call = net.origin.at(-1);
    const verdict = decodeVerdict(call.headers["x-checkout-guard-verdict"]);
    assert.equal(verdict.decision, "warn");
    assert.deepEqual(verdict.lines, [{ index: 0, sku: "WARE-004", decision: "warn" }]);
    assert.equal(call.headers["x-checkout-guard"], `warn; rules=handmade-unboxing-notice; snapshot=${verdict.snapshot.version}`);
    // The customer's answer: the origin's own body plus the notice, and the same text
    // percent-encoded in a header (README "Warn notices"). Reason codes stay at the origin.
    const notice = { decision: "warn", message: verdict.message.text, locale: "en" };
    assert.match(notice.message, /film the unboxing/);
    assert.deepEqual(r.json, { origin: true, path: "/api/orders", checkout_guard_notice: notice });
    assert.equal(decodeURIComponent(r.headers.get("x-checkout-guard-notice")), notice.message);
    assert.equal(r.headers.get("x-checkout-guard-notice-locale"), "en");
    assert.ok(!r.text.includes("HANDMADE_UNBOXING_NOTICE"), r.text);
    // Without a locale asked for: the policy's default, zh-CN (another basket, so not a
    // duplicate of the first).
    const again = order();
    again.items[1].quantity = 2;
    const zh = await post(mf, "/orders", again);
    assert.equal(zh.status, 201, zh.text);
    assert.equal(zh.json.checkout_guard_notice.locale, "zh-CN");
    assert.match(decodeURIComponent(zh.headers.get("x-checkout-guard-notice")), /开箱视频/);
    // An allowed order gets neither.
    const plain = order();
    plain.items = [{ sku: "TEA-002", quantity: 3, unit_price: 98 }];
    const clean = await post(mf, "/orders", plain);
    assert.equal(clean.status, 201, clean.text);
    assert.equal(decodeVerdict(net.origin.at(-1).headers["x-checkout-guard-verdict"]).decision, "allow");
    assert.equal(clean.headers.get("x-checkout-guard-notice"), null);
    assert.equal(clean.json.checkout_guard_notice, undefined);
  });

  test("a resubmission with another order_id within the window is denied (per-isolate memory)", T, async () => {
    const first = readOrder("duplicate-first.json");
    const second = readOrder("duplicate-second.json");
    assert.equal((await post(mf, "/orders", first)).status, 201);
    const r = await post(mf, "/orders", second);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.decision, "deny");
  });

  test("other paths and methods pass through to the origin, stripped of verdict headers", T, async () => {
    const before = net.origin.length;
    const g = await get(mf, "/orders/42", { "x-checkout-guard": "allow" });
    assert.equal(g.status, 201);
    const list = await get(mf, "/orders");
    assert.equal(list.status, 201);
    assert.equal(net.origin.length, before + 2);
    assert.equal(net.origin[before].path, "/api/orders/42");
    assert.equal(net.origin[before].headers["x-checkout-guard"], undefined);
    assert.equal(net.origin[before + 1].method, "GET");
  });

  test("admin routes need the token; a damaged snapshot is refused and the old one stays", T, async () => {
    assert.equal((await get(mf, "/__checkout-guard/status")).status, 401);
    assert.equal((await get(mf, "/__checkout-guard/status", { authorization: "Bearer wrong" })).status, 401);
    assert.equal((await get(mf, "/__checkout-guard/nope", { authorization: `Bearer ${ADMIN}` })).status, 404);
    assert.equal((await get(mf, "/__checkout-guard/reload", { authorization: `Bearer ${ADMIN}` })).status, 405);

    const auth = { authorization: `Bearer ${ADMIN}`, "content-type": "application/octet-stream" };
    const beforeStatus = (await get(mf, "/__checkout-guard/status", auth)).json;
    for (const bad of [damaged(BUNDLED), BUNDLED.subarray(0, 100), new TextEncoder().encode("not a snapshot")]) {
      const r = await post(mf, "/__checkout-guard/reload", bad, auth);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.ok, false);
      assert.ok(r.json.error.message.length > 0);
      assert.equal(r.json.snapshot.version, beforeStatus.snapshot.version, "old snapshot kept");
      assert.ok(r.json.last_error.message.length > 0);
    }
    const deny = await post(mf, "/orders", denyOrder());
    assert.equal(deny.status, 403, "still judging with the old snapshot");

    // A good push swaps it: the demo store's newer snapshot. Going back to the bundled
    // one is a rollback: refused, the newer one keeps serving, until forced.
    const ok = await post(mf, "/__checkout-guard/reload", NEWER, auth);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.snapshot.merchant, "demo-store");
    assert.equal(ok.json.snapshot.source, "admin");
    assert.equal(ok.json.last_error, null);
    const rollback = await post(mf, "/__checkout-guard/reload", BUNDLED, auth);
    assert.equal(rollback.status, 422, rollback.text);
    assert.match(rollback.json.error.message, /refusing to roll back.*force=1/);
    assert.equal(rollback.json.snapshot.merchant, "demo-store");
    const back = await post(mf, "/__checkout-guard/reload?force=1", BUNDLED, auth);
    assert.equal(back.status, 200, back.text);
    assert.equal(back.json.snapshot.merchant, "edge-demo-store");
    assert.equal(back.json.snapshot.version, beforeStatus.snapshot.version);
  });
});

describe("snapshot refresh from SNAPSHOT_URL", () => {
  let mf;
  const net = fakeInternet();
  const auth = { authorization: `Bearer ${ADMIN}` };
  const status = async () => (await get(mf, "/__checkout-guard/status", auth)).json;
  before(async () => {
    mf = await startWorker(bundle, {
      bindings: {
        ORIGIN: "https://backend.example.test",
        ADMIN_TOKEN: ADMIN,
        SNAPSHOT_URL: "https://snapshots.example.test/edge/current.snapshot",
        SNAPSHOT_AUTH: "Bearer snapshot-reader",
        SNAPSHOT_REFRESH_SECONDS: "1",
      },
      outboundService: (req) => net.handle(req),
    });
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  async function until(what, predicate) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const s = await status();
      if (predicate(s)) return s;
      if (Date.now() > deadline) throw new Error(`${what}: last status ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("an unreachable URL leaves the bundled snapshot in use, with the error kept", T, async () => {
    const r = await post(mf, "/orders", denyOrder()); // first request: starts a background refresh
    assert.equal(r.status, 403);
    const s = await until("refresh error recorded", (x) => x.last_error !== null);
    assert.match(s.last_error.message, /HTTP 503/);
    assert.equal(s.snapshot.merchant, "edge-demo-store");
    assert.equal(s.snapshot.source, "bundled");
    assert.equal(net.snapshotRequests[0].authorization, "Bearer snapshot-reader");
  });

  test("a damaged download is refused by /reload, keeping the old snapshot", T, async () => {
    net.snapshot = { status: 200, body: damaged(DEMO), etag: '"bad"' };
    const r = await post(mf, "/__checkout-guard/reload", "", auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /snapshot rejected/);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    assert.equal((await post(mf, "/orders", denyOrder())).status, 403);
  });

  test("a good download is swapped in, then not fetched again while unchanged (ETag)", T, async () => {
    // Duplicate memory survives the swap (it is about customers, not policies).
    assert.equal((await post(mf, "/orders", readOrder("duplicate-first.json"))).status, 201);
    net.snapshot = { status: 200, body: NEWER, etag: '"demo-v1"' };
    const r = await post(mf, "/__checkout-guard/reload", "", auth);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.snapshot.merchant, "demo-store");
    assert.equal(r.json.snapshot.source, "url");

    const dup = await post(mf, "/orders", readOrder("duplicate-second.json"));
    assert.equal(dup.status, 403, dup.text);
    assert.equal(dup.json.decision, "deny");

    // The forwarded verdict now names the new snapshot.
    const fwd = await post(mf, "/orders", readOrder("clean.json"));
    assert.equal(fwd.status, 201);
    assert.equal(decodeVerdict(net.origin.at(-1).headers["x-checkout-guard-verdict"]).snapshot.merchant, "demo-store");

    // After SNAPSHOT_REFRESH_SECONDS a request triggers a conditional refresh → 304.
    const seen = net.snapshotRequests.length;
    await new Promise((res) => setTimeout(res, 1100));
    await get(mf, "/anything");
    const deadline = Date.now() + 5000;
    while (net.snapshotRequests.length === seen && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.equal(net.snapshotRequests.at(-1)["if-none-match"], '"demo-v1"');
    const s = await status();
    assert.equal(s.snapshot.merchant, "demo-store");
    assert.equal(s.last_error, null);
  });
});

describe("snapshot refresh from a KV namespace (SNAPSHOT_KV)", () => {
  let mf;
  let kv;
  const auth = { authorization: `Bearer ${ADMIN}` };
  const status = async () => (await get(mf, "/__checkout-guard/status", auth)).json;
  before(async () => {
    mf = await startWorker(bundle, {
      kvNamespaces: { SNAPSHOT_KV: "snapshots" },
      bindings: { ADMIN_TOKEN: ADMIN, SNAPSHOT_KEY: "edge/current", SNAPSHOT_REFRESH_SECONDS: "1" },
      outboundService: () => new Response("no origin in this test", { status: 599 }),
    });
    kv = await mf.getKVNamespace("SNAPSHOT_KV");
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  test("a missing key, then a damaged value, leave the bundled snapshot in use", T, async () => {
    let r = await post(mf, "/__checkout-guard/reload", "", auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /KV key edge\/current not found/);
    await kv.put("edge/current", damaged(DEMO).buffer);
    r = await post(mf, "/__checkout-guard/reload", "", auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /snapshot rejected/);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    assert.equal((await post(mf, "/orders", denyOrder())).status, 403);
  });

  test("a good value is loaded, and not loaded again while unchanged", T, async () => {
    await kv.put("edge/current", new Uint8Array(NEWER).buffer);
    const r = await post(mf, "/__checkout-guard/reload", "", auth);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.snapshot.merchant, "demo-store");
    assert.equal(r.json.snapshot.source, "kv");
    const loads = r.json.stats.loads;
    await new Promise((res) => setTimeout(res, 1100));
    await get(mf, "/anything"); // starts a background refresh: same bytes, no load
    await new Promise((res) => setTimeout(res, 300));
    const s = await status();
    assert.equal(s.snapshot.loaded_at, r.json.snapshot.loaded_at);
    if (loads !== undefined) assert.equal(s.stats.loads, loads);
    assert.equal(s.last_error, null);
  });
});

describe("MERCHANT pins the store", () => {
  let mf;
  const auth = { authorization: `Bearer ${ADMIN}`, "content-type": "application/octet-stream" };
  before(async () => {
    mf = await startWorker(bundle, { bindings: { ADMIN_TOKEN: ADMIN, MERCHANT: "edge-demo-store" } });
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  test("another store's snapshot is refused, the store's own accepted", T, async () => {
    const r = await post(mf, "/__checkout-guard/reload", DEMO, auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /merchant `demo-store`, this worker serves `edge-demo-store`/);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    const ok = await post(mf, "/__checkout-guard/reload", BUNDLED, auth);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.snapshot.source, "admin");
  });
});

describe("SNAPSHOT_HASH_KEY: a merchant snapshot loads only with its key", () => {
  // The native CLI compiles the store under a merchant key.
  const skip = noCli;
  const KEY = "6564676574657374206b657920313621";
  const auth = { authorization: `Bearer ${ADMIN}`, "content-type": "application/octet-stream" };
  let mf;
  let dir;
  after(async () => {
    if (mf) await mf.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("without the secret, or with another key, it is refused and the old one keeps serving", { timeout: 60_000, skip }, async () => {
    dir = mkdtempSync(join(tmpdir(), "cg-edge-key-"));
    writeFileSync(join(dir, "store.key"), KEY + "\n");
    execFileSync(bin, ["compile", join(ROOT, "examples", "demo-store"), "--key", join(dir, "store.key"), "-o", join(dir, "store.snapshot")], { stdio: "ignore" });
    const keyed = readFileSync(join(dir, "store.snapshot"));
    // No secret: refused (key_required), the bundled snapshot keeps serving.
    mf = await startWorker(bundle, { bindings: { ADMIN_TOKEN: ADMIN } });
    let r = await post(mf, "/__checkout-guard/reload", keyed, auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /needs its key.*SNAPSHOT_HASH_KEY/);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    await mf.dispose();
    // Another key: refused (wrong_key).
    mf = await startWorker(bundle, { bindings: { ADMIN_TOKEN: ADMIN, SNAPSHOT_HASH_KEY: "00112233445566778899aabbccddeeff" } });
    r = await post(mf, "/__checkout-guard/reload", keyed, auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /not the one this snapshot was compiled with/);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    await mf.dispose();
    // Its key: loaded, and a listed customer is denied by it.
    mf = await startWorker(bundle, { bindings: { ADMIN_TOKEN: ADMIN, SNAPSHOT_HASH_KEY: KEY } });
    r = await post(mf, "/__checkout-guard/reload", keyed, auth);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.snapshot.merchant, "demo-store");
    const denied = await post(mf, "/orders", JSON.stringify(readOrder("blacklisted-limited.json")));
    assert.equal(denied.status, 403, denied.text);
  });
});

describe("SNAPSHOT_PUBLIC_KEY: only signed snapshots judge orders", () => {
  const auth = { authorization: `Bearer ${ADMIN}`, "content-type": "application/octet-stream" };
  let mf;
  let dir;
  let older;
  let newer;
  let foreign;
  before(async () => {
    if (noCli) return;
    dir = mkdtempSync(join(tmpdir(), "cg-edge-sign-"));
    execFileSync(bin, ["keygen", "--signing", "-o", join(dir, "release.key")], { stdio: "ignore" });
    execFileSync(bin, ["keygen", "--signing", "-o", join(dir, "other.key")], { stdio: "ignore" });
    older = compileDemo(dir, "2026-11-27T00:00:00Z", "--sign", join(dir, "release.key"));
    newer = compileDemo(dir, "2026-11-28T00:00:00Z", "--sign", join(dir, "release.key"));
    foreign = compileDemo(dir, "2026-11-29T00:00:00Z", "--sign", join(dir, "other.key"));
    const publicKey = readFileSync(join(dir, "release.key.pub"), "utf8").trim();
    mf = await startWorker(bundle, { bindings: { ADMIN_TOKEN: ADMIN, SNAPSHOT_PUBLIC_KEY: publicKey } });
  });
  after(async () => {
    if (mf) await mf.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the unsigned bundled snapshot judges nothing: 503, never forwarded", { ...T, skip: noCli }, async () => {
    const r = await post(mf, "/orders", readOrder("clean.json"));
    assert.equal(r.status, 503, r.text);
    assert.match(r.json.error.message, /no verified snapshot.*SNAPSHOT_PUBLIC_KEY.*not signed/);
    const s = (await get(mf, "/__checkout-guard/status", auth)).json;
    assert.equal(s.snapshot.signed, false);
    assert.match(s.last_error.message, /not signed/);
  });

  test("unsigned, tampered and foreign-signed uploads are refused; a signed one serves", { ...T, skip: noCli }, async () => {
    const tampered = Buffer.from(newer);
    tampered[tampered.length - 1] ^= 0x01; // the signature's last byte
    for (const [bytes, why] of [
      [NEWER, /not signed.*SNAPSHOT_PUBLIC_KEY/],
      [tampered, /does not verify.*SNAPSHOT_PUBLIC_KEY/],
      [foreign, /does not verify.*SNAPSHOT_PUBLIC_KEY/],
    ]) {
      const r = await post(mf, "/__checkout-guard/reload", bytes, auth);
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.error.message, why);
      assert.equal(r.json.snapshot.signed, false);
      assert.equal((await post(mf, "/orders", readOrder("clean.json"))).status, 503);
    }
    const ok = await post(mf, "/__checkout-guard/reload", newer, auth);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.snapshot.signed, true);
    assert.equal(ok.json.snapshot.created_at, "2026-11-28T00:00:00Z");
    assert.equal((await post(mf, "/orders", denyOrder())).status, 403);
  });

  test("an older signed snapshot is a rollback: refused, unless forced", { ...T, skip: noCli }, async () => {
    const r = await post(mf, "/__checkout-guard/reload", older, auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /refusing to roll back/);
    assert.equal(r.json.snapshot.created_at, "2026-11-28T00:00:00Z");
    assert.equal((await post(mf, "/orders", denyOrder())).status, 403);
    const forced = await post(mf, "/__checkout-guard/reload?force=1", older, auth);
    assert.equal(forced.status, 200, forced.text);
    assert.equal(forced.json.snapshot.created_at, "2026-11-27T00:00:00Z");
    assert.equal(forced.json.snapshot.signed, true);
    // Force never admits an unsigned one.
    const unsigned = await post(mf, "/__checkout-guard/reload?force=1", NEWER, auth);
    assert.equal(unsigned.status, 422, unsigned.text);
  });
});

describe("SNAPSHOT_URL must be https", () => {
  let mf;
  const net = fakeInternet();
  const auth = { authorization: `Bearer ${ADMIN}` };
  before(async () => {
    net.snapshot = { status: 200, body: "would be a snapshot", etag: null };
    mf = await startWorker(bundle, {
      bindings: { ADMIN_TOKEN: ADMIN, SNAPSHOT_URL: "http://snapshots.example.test/edge/current.snapshot" },
      outboundService: (req) => net.handle(req),
    });
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  test("a plain-http URL is never fetched; the old snapshot keeps serving", T, async () => {
    const r = await post(mf, "/__checkout-guard/reload", "", auth);
    assert.equal(r.status, 422, r.text);
    assert.match(r.json.error.message, /SNAPSHOT_URL must be an https: URL/);
    assert.equal(r.json.snapshot.merchant, "edge-demo-store");
    assert.equal(net.snapshotRequests.length, 0);
    assert.equal((await post(mf, "/orders", denyOrder())).status, 403);
  });
});

describe("origin as a service binding, signed step-up proofs", () => {
  let mf;
  const SECRET = "step-up-secret";
  const origin = {
    name: "origin",
    modules: true,
    compatibilityDate: "2025-01-01",
    script: `export default { async fetch(req) {
      const url = new URL(req.url);
      return Response.json({ origin: "service", method: req.method, path: url.pathname,
        guard: req.headers.get("x-checkout-guard"), auth: req.headers.get("x-checkout-guard-auth"),
        proof: req.headers.get("x-checkout-guard-proof"), body: req.method === "POST" ? await req.json() : null });
    } }`,
  };
  before(async () => {
    mf = await startWorker(
      bundle,
      { serviceBindings: { ORIGIN: "origin" }, bindings: { STEP_UP_SECRET: SECRET, ORIGIN_AUTH: "origin-shared-secret", ORDER_ID_SECRET } },
      [origin],
    );
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  function sign(claims, secret = SECRET) {
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const sig = createHmac("sha256", secret).update(payload).digest("base64url");
    return `${payload}.${sig}`;
  }
  // A proof as a merchant's issuer makes one: the digest by the worker's own export.
  async function proof(order, claims = {}, secret = SECRET) {
    const base = { jti: randomUUID(), order_digest: await orderDigest(order), methods: ["sms_otp"], exp: soon() };
    return sign({ ...base, ...claims }, secret);
  }
  const soon = () => Math.floor(Date.now() / 1000) + 300;
  const send = (order, token) => post(mf, "/orders", order, { "x-checkout-guard-proof": token });
  function assertRefused(r, reason) {
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.decision, "step_up");
    assert.equal(r.json.proof_error, reason);
    assert.match(r.headers.get("www-authenticate"), /error="invalid_proof"/);
  }

  test("allow is forwarded through the binding with the origin's shared secret", T, async () => {
    const r = await post(mf, "/orders", readOrder("clean.json"));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.origin, "service");
    assert.match(r.json.guard, /^allow; snapshot=/);
    assert.equal(r.json.auth, "origin-shared-secret");
    const pass = await get(mf, "/products/TEA-001");
    assert.equal(pass.json.path, "/products/TEA-001");
    assert.equal(pass.json.guard, null);
  });

  test("a client's own `verified` does not count when STEP_UP_SECRET is set", T, async () => {
    const r = await post(mf, "/orders", { ...stepUpOrder(), verified: ["sms_otp"] });
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.json.verify, ["sms_otp"]);
  });

  test("bad proofs are refused with the reason in the challenge", T, async () => {
    const order = stepUpOrder();
    const cases = [
      [await proof(order, {}, "wrong-secret"), "bad signature"],
      [await proof(order, { exp: 1000 }), "proof expired"],
      [await proof(order, { exp: Math.floor(Date.now() / 1000) + 3600 }), "proof lives longer than 900 s"],
      [await proof(order, { jti: undefined }), "proof has no jti"],
      [await proof(order, { order_digest: undefined, order_id: order.order_id }), "proof has no order_digest"],
      ["garbage", "malformed proof"],
    ];
    for (const [token, reason] of cases) assertRefused(await send(order, token), reason);
  });

  test("a proof for another basket, address or customer is refused", T, async () => {
    const order = stepUpOrder();
    const token = await proof(order);
    const others = {
      "more of a SKU": { ...order, items: [{ ...order.items[0], quantity: 5 }, order.items[1]] },
      "an extra SKU": { ...order, items: [...order.items, { sku: "TEA-001", quantity: 1, unit_price: 168.0 }] },
      "one SKU fewer": { ...order, items: [order.items[0]] },
      // Within the engine's 0.005 price tolerance, so still step_up, not a price mismatch.
      "another price": { ...order, items: [{ ...order.items[0], unit_price: 268.004 }, order.items[1]] },
      "another address": { ...order, shipping: { ...order.shipping, line1: "长安南路1号" } },
      "another recipient": { ...order, shipping: { ...order.shipping, name: "王芳", phone: "13900139000" } },
      "another customer id": { ...order, customer: { ...order.customer, id: "C10001" } },
      "another email": { ...order, customer: { ...order.customer, email: "someone@example.com" } },
      "another phone": { ...order, customer: { ...order.customer, phone: "13800138000" } },
    };
    for (const [what, other] of Object.entries(others)) {
      const r = await send(other, token);
      assert.equal(r.json.proof_error, "proof is for another order", what);
      assertRefused(r, "proof is for another order");
    }
    // None of them spent it: the order it was issued for still clears.
    assert.equal((await send(order, token)).status, 200);
  });

  test("the basket is bound by SKU and summed quantity: split or reordered lines still match", T, async () => {
    const order = stepUpOrder();
    order.items = [{ sku: "TEA-003", quantity: 2, unit_price: 268.0 }, { sku: "WARE-003", quantity: 1, unit_price: 360.0 }];
    const token = await proof(order);
    const split = { ...order, items: [order.items[1], { sku: "TEA-003", quantity: 1, unit_price: 268.0 }, { sku: "TEA-003", quantity: 1, unit_price: 268.0 }] };
    const r = await send(split, token);
    assert.equal(r.status, 200, r.text);
  });

  test("a valid proof clears the step-up once; used again it is refused", T, async () => {
    const order = stepUpOrder();
    const token = await proof(order);
    const r = await send(order, token);
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.guard, /^allow/);
    assert.deepEqual(r.json.body.verified, ["sms_otp"]);
    assert.equal(r.json.proof, null, "the proof header is not passed on");
    assertRefused(await send(order, token), "proof already used");
    // A new proof (new jti) for the same order clears it again.
    assert.equal((await send(order, await proof(order))).status, 200);
  });
});

describe("without STEP_UP_SECRET", () => {
  let mf;
  let logged = "";
  before(async () => {
    const collect = (stream) => stream.on("data", (c) => (logged += c));
    mf = await startWorker(bundle, { bindings: { ORIGIN: "https://backend.example.test", ORDER_ID_SECRET } }, [], {
      handleRuntimeStdio: (stdout, stderr) => {
        collect(stdout);
        collect(stderr);
      },
    });
  });
  after(async () => {
    if (mf) await mf.dispose();
  });

  test("a signed-looking proof and the body's `verified` are ignored, and the isolate warns once", T, async () => {
    const order = { ...stepUpOrder(), verified: ["sms_otp"] };
    const payload = Buffer.from(JSON.stringify({ jti: "x", order_digest: await orderDigest(order), methods: ["sms_otp"], exp: Math.floor(Date.now() / 1000) + 60 })).toString("base64url");
    const token = `${payload}.${createHmac("sha256", "").update(payload).digest("base64url")}`;
    for (let i = 0; i < 3; i++) {
      const r = await post(mf, "/orders", order, { "x-checkout-guard-proof": token });
      assert.equal(r.status, 401, r.text);
    }
    await new Promise((done) => setTimeout(done, 200)); // let workerd's log lines arrive
    const warnings = logged.split("\n").filter((l) => l.includes("STEP_UP_SECRET is not set"));
    assert.equal(warnings.length, 1, logged);
    assert.match(warnings[0], /step-up cannot be completed/);
  });
});

describe("the used-proof memory (per isolate)", () => {
  test("bounded: when full of unexpired proofs it refuses new ones; expired ones make room", { timeout: 5_000 }, () => {
    const memory = new ProofMemory(2);
    assert.equal(memory.claim("a", 2_000, 0), "ok");
    assert.equal(memory.claim("a", 2_000, 1_000), "used");
    assert.equal(memory.claim("b", 5_000, 1_000), "ok");
    assert.equal(memory.claim("c", 5_000, 1_000), "full", "no room, and none forgotten");
    assert.equal(memory.claim("b", 5_000, 1_500), "used");
    assert.equal(memory.claim("c", 5_000, 2_500), "ok", "a expired at 2000 and was swept");
    assert.equal(memory.used.size, 2);
  });
});

describe("the proof digest's canonical form (README \"Step-up proofs\")", () => {
  // Written from the README's description alone, as a backend in another language would.
  function reference(order) {
    const net = (s) => {
      const b = Buffer.from(s, "utf8");
      return Buffer.concat([Buffer.from(`${b.length}:`), b, Buffer.from(",")]);
    };
    const c = order.customer || {};
    const sh = order.shipping || {};
    const fields = ["checkout-guard/order-digest/v1", c.id, c.email, c.phone, order.currency, sh.name, sh.phone, sh.province, sh.city, sh.district, sh.line1].map((v) => v ?? "");
    const skus = new Map();
    for (const it of order.items || []) {
      const e = skus.get(it.sku) || [0n, 0n];
      e[0] += BigInt(it.quantity);
      e[1] += BigInt(it.quantity) * BigInt(Math.floor((it.unit_price ?? 0) * 1000 + 0.5));
      skus.set(it.sku, e);
    }
    const sorted = [...skus.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    fields.push(String(sorted.length));
    for (const k of sorted) fields.push(k, skus.get(k)[0].toString(), skus.get(k)[1].toString());
    return createHash("sha256").update(Buffer.concat(fields.map(net))).digest("hex");
  }

  test("orderDigest computes the documented form, for every sample order", { timeout: 5_000 }, async () => {
    for (const name of readdirSync(join(ROOT, "examples", "orders")).filter((n) => n.endsWith(".json"))) {
      const order = readOrder(name);
      assert.equal(await orderDigest(order), reference(order), name);
    }
    // SKUs past the BMP sort by UTF-8 bytes (code points), not UTF-16 units; no unit_price counts 0.
    const odd = { currency: "CNY", items: [{ sku: "\u{1F375}", quantity: 1 }, { sku: "\uFF21", quantity: 2, unit_price: 0.1 }] };
    assert.equal(await orderDigest(odd), reference(odd));
  });
});

describe("the edge agrees with the native CLI", () => {
  // The native CLI: scripts/tests/30-edge.sh builds it and sets CHECKOUT_GUARD_BIN.
  const bin = process.env.CHECKOUT_GUARD_BIN || join(ROOT, "target", "release", "checkout-guard");
  // Skipped only when nobody asked for it: 30-edge.sh sets CHECKOUT_GUARD_BIN.
  const skip = existsSync(bin) || process.env.CHECKOUT_GUARD_BIN ? false : `no native CLI at ${bin} (cargo build --release)`;
  let mf;
  const net = fakeInternet();
  after(async () => {
    if (mf) await mf.dispose();
  });

  test("every sample order, in examples/orders/all.jsonl order, through one engine", { timeout: 60_000, skip }, async () => {
    mf = await startWorker(bundle, {
      bindings: { ORIGIN: "https://backend.example.test" },
      outboundService: (req) => net.handle(req),
    });
    const lines = readFileSync(join(ROOT, "examples", "orders", "all.jsonl"), "utf8").split("\n").filter((l) => l.trim());
    // The worker judges at its clock; the CLI at the same instant (seconds apart at most).
    const now = new Date().toISOString();
    // The worker drops the body's own `verified` (only a proof counts, README "Step-up
    // proofs") and its `account_created_at`, and takes the IP from the connection (README
    // "Identity"), so the CLI judges those orders as the edge sees them: each is sent
    // from the address its body names.
    const ipOf = (o) => (o.customer && o.customer.ip) || "192.0.2.1";
    const asTheEdgeSees = lines.map((l) => {
      const o = JSON.parse(l);
      delete o.verified;
      if (o.customer) {
        delete o.customer.account_created_at;
        o.customer.ip = ipOf(o);
      }
      return JSON.stringify(o);
    });
    const out = execFileSync(bin, ["check", "--snapshot", join(EXAMPLE, "src", "store.snapshot"), "--now", now, "-"], {
      input: asTheEdgeSees.join("\n") + "\n",
      encoding: "utf8",
      timeout: 30_000,
    });
    const native = out.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    assert.equal(native.length, lines.length);
    const seen = { allow: 0, warn: 0, review: 0, step_up: 0, deny: 0 };
    for (const [i, line] of lines.entries()) {
      const v = native[i];
      const what = `line ${i + 1} (${JSON.parse(line).order_id}): native ${v.decision}`;
      seen[v.decision]++;
      const r = await post(mf, "/orders", line, { "cf-connecting-ip": ipOf(JSON.parse(line)) });
      const message = v.message ? v.message.text : null;
      if (v.decision === "deny") {
        assert.equal(r.status, 403, what);
        assert.deepEqual(r.json, { decision: "deny", message, locale: v.message ? v.message.locale : null, reference: r.json.reference }, what);
      } else if (v.decision === "step_up") {
        assert.equal(r.status, 401, what);
        assert.deepEqual(r.json.verify, v.verify, what);
        assert.deepEqual(r.json.verify_required, v.verify_required, what);
        assert.equal(r.json.message, message, what);
      } else {
        assert.equal(r.status, 201, what);
        // The header carries the verdict with its lists bounded: the same decision, rules
        // and codes, and only the lines not allowed (with their index).
        const got = decodeVerdict(net.origin.at(-1).headers["x-checkout-guard-verdict"]);
        const notAllowed = v.lines.map((l, index) => ({ index, ...l })).filter((l) => l.decision !== "allow");
        assert.deepEqual({ ...got, lines: got.lines, line_count: undefined, truncated: undefined }, { ...v, lines: notAllowed, line_count: undefined, truncated: undefined }, what);
        assert.equal(got.line_count, v.lines.length, what);
        const codes = [...new Set(v.reasons.map((x) => x.code))];
        assert.deepEqual([...new Set(got.reasons.map((x) => x.code))], codes, what);
        // A warn reaches the customer as the notice on the origin's answer, nothing else does.
        const notice = v.decision === "warn" && message ? { decision: "warn", message, locale: v.message.locale } : undefined;
        assert.deepEqual(r.json.checkout_guard_notice, notice, what);
      }
    }
    for (const [decision, n] of Object.entries(seen)) assert.ok(n > 0, `no ${decision} among the samples`);
  });
});

describe("the warn notice on other origin answers (notice.js, in Node)", () => {
  const text = "请录制开箱视频。Film the unboxing.";
  test("a body that is not a JSON object passes unchanged, with the headers; CORS exposes them", { timeout: 5_000 }, async () => {
    const html = await withNotice(new globalThis.Response("<p>ok</p>", { status: 201, headers: { "content-type": "text/html" } }), text, "zh-CN");
    assert.equal(html.status, 201);
    assert.equal(await html.text(), "<p>ok</p>");
    assert.equal(decodeURIComponent(html.headers.get("x-checkout-guard-notice")), text);
    const list = await withNotice(new globalThis.Response("[1]", { headers: { "content-type": "application/json" } }), text, "en");
    assert.equal(await list.text(), "[1]");
    const broken = await withNotice(new globalThis.Response("{nope", { headers: { "content-type": "application/json" } }), text, "en");
    assert.equal(await broken.text(), "{nope");
    const cors = await withNotice(new globalThis.Response("{}", {
      status: 409,
      headers: { "content-type": "application/problem+json", "access-control-allow-origin": "https://shop.example", "access-control-expose-headers": "x-request-id" },
    }), text, "en");
    assert.equal(cors.status, 409, "the origin's status is kept");
    assert.equal(cors.headers.get("access-control-expose-headers"), "x-request-id, x-checkout-guard-notice, x-checkout-guard-notice-locale");
    assert.deepEqual(await cors.json(), { checkout_guard_notice: { decision: "warn", message: text, locale: "en" } });
  });
});
