// Bound identity at the edge (examples/edge-worker/src/session.js, README "Identity"):
// sessions (JWT HS256 / EdDSA), the connecting address and signed order ids replace what
// the body claims; a present but invalid session is refused. Unit tests in Node, then the
// worker in workerd (Miniflare).
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, sign as edSign } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Response } from "miniflare";
import { readOrder } from "./support/common.mjs";
import { bundleWorker, post, startWorker } from "./support/worker.mjs";
import {
  SessionError,
  applyIdentity,
  claimsIdentity,
  issueOrderId,
  sessionToken,
  verifyOrderId,
  verifySession,
} from "../../examples/edge-worker/src/session.js";

const T = { timeout: 30_000 };
const SECRET = "session-secret-for-tests";
const ORDER_SECRET = "order-id-secret-for-tests";
const ISSUER = "https://shop.example.test";
const now = () => Math.floor(Date.now() / 1000);
const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");

/** A compact JWT signed HS256 with `secret` (or any header, for the refusals). */
function hs256(claims, { secret = SECRET, header = { alg: "HS256", typ: "JWT" } } = {}) {
  const signed = `${b64(header)}.${b64(claims)}`;
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}
const ed = generateKeyPairSync("ed25519");
const ED_PUBLIC_HEX = Buffer.from(ed.publicKey.export({ format: "jwk" }).x, "base64url").toString("hex");
function eddsa(claims, privateKey = ed.privateKey) {
  const signed = `${b64({ alg: "EdDSA", typ: "JWT" })}.${b64(claims)}`;
  return `${signed}.${edSign(null, Buffer.from(signed), privateKey).toString("base64url")}`;
}
const session = (extra = {}) => ({ sub: "C20001", iss: ISSUER, iat: now() - 10, exp: now() + 600, ...extra });

async function refusedWith(promise, pattern) {
  await assert.rejects(promise, (e) => e instanceof SessionError && e.code === "invalid_session" && pattern.test(e.message));
}

describe("verifySession (Node)", () => {
  const keys = { secret: SECRET };
  test("a good HS256 session gives its claims; EdDSA with SESSION_PUBLIC_KEY too", T, async () => {
    const claims = await verifySession(hs256(session()), keys, { issuer: ISSUER });
    assert.equal(claims.sub, "C20001");
    const e = await verifySession(eddsa(session({ sub: "C20002" })), { publicKeyHex: ED_PUBLIC_HEX });
    assert.equal(e.sub, "C20002");
  });

  test("forged, alg none, other algs, keys the token picks: refused", T, async () => {
    await refusedWith(verifySession(hs256(session(), { secret: "guessed" }), keys), /signature/);
    const none = `${b64({ alg: "none" })}.${b64(session())}.`;
    await refusedWith(verifySession(none, keys), /alg "none"/);
    await refusedWith(verifySession(hs256(session(), { header: { alg: "HS384" } }), keys), /alg "HS384"/);
    // An EdDSA token where only HS256 is configured, and HS256 where only EdDSA is (the
    // classic confusion: the public key used as an HMAC secret).
    await refusedWith(verifySession(eddsa(session()), keys), /alg "EdDSA"/);
    await refusedWith(verifySession(hs256(session(), { secret: ED_PUBLIC_HEX }), { publicKeyHex: ED_PUBLIC_HEX }), /alg "HS256"/);
    // Another Ed25519 key.
    const other = generateKeyPairSync("ed25519");
    await refusedWith(verifySession(eddsa(session(), other.privateKey), { publicKeyHex: ED_PUBLIC_HEX }), /signature/);
    await refusedWith(verifySession(hs256(session(), { header: { alg: "HS256", crit: ["x"] } }), keys), /crit/);
  });

  test("exp required and honoured with 60 s of skew; nbf and iat in the future refused", T, async () => {
    await refusedWith(verifySession(hs256(session({ exp: undefined })), keys), /no exp/);
    await refusedWith(verifySession(hs256(session({ exp: now() - 61 })), keys), /expired/);
    await verifySession(hs256(session({ exp: now() - 30 })), keys); // within the skew
    await refusedWith(verifySession(hs256(session({ nbf: now() + 120 })), keys), /nbf/);
    await verifySession(hs256(session({ nbf: now() + 30 })), keys);
    await refusedWith(verifySession(hs256(session({ iat: now() + 120 })), keys), /iat/);
    await refusedWith(verifySession(hs256(session({ exp: "tomorrow" })), keys), /no exp/);
  });

  test("iss and aud are checked when configured", T, async () => {
    await refusedWith(verifySession(hs256(session({ iss: "https://evil.test" })), keys, { issuer: ISSUER }), /iss/);
    await refusedWith(verifySession(hs256(session()), keys, { audience: "edge" }), /aud/);
    await verifySession(hs256(session({ aud: ["other", "edge"] })), keys, { audience: "edge" });
    await verifySession(hs256(session({ aud: "edge" })), keys, { audience: "edge" });
  });

  test("malformed tokens are refused, never read", T, async () => {
    for (const bad of ["", "a.b", "a.b.c.d", "!!!.e30.x", `${b64("not json")}.${b64(session())}.x`, "x".repeat(9000)]) {
      await assert.rejects(verifySession(bad, keys), SessionError, JSON.stringify(bad.slice(0, 20)));
    }
  });

  test("claims map to the identity; wrong types are refused", T, () => {
    assert.deepEqual(claimsIdentity({ sub: "C1", email: "a@b.c", phone: "138", account_created_at: "2020-01-02T03:04:05Z", name: "x" }), {
      customerId: "C1",
      email: "a@b.c",
      phone: "138",
      accountCreatedAt: "2020-01-02T03:04:05Z",
    });
    assert.deepEqual(claimsIdentity({}), {});
    assert.throws(() => claimsIdentity({ sub: 42 }), SessionError);
    assert.throws(() => claimsIdentity({ account_created_at: "2015" }), SessionError);
  });

  test("the session comes from Authorization: Bearer, else the cookie", T, () => {
    const req = (headers) => new Request("https://x.test/orders", { headers });
    assert.deepEqual(sessionToken(req({ authorization: "Bearer abc.def.ghi" }), {}), { token: "abc.def.ghi", from: "authorization" });
    assert.deepEqual(sessionToken(req({ cookie: "a=1; cg_session=tok; b=2" }), {}), { token: "tok", from: "cookie" });
    assert.deepEqual(sessionToken(req({ cookie: "sid=tok" }), { SESSION_COOKIE: "sid" }), { token: "tok", from: "cookie" });
    assert.equal(sessionToken(req({ authorization: "Basic dXNlcg==" }), {}), null);
    assert.equal(sessionToken(req({ cookie: "other=1" }), {}), null);
  });

  test("applyIdentity: bound fields replace the body's, the body's ip and account age go", T, () => {
    const order = { customer: { id: "C10002", email: "x@y.z", ip: "10.0.0.1", account_created_at: "2015-01-01T00:00:00Z" } };
    applyIdentity(order, { customerId: "C20001", ip: "192.0.2.1" });
    assert.deepEqual(order.customer, { id: "C20001", email: "x@y.z", ip: "192.0.2.1" });
    const guest = { customer: { ip: "10.0.0.1" } };
    applyIdentity(guest, {});
    assert.deepEqual(guest.customer, {});
  });
});

describe("order ids the merchant's server issued", () => {
  test("issueOrderId's ids verify; others, altered or under another secret, do not", T, async () => {
    const id = await issueOrderId(ORDER_SECRET, "DS-1");
    assert.match(id, /^DS-1\.[A-Za-z0-9_-]{43}$/);
    // The documented form, computed independently.
    const mac = createHmac("sha256", ORDER_SECRET).update("checkout-guard/order-id/v1\nDS-1").digest("base64url");
    assert.equal(id, `DS-1.${mac}`);
    assert.equal(await verifyOrderId(ORDER_SECRET, id), true);
    assert.equal(await verifyOrderId("other", id), false);
    assert.equal(await verifyOrderId(ORDER_SECRET, `DS-2.${mac}`), false);
    assert.equal(await verifyOrderId(ORDER_SECRET, "DS-1"), false);
    assert.equal(await verifyOrderId(ORDER_SECRET, `DS-1.${mac}x`), false);
    assert.equal(await verifyOrderId("", id), false);
    await assert.rejects(issueOrderId(ORDER_SECRET, "a.b"), TypeError);
  });
});

describe("the worker binds identity (workerd)", () => {
  let bundle;
  let mf;
  const origin = [];
  before(async () => {
    bundle = await bundleWorker();
    mf = await startWorker(bundle, {
      bindings: { ORIGIN: "https://backend.example.test", SESSION_SECRET: SECRET, SESSION_ISSUER: ISSUER, ORDER_ID_SECRET: ORDER_SECRET },
      outboundService: async (req) => {
        origin.push({ headers: Object.fromEntries(req.headers), body: await req.text() });
        return new Response(JSON.stringify({ origin: true }), { status: 201, headers: { "content-type": "application/json" } });
      },
    });
  });
  after(async () => {
    if (mf) await mf.dispose();
    if (bundle) bundle.cleanup();
  });
  const forwarded = () => {
    const call = origin.at(-1);
    return { order: JSON.parse(call.body), verdict: JSON.parse(Buffer.from(call.headers["x-checkout-guard-verdict"], "base64").toString("utf8")) };
  };
  const bearer = (claims) => ({ authorization: `Bearer ${hs256(claims)}` });

  test("a body claiming C10002 with a session for another customer is judged as the session's customer", T, async () => {
    // C10002 is trusted (its address hopping is allowed); C10003 has refunds (review).
    const order = readOrder("trusted-many-addresses.json");
    const r = await post(mf, "/orders", order, bearer(session({ sub: "C10003" })));
    assert.equal(r.status, 201, r.text);
    const { order: seen, verdict } = forwarded();
    assert.equal(seen.customer.id, "C10003", "the origin gets the bound customer");
    assert.equal(verdict.decision, "review");
    const rules = verdict.reasons.map((x) => x.rule);
    assert.ok(rules.includes("refund-abuse"), rules.join(","));
    assert.ok(!rules.includes("trusted-customer"), rules.join(","));
  });

  test("the session's e-mail, phone and account age replace the body's; a cookie session works too", T, async () => {
    const order = readOrder("clean.json");
    order.customer.account_created_at = "2015-01-01T00:00:00Z";
    const claims = session({ sub: "C20077", email: "bound@example.test", phone: "13900000077", account_created_at: "2026-11-29T00:00:00Z" });
    const r = await post(mf, "/orders", order, { cookie: `theme=dark; cg_session=${hs256(claims)}` });
    assert.equal(r.status, 201, r.text);
    const c = forwarded().order.customer;
    assert.equal(c.id, "C20077");
    assert.equal(c.email, "bound@example.test");
    assert.equal(c.phone, "13900000077");
    assert.equal(c.account_created_at, "2026-11-29T00:00:00Z");
  });

  test("forged, expired, alg-none and foreign-issuer sessions → 401 invalid_session, never a guest", T, async () => {
    const before = origin.length;
    const tokens = {
      forged: hs256(session({ sub: "C10002" }), { secret: "guess" }),
      expired: hs256(session({ exp: now() - 3600 })),
      none: `${b64({ alg: "none", typ: "JWT" })}.${b64(session({ sub: "C10002" }))}.`,
      issuer: hs256(session({ iss: "https://evil.test" })),
      garbage: "not-a-jwt",
    };
    for (const [what, token] of Object.entries(tokens)) {
      for (const headers of [{ authorization: `Bearer ${token}` }, { cookie: `cg_session=${token}` }]) {
        const r = await post(mf, "/orders", readOrder("clean.json"), headers);
        assert.equal(r.status, 401, `${what}: ${r.text}`);
        assert.equal(r.json.error.code, "invalid_session", what);
        assert.match(r.headers.get("www-authenticate"), /^Bearer error="invalid_token"/, what);
      }
    }
    assert.equal(origin.length, before, "no order with an invalid session reaches the origin");
  });

  test("no session: a guest, judged by what the edge saw", T, async () => {
    const r = await post(mf, "/orders", readOrder("clean.json"), { "cf-connecting-ip": "192.0.2.44" });
    assert.equal(r.status, 201, r.text);
    assert.equal(forwarded().order.customer.id, "C10001", "a guest's claimed id is kept (and only claimed)");
    assert.equal(forwarded().order.customer.ip, "192.0.2.44");
  });

  test("a body claiming C10002 without a session gets no allowlist; the session of C10002 does", T, async () => {
    // C10002's address hopping is allowed only for the trusted customer, and trust needs
    // a bound customer id (the demo policy's trusted-customer reads customer.bound).
    const claimed = readOrder("trusted-many-addresses.json");
    const guest = await post(mf, "/orders", claimed);
    assert.equal(guest.status, 201, guest.text);
    const rules = forwarded().verdict.reasons.map((x) => x.rule);
    assert.equal(forwarded().verdict.decision, "review", rules.join(","));
    assert.ok(rules.includes("address-hopping") && !rules.includes("trusted-customer"), rules.join(","));

    const own = readOrder("trusted-many-addresses.json");
    own.items[0].quantity += 1; // another basket: not a duplicate of the guest's
    const r = await post(mf, "/orders", own, bearer(session({ sub: "C10002" })));
    assert.equal(r.status, 201, r.text);
    assert.equal(forwarded().verdict.decision, "allow");
    assert.ok(forwarded().verdict.reasons.some((x) => x.rule === "trusted-customer"));
  });

  test("a resubmission under the body's own order id is a duplicate; under a server-issued one it is a re-check", T, async () => {
    const order = (customer, orderId) => {
      const o = readOrder("clean.json");
      o.customer.id = customer;
      o.order_id = orderId;
      return o;
    };
    const unsigned = order("C20101", "DS-UNSIGNED-1");
    assert.equal((await post(mf, "/orders", unsigned)).status, 201);
    const again = await post(mf, "/orders", unsigned);
    assert.equal(again.status, 403, again.text);
    assert.equal(again.json.decision, "deny");

    // A mac for another id does not bind this one.
    const misMac = order("C20102", `DS-FORGED-1.${(await issueOrderId(ORDER_SECRET, "DS-OTHER")).split(".")[1]}`);
    assert.equal((await post(mf, "/orders", misMac)).status, 201);
    assert.equal((await post(mf, "/orders", misMac)).status, 403);

    const signed = order("C20103", await issueOrderId(ORDER_SECRET, "DS-SIGNED-1"));
    assert.equal((await post(mf, "/orders", signed)).status, 201);
    const recheck = await post(mf, "/orders", signed);
    assert.equal(recheck.status, 201, recheck.text);
    assert.equal(forwarded().order.order_id, signed.order_id);
  });

  test("the IP is the connecting address: CF-Connecting-IP on a step-up list challenges whatever the body claims", T, async () => {
    const listed = readOrder("clean.json");
    listed.customer.id = "C20090"; // a customer of its own: no duplicate of the orders above
    listed.customer.ip = "198.51.100.1"; // the body claims a clean address
    const r = await post(mf, "/orders", listed, { "cf-connecting-ip": "203.0.113.200" }); // BOT_CHECKOUT, step_up
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.decision, "step_up");

    const claimed = readOrder("clean.json");
    claimed.customer.id = "C20091";
    claimed.customer.ip = "203.0.113.200"; // the body names the listed address, the connection does not
    const ok = await post(mf, "/orders", claimed, { "cf-connecting-ip": "192.0.2.45" });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(forwarded().order.customer.ip, "192.0.2.45");
  });
});

describe("EdDSA sessions in workerd (SESSION_PUBLIC_KEY only)", () => {
  let bundle;
  let mf;
  const origin = [];
  before(async () => {
    bundle = await bundleWorker();
    mf = await startWorker(bundle, {
      bindings: { ORIGIN: "https://backend.example.test", SESSION_PUBLIC_KEY: ED_PUBLIC_HEX },
      outboundService: async (req) => {
        origin.push(JSON.parse(await req.text()));
        return new Response("{}", { status: 201 });
      },
    });
  });
  after(async () => {
    if (mf) await mf.dispose();
    if (bundle) bundle.cleanup();
  });

  test("an Ed25519-signed session binds its customer; an HS256 one signed with the public key is refused", T, async () => {
    const r = await post(mf, "/orders", readOrder("clean.json"), { authorization: `Bearer ${eddsa(session({ sub: "C20301" }))}` });
    assert.equal(r.status, 201, r.text);
    assert.equal(origin.at(-1).customer.id, "C20301");
    const confused = await post(mf, "/orders", readOrder("clean.json"), { authorization: `Bearer ${hs256(session(), { secret: ED_PUBLIC_HEX })}` });
    assert.equal(confused.status, 401, confused.text);
    assert.equal(confused.json.error.code, "invalid_session");
  });
});
