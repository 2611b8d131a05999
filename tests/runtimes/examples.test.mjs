// The minimal example per runtime (examples/deno, examples/bun, examples/vercel-edge), each
// run in its real runtime (tests/runtimes/package.json) on the packed package: a deny, a
// step_up and an allow sample order POSTed to it must answer 403, 401 and the origin's
// answer, the origin (a loopback server here) must receive the allowed order and only it,
// and each decision must be the CLI's on the same snapshot (the edge worker's, which all
// examples ship). They share examples/edge-worker/src/precheck.js with the Workers example
// (tests/edge/ runs that one in workerd).
//
//   scripts/tests/50-runtimes.sh   (or: build pkg/ and the CLI, then node --test tests/runtimes/)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { installPackedPackage, pkgDir, root } from "../node/support/package.mjs";
import { bundleEdge, edgeSandbox } from "./edge-vm.mjs";
import { runtimeBin } from "./runtimes.mjs";

const cli = process.env.CHECKOUT_GUARD_BIN || path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "debug/checkout-guard");
const SNAPSHOT = path.join(root, "examples/edge-worker/src/store.snapshot");
const DEMO_KEY_FILE = path.join(root, "examples/demo-store/demo.key");
// One order per answer the examples give (the CLI's decision on each is checked first).
const ORDERS = { deny: "blacklisted-limited.json", step_up: "step-up-level.json", allow: "clean.json" };

let scratch;
let origin; // { url, requests: [{ method, path, headers, body }] }

before(async () => {
  assert.ok(existsSync(path.join(pkgDir, "package.json")), `no package at ${pkgDir}: run scripts/build-pkg.sh`);
  assert.ok(existsSync(cli), `no CLI at ${cli}: cargo build --bin checkout-guard (or set CHECKOUT_GUARD_BIN)`);
  scratch = installPackedPackage("checkout-guard-examples-");
  // The examples as a merchant's project holds them, beside the package they import.
  for (const dir of ["edge-worker/src", "deno", "bun", "vercel-edge"]) {
    mkdirSync(path.join(scratch, "examples", dir), { recursive: true });
    cpSync(path.join(root, "examples", dir), path.join(scratch, "examples", dir), {
      recursive: true,
      filter: (f) => !/node_modules|snapshot\.js$/.test(f),
    });
  }
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(201, { "content-type": "application/json" }).end('{"origin":"accepted"}');
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = { server, url: `http://127.0.0.1:${server.address().port}`, requests };
});

after(() => {
  origin?.server.close();
  if (scratch && !process.env.KEEP_SCRATCH) rmSync(scratch, { recursive: true, force: true });
});

/** The CLI's decision on sample order `name` with the examples' snapshot. */
function cliDecision(name) {
  const out = spawnSync(cli, ["check", "--snapshot", SNAPSHOT, "--key", DEMO_KEY_FILE, path.join(root, "examples/orders", name)], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout).decision;
}

// A client-set address header the examples must not believe outside Cloudflare.
const SPOOFED = { "cf-connecting-ip": "203.0.113.9" };

/**
 * POSTs the three orders through `post(body) → {status, headers, body}` (which adds
 * SPOOFED) and checks each answer against the CLI's decision, and that the origin
 * received the allowed order at `ordersPath`, and nothing else, its `customer.ip` the
 * connecting address as the runtime knows it (`address`: a pattern).
 */
async function assertPrecheck(post, ordersPath, address) {
  origin.requests.length = 0;
  for (const [want, name] of Object.entries(ORDERS)) {
    assert.equal(cliDecision(name), want, `the CLI's decision on ${name}`);
    const body = readFileSync(path.join(root, "examples/orders", name), "utf8");
    const r = await post(body);
    const answer = () => `${name}: ${r.status} ${r.body}`;
    if (want === "deny") {
      assert.equal(r.status, 403, answer());
      assert.equal(JSON.parse(r.body).decision, "deny", answer());
    } else if (want === "step_up") {
      assert.equal(r.status, 401, answer());
      assert.equal(JSON.parse(r.body).decision, "step_up", answer());
      assert.match(r.headers["www-authenticate"], /^Step-Up methods="/);
    } else {
      assert.equal(r.status, 201, answer());
      assert.deepStrictEqual(JSON.parse(r.body), { origin: "accepted" });
    }
  }
  assert.equal(origin.requests.length, 1, "only the allowed order reaches the origin");
  const [got] = origin.requests;
  assert.equal(got.method, "POST");
  assert.equal(got.path, ordersPath);
  assert.match(got.headers["x-checkout-guard"], /^allow; snapshot=/);
  const sent = JSON.parse(readFileSync(path.join(root, "examples/orders", ORDERS.allow), "utf8"));
  const forwarded = JSON.parse(got.body);
  assert.deepStrictEqual(forwarded.items, sent.items, "the origin received the allowed order");
  assert.match(forwarded.customer.ip, address, "the bound address is the runtime's, not a client's header");
}

/** Starts `argv` (a server example) and resolves with its URL once it says it listens. */
function serve(argv) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: scratch,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", ORIGIN: origin.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = new Promise((resolve, reject) => {
    const seen = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+?)\/?\s/.exec(output);
      if (m) resolve(m[1]);
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("exit", (code) => reject(new Error(`${argv[0]} exited (${code}) before listening: ${output}`)));
  });
  return { child, url };
}

async function postHttp(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...SPOOFED }, body });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

for (const [name, argv] of [
  ["Deno (Deno.serve)", () => [runtimeBin("deno"), "run", "--quiet", "--no-prompt", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "examples/deno/main.js"]],
  ["Bun (Bun.serve)", () => [runtimeBin("bun"), "run", "examples/bun/server.js"]],
]) {
  test(`the ${name} example: 403 deny, 401 step_up, the allowed order forwarded, as the CLI decides`, async () => {
    const { child, url } = serve(argv());
    try {
      const base = await url;
      await assertPrecheck((body) => postHttp(`${base}/orders`, body), "/orders", /^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      child.kill();
    }
  });
}

test("the Vercel Edge example in Vercel's edge runtime: 403 deny, 401 step_up, the allowed order forwarded, as the CLI decides", async () => {
  const example = path.join(scratch, "examples/vercel-edge");
  execFileSync(process.execPath, [path.join(example, "build-snapshot.mjs")], { stdio: "pipe" });
  const { code, bindings, inputs } = await bundleEdge(path.join(example, "api/orders.js"), { globalName: "__cgExample" });
  assert.ok(inputs.some((f) => f.endsWith("node_modules/checkout-guard/edge/index.js")), "bundled with the edge-light entry");
  assert.ok(inputs.some((f) => f.endsWith("examples/edge-worker/src/precheck.js")), "the shared pre-check, not a copy");
  const vm = edgeSandbox(bindings);
  vm.context.process = { env: { ORIGIN: origin.url } }; // what Vercel gives the function
  vm.evaluate(code);
  assert.deepStrictEqual(JSON.parse(vm.evaluate("JSON.stringify(__cgExample.config)")), { runtime: "edge" });
  const post = async (body) => {
    vm.context.__cgBody = body;
    return JSON.parse(
      await vm.evaluate(
        `__cgExample.default(new Request("https://shop.example/api/orders", { method: "POST", headers: { "content-type": "application/json", "x-real-ip": "192.0.2.7", ...${JSON.stringify(SPOOFED)} }, body: __cgBody }), { waitUntil() {} })` +
          `.then(async (r) => JSON.stringify({ status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() }))`,
      ),
    );
  };
  await assertPrecheck(post, "/api/orders", /^192\.0\.2\.7$/);
});
