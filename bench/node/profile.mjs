// Where the time of a JS `engine.check(order)` goes: runs the demo snapshot's 3-line
// order (`demo-order.mjs`, as ab.mjs does; or the generated stream, `workload.mjs`) under
// V8's sampling profiler (node:inspector) and prints each stage's share of the samples inside `check`, and that share of the
// per-check time measured just before without the profiler.
//
//   CG_NO_WASM_OPT=1 CG_PKG_OUT=/tmp/pkg-names ./scripts/build-pkg.sh   # keeps function names
//   node bench/node/profile.mjs /tmp/pkg-names
//
// The shipped package's wasm has no function names (wasm-opt drops them), so the stages
// are found only in a build without wasm-opt: the same Rust code, a little slower. A
// stage is counted once however deeply it recurses; "other" is the glue between stages
// and the garbage collector. Figures: docs/BENCHMARKS.md, "Where a JS check's time goes".
import path from "node:path";
import { Session } from "node:inspector/promises";
import { workload } from "./workload.mjs";

const dir = path.resolve(process.argv[2] ?? "pkg");
const SECONDS = Number(process.env.SECONDS ?? 6);
const { Engine } = await import(path.join(dir, "node/index.js"));
const { engine, orders, label } = workload(Engine);
const options = { now: Date.parse("2026-11-25T10:00:00Z") };
let k = 0;
const check = () => engine.check(orders[k++ % orders.length], options);

// The stages, each a pattern of the function names that make it up (Rust paths in the
// wasm's name section, wasm-bindgen's glue in JS).
const STAGES = [
  ["JSON.stringify(order) in JS", /^__wbg_stringify_/],
  ["the order text into wasm memory (UTF-8)", /^passStringToWasm0$/],
  ["reading the order (JSON text → Order)", /Order::from_json/],
  ["reading the options", /wasm::check_options/],
  ["the engine: facts, rules, decision, memories", /engine::Engine::check_owned|engine::Engine::judge/],
  ["the verdict as a JS object", /VerdictWriter::write/],
  // A plain order comes in packed (docs/ARCHITECTURE.md, "The order's way in"); the
  // three JSON stages above are then 0 and these two replace them.
  ["writing the order packed (src/wasm/order.js, glue)", /encodeOrder/],
  ["reading the packed order (→ Order)", /Order::from_packed/],
];

function perCheckMicros() {
  for (let i = 0; i < 20_000; i++) check();
  const n = 50_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) check();
  return Number(process.hrtime.bigint() - start) / n / 1000;
}

const micros = perCheckMicros();
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 50 });
await session.post("Profiler.start");
const until = Date.now() + SECONDS * 1000;
let checks = 0;
while (Date.now() < until) {
  for (let i = 0; i < 1000; i++) check();
  checks += 1000;
}
const { profile } = await session.post("Profiler.stop");
session.disconnect();

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
// Samples inside `check` (the JS method and everything under it).
const inside = (node) => node.callFrame.functionName === "check" && node.callFrame.url.endsWith("checkout_guard.js");
const shares = new Map(STAGES.map(([name]) => [name, 0]));
let total = 0;
function walk(node, inCheck, stage) {
  const name = node.callFrame.functionName;
  const nowIn = inCheck || inside(node);
  const own = stage ?? STAGES.find(([, re]) => re.test(name))?.[0];
  const n = hits.get(node.id) ?? 0;
  if (nowIn) {
    total += n;
    if (own) shares.set(own, shares.get(own) + n);
  }
  for (const child of node.children ?? []) walk(byId.get(child), nowIn, own);
}
walk(profile.nodes[0], false, undefined);
if (total === 0) throw new Error("no samples inside engine.check: is this a package built by scripts/build-pkg.sh?");
const named = [...shares.values()].reduce((a, b) => a + b, 0);
if (shares.get(STAGES[4][0]) === 0) throw new Error(`no stage found by name in ${dir}: build it with CG_NO_WASM_OPT=1 (see the top of this file)`);

console.log(`${dir}, ${label}: ${checks.toLocaleString("en-US")} checks profiled; ${micros.toFixed(2)} µs a check unprofiled`);
for (const [name, n] of [...shares, ["other (glue between stages, garbage collection)", total - named]]) {
  const share = n / total;
  console.log(`  ${name.padEnd(50)} ${(100 * share).toFixed(1).padStart(5)} %   ≈ ${(share * micros).toFixed(2).padStart(5)} µs`);
}
