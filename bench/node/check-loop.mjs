// `engine.check(order)` N times on the demo snapshot's 3-line order (or the generated
// store's stream: `workload.mjs`), untimed: for counting
// a JS check's instructions under valgrind, which unlike a timing is the same from run to
// run on this shared machine. V8 must compile everything up front on one thread, or its
// tiering makes each count different:
//
//   for n in 10000 30000; do
//     valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --cachegrind-out-file=/dev/null \
//       node --single-threaded --no-liftoff --no-wasm-lazy-compilation bench/node/check-loop.mjs PKG $n
//   done    # (second "I refs" − first) / 20,000 = instructions per check
//
// TurboFan-only code under valgrind is not what runs in production: compare builds with
// it, never against native counts. Figures: docs/BENCHMARKS.md, "Where a JS check's time goes".
import path from "node:path";
import { workload } from "./workload.mjs";
const { Engine } = await import(path.join(path.resolve(process.argv[2] ?? "pkg"), "node/index.js"));
const { engine, orders } = workload(Engine);
const options = { now: Date.parse("2026-11-25T10:00:00Z") };
const n = Number(process.argv[3] ?? 10_000);
for (let i = 0; i < n; i++) engine.check(orders[i % orders.length], options);
