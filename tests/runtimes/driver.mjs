// The command Deno and Bun run (runtimes.test.mjs, bench/runtimes.mjs):
//
//   driver.mjs SCRATCH/api.mjs INPUT.json [bench]
//
// api.mjs, in the scratch project the packed package is installed in, re-exports
// `checkout-guard` and the URL that specifier resolved to there (which export condition
// won). Prints one JSON object: that URL, and probe()'s verdicts or bench()'s timings.
import { readFileSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { bench, probe } from "./probe.mjs";

const [apiPath, inputPath, mode] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, "utf8"));
const importApi = () => import(pathToFileURL(apiPath).href);
const result = mode === "bench" ? await bench(importApi, input) : probe(await importApi(), input);
const { entry } = await importApi();
process.stdout.write(JSON.stringify({ entry, ...result }) + "\n");
