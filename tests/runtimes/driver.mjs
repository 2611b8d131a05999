// The command Deno and Bun run (runtimes.test.mjs, bench/runtimes.mjs):
//
//   driver.mjs SCRATCH/api.mjs INPUT.json [bench]
//
// api.mjs (and compiler.mjs beside it), in the scratch project the packed package is
// installed in, re-export `checkout-guard` (`checkout-guard/compiler`) and the URL that
// specifier resolved to there (which export condition won). Prints one JSON object:
// those URLs, and probe()'s verdicts or bench()'s timings.
import { readFileSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { bench, probe } from "./probe.mjs";

const [apiPath, inputPath, mode] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, "utf8"));
const importApi = () => import(pathToFileURL(apiPath).href);
const importCompiler = () => import(pathToFileURL(apiPath.replace(/api\.mjs$/, "compiler.mjs")).href);
if (mode === "bench") {
  const result = await bench(importApi, input);
  process.stdout.write(JSON.stringify({ entry: (await importApi()).entry, ...result }) + "\n");
} else {
  const [api, compiler] = [await importApi(), await importCompiler()];
  process.stdout.write(JSON.stringify({ entry: api.entry, compilerEntry: compiler.entry, ...probe(api, input, compiler) }) + "\n");
}
