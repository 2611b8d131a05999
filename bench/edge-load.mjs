// Bounded loopback load test of the edge worker example (issue 9 item 7): the worker is
// bundled exactly as the edge tests bundle it (tests/edge/support/worker.mjs: esbuild with
// the workerd conditions), started in workerd through Miniflare with an origin worker
// behind a service binding, and driven over HTTP/1.1 keep-alive on loopback, straight to
// workerd's own socket, at each concurrency level for a bounded time. The orders mix every
// answer kind (allow, review, step_up, deny, an oversize body → 413, an ambiguous order
// path → 400) and every response is checked against the kind's expected verdict; a few
// snapshot swaps (and one damaged snapshot, which must be refused) go through the admin
// reload route while the load runs; workerd's RSS is sampled every second.
//
// A benchmark, not a test: scripts/test.sh does not run it. From a clean checkout (Rust
// and Node ≥ 20, as the README's Quickstart says):
//
//   bash scripts/setup.sh wasm node pkg           # wasm target, wasm-bindgen, npm ci, pkg/
//   node bench/edge-load.mjs                      # concurrency 1, 8, 64 for 20 s each
//   node bench/edge-load.mjs --seconds 120        # two minutes per level
//   node bench/edge-load.mjs --levels 1,8,64,128 --swaps 4 --json out.json
//
// Figures and how to read them: docs/BENCHMARKS.md, "Edge under load".
import { execFileSync } from "node:child_process";
import http from "node:http";
import os from "node:os";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, pkgDir, readOrder } from "../tests/edge/support/common.mjs";
import { bundleWorker, startWorker } from "../tests/edge/support/worker.mjs";

const USAGE = `usage: node bench/edge-load.mjs [--seconds N] [--levels 1,8,64] [--swaps N] [--json FILE]
  --seconds N   how long each concurrency level runs (default 20; 120 = two minutes)
  --levels L    comma-separated concurrency levels (default 1,8,64)
  --swaps N     valid snapshot swaps per level through /__checkout-guard/reload (default 2),
                plus one damaged snapshot per level, which must be refused
  --kinds K     only these kinds of request (comma-separated; default all):
                allow, review, step_up, deny, oversize_413, bad_path_400
  --json FILE   also write the results as JSON`;

function parseArgs(argv) {
  const opts = { seconds: 20, levels: [1, 8, 64], swaps: 2, json: null, kinds: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--seconds") opts.seconds = Number(value());
    else if (a === "--levels") opts.levels = value().split(",").map(Number);
    else if (a === "--swaps") opts.swaps = Number(value());
    else if (a === "--json") opts.json = value();
    else if (a === "--kinds") opts.kinds = value().split(",");
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  const bad = (n) => !Number.isFinite(n) || n <= 0;
  if (bad(opts.seconds) || opts.levels.some((n) => bad(n) || !Number.isInteger(n)) || !Number.isInteger(opts.swaps) || opts.swaps < 0) {
    throw new Error(`bad arguments\n${USAGE}`);
  }
  return opts;
}

const ADMIN = "bench-admin-token";
const MERCHANT = "edge-demo-store";

// ---------------------------------------------------------------------------------
// The order mix. Each kind has a weight, a request maker and the answer it must get.
// Orders carry a fresh customer id (or basket) each time: the demo policy denies a
// resubmitted basket of the same customer within 10 minutes (duplicate-submission), so a
// repeated order would change its verdict. That also makes every order a new duplicate
// key, the worst case for the engine's duplicate memory.

const clean = readOrder("clean.json"); // allow: a small basket, no listed identifier
const stepUp = readOrder("step-up-level.json");
stepUp.customer.ip = "203.0.113.200"; // step_up level, no expiry → sms_otp
const deny = readOrder("blacklisted-limited.json");
deny.customer.payment_fingerprint = "pf_9c1e77d0a4"; // block, no expiry; COL-001 is restricted → deny
const review = readOrder("refund-abuser.json"); // C10003: orders_90d 8, refund rate ≥ 0.5 → review

/** `order` as JSON text with `"@ID@"` in place of the customer id, to fill in cheaply. */
function template(order) {
  return JSON.stringify({ ...order, customer: { ...order.customer, id: "@ID@" } });
}
const T_ALLOW = template(clean);
const T_STEP_UP = template(stepUp);
const T_DENY = template(deny);
// review: the known customer C10003 (its statistics give the verdict; it is also on the
// watch list, so its baskets stay under the 2000 high-value threshold — at most 1990, so
// no float sum lands just under it while the engine's exact total reaches it), with baskets of
// four plain SKUs in every combination of quantities under that total (about 250,000,
// shuffled), so no basket repeats within the duplicate window at these rates.
const REVIEW_SKUS = [
  ["TEA-011", 19.9],
  ["TEA-012", 29.9],
  ["WARE-005", 45.0],
  ["TEA-006", 88.0],
];
const REVIEW_BASKETS = [];
(function baskets(prefix, total) {
  if (prefix.length === REVIEW_SKUS.length) {
    if (prefix[0] > 0) REVIEW_BASKETS.push(prefix);
    return;
  }
  const price = REVIEW_SKUS[prefix.length][1];
  for (let q = 0; total + q * price <= 1990; q++) baskets([...prefix, q], total + q * price);
})([], 0);
for (let i = REVIEW_BASKETS.length - 1; i > 0; i--) {
  const j = (i * 104729 + 7) % (i + 1); // a fixed shuffle, so every run sends the same sequence
  [REVIEW_BASKETS[i], REVIEW_BASKETS[j]] = [REVIEW_BASKETS[j], REVIEW_BASKETS[i]];
}
function reviewBody(n) {
  const q = REVIEW_BASKETS[n % REVIEW_BASKETS.length];
  const items = REVIEW_SKUS.flatMap(([sku, unit_price], i) => (q[i] ? [{ sku, quantity: q[i], unit_price }] : []));
  return JSON.stringify({ ...review, order_id: `LOAD-R-${n}`, items });
}
const OVERSIZE = JSON.stringify({ ...clean, pad: "x".repeat(100 * 1024) }); // > MAX_BODY_BYTES (64 KiB)
const BAD_PATH_BODY = JSON.stringify(clean);

const KINDS = [
  { name: "allow", weight: 40, path: "/orders", body: (n) => T_ALLOW.replace("@ID@", `LOAD-A-${n}`), expect: forwarded("allow") },
  { name: "review", weight: 15, path: "/orders", body: reviewBody, expect: forwarded("review") },
  { name: "step_up", weight: 15, path: "/orders", body: (n) => T_STEP_UP.replace("@ID@", `LOAD-S-${n}`), expect: refused(401, "step_up") },
  { name: "deny", weight: 15, path: "/orders", body: (n) => T_DENY.replace("@ID@", `LOAD-D-${n}`), expect: refused(403, "deny") },
  { name: "oversize_413", weight: 8, path: "/orders", body: () => OVERSIZE, expect: errorBody(413) },
  { name: "bad_path_400", weight: 7, path: "/orders;x=1", body: () => BAD_PATH_BODY, expect: errorBody(400) },
];
let SCHEDULE = KINDS.flatMap((k) => Array(k.weight).fill(k)); // 100 slots, interleaved below
for (let i = SCHEDULE.length - 1; i > 0; i--) {
  // a fixed shuffle (LCG), so every run sends the same sequence
  const j = (i * 7919 + 13) % (i + 1);
  [SCHEDULE[i], SCHEDULE[j]] = [SCHEDULE[j], SCHEDULE[i]];
}

// Expected answers: null if right, else what was wrong.
function forwarded(decision) {
  return (status, text) => {
    if (status !== 200) return `status ${status}, expected 200 (forwarded)`;
    const guard = JSON.parse(text).guard || "";
    return guard.startsWith(`${decision};`) ? null : `origin saw "${guard}", expected ${decision}`;
  };
}
function refused(code, decision) {
  return (status, text) => {
    if (status !== code) return `status ${status}, expected ${code}`;
    const body = JSON.parse(text);
    if (body.decision !== decision) return `decision ${body.decision}, expected ${decision}`;
    return "codes" in body || "reasons" in body ? "client body carries reason codes" : null;
  };
}
function errorBody(code) {
  return (status, text) => {
    if (status !== code) return `status ${status}, expected ${code}`;
    return typeof JSON.parse(text)?.error?.message === "string" ? null : "no {error: {message}} body";
  };
}

// The origin: another worker behind the ORIGIN service binding, answering what it saw.
const ORIGIN_WORKER = {
  name: "origin",
  modules: true,
  compatibilityDate: "2025-01-01",
  script: `export default { async fetch(req) {
    await req.arrayBuffer();
    return Response.json({ guard: req.headers.get("x-checkout-guard") });
  } }`,
};

// workerd's output: the worker logs one line per refused order (`checkout-guard:
// ref=… deny; …`, what support looks up); counted, not printed. Anything else is shown.
const log = { refusals: 0, other: 0 };
function drainLog(stream) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop();
    for (const line of lines) {
      if (line.startsWith("checkout-guard: ref=")) log.refusals++;
      else if (line.trim()) {
        log.other++;
        if (log.other <= 20) console.error(`workerd: ${line}`);
      }
    }
  });
}

// ---------------------------------------------------------------------------------
// HTTP over one keep-alive agent (a socket per concurrent client).

function request(agent, base, method, path, body, headers = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request(new URL(path, base), { method, agent, headers: { "content-type": "application/json", ...headers }, timeout: 15_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8"), ms: Number(process.hrtime.bigint() - started) / 1e6, reused: req.reusedSocket }),
      );
      res.on("error", (e) => resolve({ error: e, ms: 0, reused: req.reusedSocket }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ error: e, ms: 0, reused: req.reusedSocket }));
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------
// workerd's memory: the workerd processes Miniflare started (descendants of this one).

function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {} // exited meanwhile
  }
  const out = [];
  const stack = [pid];
  while (stack.length) for (const c of children.get(stack.pop()) || []) (out.push(c), stack.push(c));
  return out;
}
function workerdPids() {
  return descendants(process.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd";
    } catch {
      return false;
    }
  });
}
function rssBytes(pids) {
  let total = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch {}
  }
  return total;
}

// ---------------------------------------------------------------------------------
// Snapshots to swap in: the demo store under the edge merchant, compiled by the
// package's compiler at later and later creation times (a reload never goes back).

async function snapshotMaker() {
  const compiler = await import(join(pkgDir(), "node", "compiler.js"));
  const dir = join(ROOT, "examples", "demo-store");
  const files = Object.fromEntries(readdirSync(dir).filter((f) => /\.(toml|csv)$/.test(f)).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
  files["policy.toml"] = files["policy.toml"].replace(/^merchant(\s*)=.*$/m, `merchant$1= "${MERCHANT}"`);
  const key = readFileSync(join(dir, "demo.key"), "utf8");
  let day = 0;
  return () => {
    day += 1;
    const createdAt = new Date(Date.parse("2026-11-26T00:00:00Z") + day * 3600_000).toISOString();
    return { createdAt, bytes: compiler.compilePolicy(files, { createdAt, key }).bytes };
  };
}

// ---------------------------------------------------------------------------------
// The engine's own memory, apart from workerd's: the same wasm (pkg/web, what the worker
// bundles) instantiated here, the same snapshot, and the load test's checked orders
// (allow, review, step_up, deny; every one a new duplicate key) — the size of its linear
// memory after N checks. workerd's RSS above mixes this with V8's heap and the runtime.

async function engineMemory(checkpoints) {
  const web = await import(join(pkgDir(), "web", "checkout_guard.js"));
  const wasm = web.initSync({ module: readFileSync(join(pkgDir(), "web", "checkout_guard_bg.wasm")) });
  const engine = web.Engine.fromBytes(new Uint8Array(readFileSync(join(ROOT, "examples", "edge-worker", "src", "store.snapshot"))));
  const checked = KINDS.filter((k) => k.path === "/orders" && k.name !== "oversize_413");
  const out = [{ checks: 0, wasm_memory_bytes: wasm.memory.buffer.byteLength, duplicate_memory: engine.stats().duplicate_memory }];
  let n = 0;
  for (const target of checkpoints) {
    for (; n < target; n++) engine.checkJson(checked[n % checked.length].body(10_000_000 + n));
    out.push({ checks: n, wasm_memory_bytes: wasm.memory.buffer.byteLength, duplicate_memory: engine.stats().duplicate_memory });
  }
  engine.free();
  return out;
}

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const mb = (b) => (b / 1024 / 1024).toFixed(1);

async function runLevel({ base, concurrency, seconds, swaps, nextSnapshot, seq, sampleRss }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const adminAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  const perKind = Object.fromEntries(KINDS.map((k) => [k.name, 0]));
  const errors = { resets: 0, other_transport: 0, status_5xx: 0, wrong_verdict: 0 };
  const sockets = { reused: 0, new: 0, after_413_reused: 0 }; // keep-alive really kept?
  const samples = [];
  let firstWrong = null;
  const deadline = Date.now() + seconds * 1000;

  async function client(id) {
    let slot = id * 17;
    let after413 = false;
    while (Date.now() < deadline) {
      const kind = SCHEDULE[slot++ % SCHEDULE.length];
      const n = seq.next++;
      const r = await request(agent, base, "POST", kind.path, kind.body(n));
      if (r.error) {
        const code = r.error.code || r.error.message;
        if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up/.test(r.error.message)) errors.resets++;
        else errors.other_transport++;
        continue;
      }
      latencies.push(r.ms);
      perKind[kind.name]++;
      if (r.reused) sockets.reused++;
      else sockets.new++;
      // the agent hands a socket back to whichever client asks next; with one socket per
      // client (maxSockets = concurrency) a reused socket after a 413 is that connection
      if (after413 && r.reused) sockets.after_413_reused++;
      after413 = r.status === 413;
      if (r.status >= 500) errors.status_5xx++;
      let wrong;
      try {
        wrong = kind.expect(r.status, r.text);
      } catch (e) {
        wrong = `unreadable body (${e.message}): ${r.text.slice(0, 120)}`;
      }
      if (wrong) {
        errors.wrong_verdict++;
        firstWrong ??= `${kind.name}: ${wrong}`;
      }
    }
  }

  // Swaps spread over the level: `swaps` newer snapshots (must load), one damaged (must not).
  const swapLog = { loaded: 0, damaged_refused: 0, unexpected: [] };
  async function swapper() {
    const plan = [...Array(swaps).fill("good"), "damaged"];
    for (let i = 0; i < plan.length; i++) {
      const at = deadline - seconds * 1000 + ((i + 1) * seconds * 1000) / (plan.length + 1);
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      const snap = nextSnapshot();
      let bytes = snap.bytes;
      if (plan[i] === "damaged") {
        bytes = new Uint8Array(bytes);
        bytes[bytes.length - 40] ^= 0xff;
      }
      const r = await request(adminAgent, base, "POST", "/__checkout-guard/reload", bytes, {
        "content-type": "application/octet-stream",
        authorization: `Bearer ${ADMIN}`,
      });
      const ok = !r.error && r.status === 200 && Date.parse(JSON.parse(r.text).snapshot?.created_at) === Date.parse(snap.createdAt);
      const refusedOk = !r.error && r.status === 422;
      if (plan[i] === "good" && ok) swapLog.loaded++;
      else if (plan[i] === "damaged" && refusedOk) swapLog.damaged_refused++;
      else swapLog.unexpected.push(`${plan[i]}: ${r.error ? r.error.message : `${r.status} ${r.text.slice(0, 200)}`}`);
    }
  }

  const sampler = setInterval(() => samples.push(sampleRss()), 1000);
  const started = process.hrtime.bigint();
  await Promise.all([...Array(concurrency).keys()].map(client).concat(swapper()));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  samples.push(sampleRss());

  const status = await request(adminAgent, base, "GET", "/__checkout-guard/status", undefined, { authorization: `Bearer ${ADMIN}` });
  agent.destroy();
  adminAgent.destroy();
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return {
    concurrency,
    seconds: Number(elapsed.toFixed(1)),
    requests: done,
    requests_per_s: Math.round(done / elapsed),
    p50_ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99_ms: Number(percentile(latencies, 0.99).toFixed(2)),
    max_ms: Number(latencies[done - 1]?.toFixed(1)),
    per_kind: perKind,
    errors,
    sockets,
    first_wrong: firstWrong,
    swaps: swapLog,
    rss_peak_bytes: Math.max(...samples),
    rss_end_bytes: samples[samples.length - 1],
    worker_status: status.error ? null : JSON.parse(status.text),
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.kinds) {
    const unknown = opts.kinds.filter((k) => !KINDS.some((x) => x.name === k));
    if (unknown.length) throw new Error(`unknown kinds ${unknown.join(", ")}\n${USAGE}`);
    SCHEDULE = SCHEDULE.filter((k) => opts.kinds.includes(k.name));
  }
  const nextSnapshot = await snapshotMaker();
  const bundle = await bundleWorker();
  const mf = await startWorker(
    bundle,
    { serviceBindings: { ORIGIN: "origin" }, bindings: { ADMIN_TOKEN: ADMIN, MERCHANT, STEP_UP_SECRET: "bench-step-up-secret" } },
    [ORIGIN_WORKER],
    { handleRuntimeStdio: (stdout, stderr) => (drainLog(stdout), drainLog(stderr)) },
  );
  try {
    const base = await mf.ready; // workerd's own socket, not dispatchFetch
    const pids = workerdPids();
    if (!pids.length) throw new Error("no workerd process found among this process's descendants");
    const sampleRss = () => rssBytes(pids);
    const seq = { next: 0 };

    // Every kind once, before timing: a mix that does not get its expected answers is a
    // broken benchmark, not a figure.
    const probe = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const kind of KINDS) {
      const r = await request(probe, base, "POST", kind.path, kind.body(seq.next++));
      const wrong = r.error ? r.error.message : kind.expect(r.status, r.text);
      if (wrong) throw new Error(`probe ${kind.name}: ${wrong} — ${r.text?.slice(0, 300)}`);
    }
    probe.destroy();

    const rssStart = sampleRss();
    const machine = {
      date: new Date().toISOString(),
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}`,
      memory_gib: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      node: process.version,
      load_average_at_start: os.loadavg().map((x) => Number(x.toFixed(2))),
      commit: (() => {
        try {
          return execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
        } catch {
          return null;
        }
      })(),
      command: `node bench/edge-load.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    };
    console.log(`edge load test: levels ${opts.levels.join(", ")}, ${opts.seconds} s each; workerd pid ${pids.join(",")}, RSS ${mb(rssStart)} MiB at start`);
    console.log(`${machine.cpus}; ${machine.node}; load average ${machine.load_average_at_start.join(" ")}`);
    const levels = [];
    for (const concurrency of opts.levels) {
      const r = await runLevel({ base, concurrency, seconds: opts.seconds, swaps: opts.swaps, nextSnapshot, seq, sampleRss });
      levels.push(r);
      const e = r.errors;
      console.log(
        `c=${String(concurrency).padStart(3)}  ${String(r.requests).padStart(7)} req  ${String(r.requests_per_s).padStart(5)} req/s  ` +
          `p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  max ${r.max_ms} ms  resets ${e.resets}  other ${e.other_transport}  5xx ${e.status_5xx}  wrong ${e.wrong_verdict}  ` +
          `sockets ${r.sockets.new} new, ${r.sockets.reused} reused  ` +
          `swaps ${r.swaps.loaded} loaded, ${r.swaps.damaged_refused} damaged refused${r.swaps.unexpected.length ? `, UNEXPECTED ${r.swaps.unexpected.join("; ")}` : ""}  ` +
          `RSS peak ${mb(r.rss_peak_bytes)} MiB, end ${mb(r.rss_end_bytes)} MiB  duplicate_memory ${r.worker_status?.stats?.duplicate_memory}`,
      );
      if (r.first_wrong) console.log(`   first wrong answer: ${r.first_wrong}`);
    }
    const memory = await engineMemory([10_000, 65_536, 100_000, 200_000]);
    for (const m of memory) console.log(`engine alone (Node, same wasm): after ${String(m.checks).padStart(6)} checks wasm memory ${mb(m.wasm_memory_bytes)} MiB, duplicate_memory ${m.duplicate_memory}`);
    const total = levels.reduce((s, l) => s + l.requests, 0);
    const peak = Math.max(...levels.map((l) => l.rss_peak_bytes));
    const final = sampleRss();
    console.log(`total ${total} requests; workerd RSS start ${mb(rssStart)} MiB, peak ${mb(peak)} MiB, final ${mb(final)} MiB`);
    console.log(`workerd logged ${log.refusals} refusal lines and ${log.other} other lines`);
    const result = { machine, engine_memory: memory, workerd_log: log, options: opts, rss_start_bytes: rssStart, rss_peak_bytes: peak, rss_final_bytes: final, total_requests: total, levels };
    if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2) + "\n");
    const bad = levels.some((l) => l.errors.resets || l.errors.other_transport || l.errors.status_5xx || l.errors.wrong_verdict || l.swaps.unexpected.length);
    process.exitCode = bad ? 1 : 0;
  } finally {
    await mf.dispose();
    bundle.cleanup();
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
