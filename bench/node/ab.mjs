// A/B of `engine.check` across package builds, in one process, interleaved: each round
// times every build in turn, so machine load (this box is shared) hits all of them alike.
//
//   node bench/node/ab.mjs /tmp/pkg-before "$PWD/pkg"        (2+ package directories)
//   ROUNDS=9 N=20000 node bench/node/ab.mjs …
//
// Prints, per build, the median over rounds of each round's p50 and p99 for the demo
// snapshot's 3-line order, `check(order)` and `checkJson(text)`. Figures: docs/BENCHMARKS.md.
import path from "node:path";
import os from "node:os";
import { demoOrder } from "./demo-order.mjs";

const dirs = process.argv.slice(2).map((d) => path.resolve(d));
if (dirs.length < 2) throw new Error("usage: node bench/node/ab.mjs PKG_A PKG_B [PKG_C …]");
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const N = Number(process.env.N ?? 20_000);

const order = demoOrder;
const text = JSON.stringify(order);
const options = { now: Date.parse("2026-11-25T10:00:00Z") };

function percentiles(fn) {
  const t = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const s = process.hrtime.bigint();
    fn();
    t[i] = Number(process.hrtime.bigint() - s);
  }
  t.sort();
  return [t[Math.floor(N / 2)] / 1000, t[Math.floor(N * 0.99)] / 1000];
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const builds = [];
for (const dir of dirs) {
  const { Engine } = await import(path.join(dir, "node/index.js"));
  const engine = new Engine();
  const cases = {
    "check(order)": () => engine.check(order, options),
    "checkJson(text)": () => engine.checkJson(text, options),
  };
  for (const fn of Object.values(cases)) for (let i = 0; i < 20_000; i++) fn(); // warm up
  builds.push({ dir, cases, runs: Object.fromEntries(Object.keys(cases).map((k) => [k, []])) });
}
// Same decision everywhere before any timing.
const decisions = builds.map((b) => JSON.stringify(b.cases["check(order)"]()));
if (new Set(decisions).size !== 1) throw new Error("the builds disagree on the verdict");

console.log(`${ROUNDS} rounds × ${N} calls, load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (let r = 0; r < ROUNDS; r++) {
  for (const b of builds) for (const [k, fn] of Object.entries(b.cases)) b.runs[k].push(percentiles(fn));
}
for (const b of builds) {
  console.log(b.dir);
  for (const [k, runs] of Object.entries(b.runs)) {
    const p50 = median(runs.map((x) => x[0]));
    const p99 = median(runs.map((x) => x[1]));
    console.log(`  ${k.padEnd(16)} p50 ${p50.toFixed(2).padStart(6)} µs   p99 ${p99.toFixed(2).padStart(7)} µs`);
  }
}
console.log(`load average after ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
