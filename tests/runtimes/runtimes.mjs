// The runtimes installed in tests/runtimes/node_modules (pinned in ./package.json, by
// scripts/setup.sh runtimes) and how the suite and bench/runtimes.mjs start them.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), "node_modules/.bin");

/** The command (argv) that runs an ES module file in `name` ("deno" or "bun"). */
export function runtimeCommand(name) {
  switch (name) {
    // Reads only: the input file. The package's files are module loads, not reads.
    case "deno":
      return [path.join(bin, "deno"), "run", "--quiet", "--no-prompt", "--allow-read"];
    case "bun":
      return [path.join(bin, "bun"), "run", "--silent"];
    default:
      throw new Error(`unknown runtime ${name}`);
  }
}

/** The runtime's executable (for `--version`). */
export const runtimeBin = (name) => path.join(bin, name);

/**
 * Writes `api.mjs` and `compiler.mjs` into the scratch project: `checkout-guard` and
 * `checkout-guard/compiler` as that project resolves them, each with the URL it resolved
 * to (so a test can tell which export condition won).
 */
export function writeApiModule(scratch) {
  for (const [file, specifier] of [
    ["api.mjs", "checkout-guard"],
    ["compiler.mjs", "checkout-guard/compiler"],
  ]) {
    writeFileSync(path.join(scratch, file), `export * from "${specifier}";\nexport const entry = import.meta.resolve("${specifier}");\n`);
  }
}
