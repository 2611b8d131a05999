// Start-up and `check` latency of the packed package in each runtime the runtimes suite
// runs it in (tests/runtimes/: Deno, Bun, Vercel's edge runtime; Node for reference),
// through the entry each resolves. A benchmark, not a test: scripts/test.sh does not run
// it. From a clean checkout:
//
//   bash scripts/setup.sh wasm node runtimes pkg   # wasm target, npm ci (root, tests/runtimes), pkg/
//   node bench/runtimes.mjs                        # 5 fresh processes (sandboxes) per runtime
//   node bench/runtimes.mjs --runs 9 --rounds 4000 --json out.json
//
// Start-up: from the start of `import("checkout-guard")` (in the edge sandbox: of the
// bundle's evaluation, the wasm already a compiled module as Vercel binds it) to the first
// `new Engine()` returning — what a cold isolate pays before its first check. check: each
// sample order of examples/orders/all.jsonl `rounds` times on one engine (demo snapshot,
// `duplicate: false`), p50 and p99 of every check. The median over the runs is printed.
// Figures and the machine they were taken on: docs/BENCHMARKS.md, "Edge runtimes".
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { installPackedPackage, read, root } from "../tests/node/support/package.mjs";
import { edgeFunction } from "../tests/runtimes/edge-vm.mjs";
import { runtimeBin, runtimeCommand, writeApiModule } from "../tests/runtimes/runtimes.mjs";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const runs = Number(flag("--runs", 5));
const rounds = Number(flag("--rounds", 2000));
const jsonOut = flag("--json", null);

const samples = read("examples/orders/all.jsonl").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const input = { samples, now: "2026-11-25T10:00:00Z", rounds };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const scratch = installPackedPackage("checkout-guard-bench-runtimes-");
writeApiModule(scratch);
const inputFile = path.join(scratch, "bench-input.json");
writeFileSync(inputFile, JSON.stringify(input));
const driver = path.join(root, "tests/runtimes/driver.mjs");

const version = (cmd) => spawnSync(cmd, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0].trim();
const runtimes = [
  { name: "Node", version: process.version, argv: [process.execPath] },
  { name: "Deno", version: version(runtimeBin("deno")), argv: runtimeCommand("deno") },
  { name: "Bun", version: `bun ${version(runtimeBin("bun"))}`, argv: runtimeCommand("bun") },
];

const results = [];
for (const rt of runtimes) {
  const all = [];
  for (let r = 0; r < runs; r++) {
    const [cmd, ...rest] = rt.argv;
    const out = spawnSync(cmd, [...rest, driver, path.join(scratch, "api.mjs"), inputFile, "bench"], { cwd: scratch, encoding: "utf8" });
    if (out.status !== 0) throw new Error(`${rt.name}: ${out.stderr}`);
    all.push(JSON.parse(out.stdout));
  }
  results.push({ runtime: rt.name, version: rt.version, entry: all[0].entry.replace(/^.*node_modules\/checkout-guard\//, ""), runs: all });
}

const fn = await edgeFunction(scratch);
const edgeRuns = [];
for (let r = 0; r < runs; r++) edgeRuns.push(await fn.run(input, "bench"));
const edgePkg = JSON.parse(readFileSync(path.join(root, "tests/runtimes/node_modules/@edge-runtime/vm/package.json"), "utf8"));
const wasmGzip = fn.wasm.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
results.push({
  runtime: "Vercel edge runtime (sandbox)",
  version: `@edge-runtime/vm ${edgePkg.version}`,
  entry: fn.entry.replace(/^.*node_modules\/checkout-guard\//, ""),
  bundle: { jsBytes: fn.bundleBytes, wasmGzipBytes: wasmGzip },
  runs: edgeRuns,
});

console.log(`${new Date().toISOString()}  ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`${runs} runs, ${rounds} rounds of ${samples.length} sample orders each; medians over the runs`);
console.log("| runtime | version | entry | start-up (ms) | check p50 (µs) | check p99 (µs) |");
console.log("|---|---|---|---|---|---|");
for (const r of results) {
  const m = (k) => median(r.runs.map((x) => x[k]));
  console.log(`| ${r.runtime} | ${r.version} | ${r.entry} | ${m("startupMs")} | ${m("p50Us")} | ${m("p99Us")} |`);
}
console.log(`edge function bundle: ${fn.bundleBytes} B of JS (bundled, unminified) + ${wasmGzip} B of wasm gzip -9`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), runs, rounds, results }, null, 2));
rmSync(scratch, { recursive: true, force: true });
