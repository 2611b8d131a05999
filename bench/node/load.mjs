// `Engine.fromBytes` of one snapshot, N times in one process: the first load (V8 runs
// the module's functions in its baseline tier until they are hot) and the median and
// minimum of all N. Figures: docs/BENCHMARKS.md "Snapshot load in JavaScript".
//
//   CG_WRITE_SNAPSHOT=/tmp/big.snapshot node bench/node/check.mjs --quick   # the 100k store
//   node bench/node/load.mjs /tmp/big.snapshot [PKG_DIR]                    # N=300 by default
//   N=60 node bench/node/load.mjs /tmp/big.snapshot /tmp/pkg-before
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [file, pkgArg] = process.argv.slice(2);
if (!file) throw new Error("usage: node bench/node/load.mjs SNAPSHOT [PKG_DIR]");
const pkg = path.resolve(pkgArg ?? path.join(here, "../../pkg"));
const { Engine } = await import(path.join(pkg, "node/index.js"));
const bytes = readFileSync(file);
const N = Number(process.env.N ?? 300);
const times = [];
for (let i = 0; i < N; i++) {
  const start = performance.now();
  Engine.fromBytes(bytes).free();
  times.push(performance.now() - start);
}
const first = times[0];
times.sort((a, b) => a - b);
const ms = (t) => `${t.toFixed(2)} ms`;
console.log(`${pkg}: ${bytes.length} B, ${N} loads: first ${ms(first)}, median ${ms(times[N >> 1])}, min ${ms(times[0])}`);
