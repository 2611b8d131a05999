// Verdict tokens (API9 C; examples/edge-worker/src/verdict-token.js, README "Verdict
// tokens"): the signer and verifier in Node, then the edge worker in workerd with the
// example origin (examples/edge-worker/origin/origin.js) as its ORIGIN service.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, sign as edSign } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as esbuild from "esbuild";
import { Response } from "miniflare";
import { EXAMPLE, ROOT, readOrder, tempDir } from "./support/common.mjs";
import { bundleWorker, post, startWorker } from "./support/worker.mjs";
import {
  MAX_TTL_SECONDS,
  VerdictTokenError,
  importSigningKey,
  signVerdictToken,
  verifyVerdictToken,
} from "../../examples/edge-worker/src/verdict-token.js";

const T = { timeout: 30_000 };

/** A key pair as `keygen --signing` writes it: 128 hex (seed, public) and 64 hex. */
function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const hex = (s) => Buffer.from(s, "base64url").toString("hex");
  return { signing: hex(jwk.d) + hex(jwk.x), public: hex(jwk.x), privateKey, publicKey };
}
const KEY = keyPair();
const OTHER = keyPair();
const VERDICT = {
  decision: "review",
  reasons: [
    { code: "REFUND_ABUSE", rule: "refund-abuse" },
    { code: "REFUND_ABUSE", rule: "refund-abuse-2" },
    { code: "ADDRESS_HOPPING", rule: "refund-abuse" },
  ],
  snapshot: { version: "v-test", merchant: "edge-demo-store" },
};
const BODY = new TextEncoder().encode('{"order_id":"DS-1","items":[]}');
const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");
const sha = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** A token over any claims (for the refusals a signer never makes), signed by `key`. */
function forge(claims, key = KEY.privateKey) {
  const signed = `v1.${b64(claims)}`;
  return `${signed}.${edSign(null, Buffer.from(signed), key).toString("base64url")}`;
}
function claims(extra = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return { v: 1, decision: "allow", codes: [], rules: [], snapshot: "s", merchant: "m", body_sha256: sha(BODY), iat, exp: iat + 300, jti: "j1", ...extra };
}
async function refused(promise, kind) {
  await assert.rejects(promise, (e) => e instanceof VerdictTokenError && e.kind === kind, kind);
}

describe("signVerdictToken / verifyVerdictToken (Node)", () => {
  test("a signed token verifies and carries the documented claims", T, async () => {
    const now = Date.now();
    const token = await signVerdictToken(KEY.signing, VERDICT, BODY, { now, ttlSeconds: 120 });
    assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    const c = await verifyVerdictToken(token, BODY, KEY.public, { now });
    assert.deepEqual(Object.keys(c), ["v", "decision", "codes", "rules", "snapshot", "merchant", "body_sha256", "iat", "exp", "jti"]);
    assert.equal(c.decision, "review");
    assert.deepEqual(c.codes, ["REFUND_ABUSE", "ADDRESS_HOPPING"], "no repeats, in verdict order");
    assert.deepEqual(c.rules, ["refund-abuse", "refund-abuse-2"]);
    assert.equal(c.snapshot, "v-test");
    assert.equal(c.merchant, "edge-demo-store");
    assert.equal(c.body_sha256, sha(BODY));
    assert.equal(c.exp - c.iat, 120);
    assert.equal(c.iat, Math.floor(now / 1000));
    // The signature is plain Ed25519 over "v1.<payload>", checkable by any library.
    const [v, p, s] = token.split(".");
    const { verify } = await import("node:crypto");
    assert.ok(verify(null, Buffer.from(`${v}.${p}`), KEY.publicKey, Buffer.from(s, "base64url")));
    // A fresh jti each time.
    const again = await verifyVerdictToken(await signVerdictToken(KEY.signing, VERDICT, BODY, { now }), BODY, KEY.public, { now });
    assert.notEqual(again.jti, c.jti);
  });

  test("another body, another key, a changed payload: refused by kind", T, async () => {
    const token = await signVerdictToken(KEY.signing, VERDICT, BODY);
    await refused(verifyVerdictToken(token, new TextEncoder().encode('{"order_id":"DS-1","items":[1]}'), KEY.public), "body_mismatch");
    await refused(verifyVerdictToken(token, BODY, OTHER.public), "bad_signature");
    const [v, , s] = token.split(".");
    await refused(verifyVerdictToken(`${v}.${b64(claims({ decision: "allow" }))}.${s}`, BODY, KEY.public), "bad_signature");
  });

  test("expired, issued in the future, living too long, a deny decision: refused", T, async () => {
    const hourAgo = Date.now() - 3600_000;
    await refused(verifyVerdictToken(await signVerdictToken(KEY.signing, VERDICT, BODY, { now: hourAgo }), BODY, KEY.public), "expired");
    const t = Math.floor(Date.now() / 1000);
    await refused(verifyVerdictToken(forge(claims({ iat: t + 120, exp: t + 400 })), BODY, KEY.public), "not_yet_valid");
    await verifyVerdictToken(forge(claims({ iat: t + 30, exp: t + 400 })), BODY, KEY.public); // within the skew
    await refused(verifyVerdictToken(forge(claims({ iat: t, exp: t + MAX_TTL_SECONDS + 1 })), BODY, KEY.public), "malformed");
    await refused(verifyVerdictToken(forge(claims({ decision: "deny" })), BODY, KEY.public), "decision");
    await refused(verifyVerdictToken(forge(claims({ decision: "step_up" })), BODY, KEY.public), "decision");
    // A warned order is forwarded like an allowed one: its token verifies.
    assert.equal((await verifyVerdictToken(forge(claims({ decision: "warn" })), BODY, KEY.public)).decision, "warn");
  });

  test("malformed tokens: parts, version, base64url, size, JSON, fields", T, async () => {
    const good = forge(claims());
    const [, p, s] = good.split(".");
    const bad = [
      "v1.abc",
      `${good}.x`,
      `v2.${p}.${s}`,
      `v1.${p}=.${s}`,
      `v1.${p}.${s}+`,
      `v1.${b64("x".repeat(17 * 1024))}.${s}`,
      `v1.${b64("not json")}.${s}`,
      forge([1, 2]),
      forge(claims({ v: 2 })),
      forge(claims({ codes: "A" })),
      forge(claims({ rules: [1] })),
      forge(claims({ body_sha256: sha(BODY).toUpperCase() })),
      forge(claims({ iat: 1.5 })),
      forge(claims({ jti: undefined })),
      forge(claims({ jti: "" })),
      `v1.${p}.${s.slice(0, -1)}B`, // a bit set past the signature's last byte
      forge(claims({ merchant: null })),
    ];
    for (const token of bad) await refused(verifyVerdictToken(token, BODY, KEY.public), "malformed");
  });

  test("the signer refuses what no origin should accept", T, async () => {
    await assert.rejects(signVerdictToken(KEY.signing, { ...VERDICT, decision: "deny" }, BODY), TypeError);
    await assert.rejects(signVerdictToken(KEY.signing, VERDICT, BODY, { ttlSeconds: MAX_TTL_SECONDS + 1 }), TypeError);
    await assert.rejects(importSigningKey(KEY.public), TypeError, "a public key is not a signing key");
    await assert.rejects(importSigningKey(KEY.signing.slice(0, 64) + OTHER.public), /public half/);
  });
});

// The origin as a service: the test reaches it through the edge, and directly (as an
// attacker going around the edge would). A "tap" worker in between hands the test the
// token and body the edge forwarded, so they can be replayed and tampered with.
describe("the edge and the example origin (workerd)", () => {
  let bundle;
  let originDir;
  let mf;
  let mfNoKey;
  before(async () => {
    bundle = await bundleWorker();
    originDir = tempDir("origin");
    await esbuild.build({
      entryPoints: [join(EXAMPLE, "origin", "origin.js")],
      outfile: join(originDir.dir, "origin.js"),
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      logLevel: "silent",
    });
    const workers = [
      {
        name: "tap",
        modules: true,
        compatibilityDate: "2025-01-01",
        serviceBindings: { ORIGIN: "origin" },
        script: `export default { async fetch(req, env) {
          const body = new Uint8Array(await req.clone().arrayBuffer());
          const res = await env.ORIGIN.fetch(req);
          const out = new Response(res.body, res);
          out.headers.set("x-tap-token", req.headers.get("x-checkout-guard-token") || "");
          out.headers.set("x-tap-body", btoa(String.fromCharCode(...body)));
          out.headers.set("x-tap-verdict", req.headers.get("x-checkout-guard-verdict") || "");
          return out;
        } }`,
      },
      {
        name: "origin",
        modules: [{ type: "ESModule", path: join(originDir.dir, "origin.js") }],
        modulesRoot: originDir.dir,
        compatibilityDate: "2025-01-01",
        bindings: { VERDICT_PUBLIC_KEY: KEY.public },
      },
    ];
    mf = await startWorker(bundle, { serviceBindings: { ORIGIN: "tap" }, bindings: { VERDICT_SIGNING_KEY: KEY.signing, VERDICT_TOKEN_TTL_SECONDS: "120" } }, workers);
    mfNoKey = await startWorker(bundle, { serviceBindings: { ORIGIN: "tap" } }, workers);
  });
  after(async () => {
    if (mf) await mf.dispose();
    if (mfNoKey) await mfNoKey.dispose();
    if (bundle) bundle.cleanup();
    if (originDir) originDir.cleanup();
  });

  /** POST straight to the origin worker, around the edge. */
  async function direct(body, headers = {}) {
    const o = await mf.getWorker("origin");
    const res = await o.fetch("https://origin.example.test/orders", { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    return { status: res.status, json: await res.json() };
  }
  // Each order from its own customer: the same basket from one customer within the
  // duplicate window is a duplicate (only a server-issued order id exempts a re-check).
  let customers = 0;
  async function throughEdge(order, fresh = true) {
    if (fresh) order.customer.id = `C9${String(++customers).padStart(4, "0")}`;
    const r = await post(mf, "/orders", order, { "cf-connecting-ip": "192.0.2.60" });
    return { ...r, token: r.headers.get("x-tap-token"), body: Buffer.from(r.headers.get("x-tap-body") || "", "base64") };
  }

  test("a checked order (allow, review) is accepted by the origin, the token over the exact bytes forwarded", T, async () => {
    const r = await throughEdge(readOrder("clean.json"));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.accepted, true);
    assert.equal(r.json.decision, "allow");
    const c = await verifyVerdictToken(r.token, r.body, KEY.public);
    assert.equal(c.exp - c.iat, 120, "VERDICT_TOKEN_TTL_SECONDS");
    assert.equal(c.merchant, "edge-demo-store");
    assert.ok(r.token.length < 1024, `token ${r.token.length} bytes`);

    const review = await throughEdge(readOrder("refund-abuser.json"), false);
    assert.equal(review.status, 201, review.text);
    assert.equal(review.json.decision, "review");
    assert.ok(review.json.codes.length > 0);
  });

  test("an order sent around the edge, without a token, is refused", T, async () => {
    const r = await direct(JSON.stringify(readOrder("clean.json")));
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, "missing_token");
    const forged = await direct(JSON.stringify(readOrder("clean.json")), { "x-checkout-guard-token": "v1.e30.AAAA" });
    assert.equal(forged.status, 403);
    assert.equal(forged.json.error.code, "malformed");
  });

  test("a tampered body with the edge's token is refused", T, async () => {
    const r = await throughEdge(readOrder("clean.json"));
    assert.equal(r.status, 201, r.text);
    const order = JSON.parse(r.body.toString("utf8"));
    order.items[0].quantity = 99;
    const t = await direct(JSON.stringify(order), { "x-checkout-guard-token": r.token });
    assert.equal(t.status, 403);
    assert.equal(t.json.error.code, "body_mismatch");
    // Even whitespace: the token is over bytes, not over a parsed order.
    const spaced = await direct(r.body.toString("utf8") + " ", { "x-checkout-guard-token": r.token });
    assert.equal(spaced.json.error.code, "body_mismatch");
  });

  test("a replayed token is refused", T, async () => {
    const r = await throughEdge(readOrder("clean.json"));
    assert.equal(r.status, 201, r.text);
    const again = await direct(r.body, { "x-checkout-guard-token": r.token });
    assert.equal(again.status, 403);
    assert.equal(again.json.error.code, "replayed");
  });

  test("an expired token, and one signed by another key, are refused", T, async () => {
    const body = new TextEncoder().encode(JSON.stringify(readOrder("clean.json")));
    const old = await signVerdictToken(KEY.signing, VERDICT, body, { now: Date.now() - 600_000, ttlSeconds: 300 });
    const e = await direct(body, { "x-checkout-guard-token": old });
    assert.equal(e.status, 403);
    assert.equal(e.json.error.code, "expired");
    const foreign = await signVerdictToken(OTHER.signing, VERDICT, body);
    const f = await direct(body, { "x-checkout-guard-token": foreign });
    assert.equal(f.json.error.code, "bad_signature");
  });

  test("client-sent tokens are stripped; without VERDICT_SIGNING_KEY no token is attached and the origin refuses", T, async () => {
    const order = readOrder("clean.json");
    const token = await signVerdictToken(KEY.signing, VERDICT, new TextEncoder().encode(JSON.stringify(order)));
    const r = await post(mfNoKey, "/orders", order, { "x-checkout-guard-token": token });
    assert.equal(r.headers.get("x-tap-token"), "", "the client's token never reaches the origin");
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, "missing_token");
  });
});

// The Rust side (src/verdict_token.rs, CLI verify-token): the fixed vector both verifiers
// are tested against, and a token this worker made, checked by the native CLI.
describe("agreement with the Rust verifier", () => {
  const vector = JSON.parse(readFileSync(join(ROOT, "tests", "data", "verdict-token", "vector.json"), "utf8"));
  const bytes = (text) => new TextEncoder().encode(text);
  const bin = process.env.CHECKOUT_GUARD_BIN || join(ROOT, "target", "release", "checkout-guard");
  const skip = existsSync(bin) || process.env.CHECKOUT_GUARD_BIN ? false : `no native CLI at ${bin} (cargo build --release)`;
  let cliBundle;
  before(async () => {
    cliBundle = await bundleWorker();
  });
  after(() => {
    if (cliBundle) cliBundle.cleanup();
  });

  test("the JS verifier accepts the vector's token and refuses each rejection with its kind", T, async () => {
    const c = await verifyVerdictToken(vector.token, bytes(vector.body), vector.public, { now: vector.now * 1000 });
    assert.deepEqual(c, JSON.parse(vector.payload));
    assert.equal(sha(bytes(vector.body)), vector.body_sha256);
    for (const r of vector.rejections) {
      await assert.rejects(
        verifyVerdictToken(r.token, bytes(r.body), vector.public, { now: r.now * 1000 }),
        (e) => e instanceof VerdictTokenError && e.kind === r.kind,
        `${r.what}: ${r.kind}`,
      );
    }
  });

  test("the JS signer with the vector's key signs what the Rust verifier accepts (same payload → same signature)", T, async () => {
    // Ed25519 is deterministic: the vector's payload signed by our code is the vector's token.
    const { key } = await importSigningKey(vector.signing_key);
    const signed = `v1.${Buffer.from(vector.payload).toString("base64url")}`;
    const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, bytes(signed)));
    assert.equal(`${signed}.${Buffer.from(sig).toString("base64url")}`, vector.token);
  });

  test("the native CLI verify-token accepts a token the worker produced, and refuses it for another body", { ...T, skip }, async () => {
    const dir = tempDir("verify-token");
    try {
      const seen = [];
      const mfCli = await startWorker(cliBundle, {
        bindings: { ORIGIN: "https://backend.example.test", VERDICT_SIGNING_KEY: vector.signing_key },
        outboundService: async (req) => {
          seen.push({ token: req.headers.get("x-checkout-guard-token"), body: new Uint8Array(await req.arrayBuffer()) });
          return new Response("{}", { status: 201 });
        },
      });
      try {
        const r = await post(mfCli, "/orders", readOrder("refund-abuser.json"), { "cf-connecting-ip": "192.0.2.70" });
        assert.equal(r.status, 201, r.text);
      } finally {
        await mfCli.dispose();
      }
      const { token, body } = seen.at(-1);
      writeFileSync(join(dir.dir, "verdict.pub"), `${vector.public}\n`);
      writeFileSync(join(dir.dir, "body.json"), body);
      writeFileSync(join(dir.dir, "other.json"), Buffer.concat([Buffer.from(body), Buffer.from(" ")]));
      const run = (bodyFile) =>
        spawnSync(bin, ["verify-token", "--public-key", join(dir.dir, "verdict.pub"), "--body", join(dir.dir, bodyFile), token], { encoding: "utf8", timeout: 10_000 });
      const ok = run("body.json");
      assert.equal(ok.status, 0, ok.stderr);
      const claims = JSON.parse(ok.stdout);
      assert.equal(claims.decision, "review");
      assert.equal(claims.merchant, "edge-demo-store");
      assert.deepEqual(claims.body_sha256, sha(body));
      const bad = run("other.json");
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /body_mismatch/);
    } finally {
      dir.cleanup();
    }
  });
});
