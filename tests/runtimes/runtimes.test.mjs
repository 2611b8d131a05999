// The packed package in every edge runtime a merchant deploys to, each the real runtime
// installed pinned in tests/runtimes/package.json (scripts/setup.sh runtimes): Deno, Bun
// and Vercel's edge runtime load the embedded demo snapshot and one the CLI compiled,
// check the conformance corpus and the sample orders, and every verdict must equal the
// CLI's; each must resolve `checkout-guard` and `checkout-guard/compiler` to the entries
// meant for it, and compilePolicy there must write the CLI's snapshot byte for byte. Fastly's
// JavaScript runtime has no WebAssembly: what is tested there is that, and that a
// Compute app importing the package fails to build with the reason (docs/RUNTIMES.md).
//
//   scripts/tests/50-runtimes.sh   (or: build pkg/ and the CLI, then node --test tests/runtimes/)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { corpusMismatches } from "../node/support/corpus.mjs";
import { installPackedPackage, loadCases, pkgDir, read, root } from "../node/support/package.mjs";
import { edgeFunction, edgeSandbox } from "./edge-vm.mjs";
import { runtimeCommand, writeApiModule } from "./runtimes.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.CHECKOUT_GUARD_BIN || path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "debug/checkout-guard");
const NOW = "2026-11-25T10:00:00Z";
const DEMO_KEY_FILE = path.join(root, "examples/demo-store/demo.key");
const COMPILED_AT = "2026-11-26T00:00:00Z";

const cases = loadCases();
const samplesFile = path.join(root, "examples/orders/all.jsonl");
const samples = read("examples/orders/all.jsonl").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

let scratch;
let work;
let compiledFile;
let input;
let inputFile;

before(() => {
  assert.ok(existsSync(path.join(pkgDir, "package.json")), `no package at ${pkgDir}: run scripts/build-pkg.sh`);
  assert.ok(existsSync(cli), `no CLI at ${cli}: cargo build --bin checkout-guard (or set CHECKOUT_GUARD_BIN)`);
  scratch = installPackedPackage("checkout-guard-runtimes-");
  writeApiModule(scratch);
  work = mkdtempSync(path.join(tmpdir(), "checkout-guard-runtimes-work-"));
  // A snapshot the CLI compiled, a day newer than the embedded one.
  compiledFile = path.join(work, "demo.snapshot");
  execFileSync(cli, ["compile", path.join(root, "examples/demo-store"), "--key", DEMO_KEY_FILE, "--created-at", COMPILED_AT, "-o", compiledFile], { stdio: "pipe" });
  const demo = path.join(root, "examples/demo-store");
  const files = Object.fromEntries(readdirSync(demo).filter((f) => /\.(toml|csv)$/.test(f)).map((f) => [f, readFileSync(path.join(demo, f), "utf8")]));
  const policy = { files, createdAt: COMPILED_AT, key: readFileSync(DEMO_KEY_FILE, "utf8") };
  input = { cases, samples, now: NOW, compiled: readFileSync(compiledFile).toString("base64"), policy };
  inputFile = path.join(work, "input.json");
  writeFileSync(inputFile, JSON.stringify(input));
});

after(() => {
  for (const dir of [scratch, work]) if (dir && !process.env.KEEP_SCRATCH) rmSync(dir, { recursive: true, force: true });
});

/** The CLI's verdicts for JSON Lines `file` (`check`), with extra flags. */
function cliVerdicts(file, ...flags) {
  const out = spawnSync(cli, ["check", ...flags, file], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

// The corpus cases the CLI can state: one order judged alone, at one time, without a
// bound identity (the rest need a session identity or earlier orders at other times;
// their verdicts are held to the corpus's expectations, as tests/conformance.rs holds
// the native engine).
const cliCases = cases.map((c, i) => ({ c, i })).filter(({ c }) => !c.identity && !c.before);

/** The CLI's verdict for each case in `cliCases`, with extra flags (a snapshot). */
function cliCaseVerdicts(...flags) {
  return cliCases.map(({ c, i }) => {
    const file = path.join(work, `case-${i}.json`);
    writeFileSync(file, JSON.stringify(cases[i].order));
    const [verdict] = cliVerdicts(file, "--now", c.now, ...(c.locale ? ["--locale", c.locale] : []), ...flags);
    return verdict;
  });
}

let cliExpected;
/** Every verdict the CLI gives for what probe() checks (computed once). */
function fromCli() {
  const compiled = ["--snapshot", compiledFile, "--key", DEMO_KEY_FILE];
  cliExpected ??= {
    corpus: { embedded: cliCaseVerdicts(), compiled: cliCaseVerdicts(...compiled) },
    samples: {
      embedded: cliVerdicts(samplesFile, "--now", NOW),
      en: cliVerdicts(samplesFile, "--now", NOW, "--locale", "en"),
      compiled: cliVerdicts(samplesFile, "--now", NOW, ...compiled),
    },
  };
  return cliExpected;
}

/** Asserts probe()'s output `out` agrees with the corpus and with the CLI, verdict for verdict. */
function assertAgrees(out) {
  assert.equal(out.info.embedded.merchant, "demo-store");
  assert.equal(out.info.compiled.merchant, "demo-store");
  assert.notEqual(out.info.compiled.version, out.info.embedded.version, "the compiled snapshot is not the embedded one");
  const want = fromCli();
  for (const snapshot of ["embedded", "compiled"]) {
    assert.equal(out.corpus[snapshot].length, cases.length);
    assert.deepStrictEqual(corpusMismatches(cases, out.corpus[snapshot]), [], `corpus on the ${snapshot} snapshot`);
    cliCases.forEach(({ c, i }, k) => {
      assert.deepStrictEqual(out.corpus[snapshot][i], want.corpus[snapshot][k], `case ${c.name} on the ${snapshot} snapshot: not the CLI's verdict`);
    });
  }
  assert.ok(cliCases.length >= 30, `${cliCases.length} cases compared with the CLI`);
  for (const run of ["embedded", "en", "compiled"]) {
    assert.equal(out.samples[run].length, samples.length);
    assert.deepStrictEqual(out.samples[run], want.samples[run], `sample orders (${run}): not the CLI's verdicts`);
  }
  // The compiler entry, in this runtime, writes the CLI's snapshot byte for byte.
  assert.equal(out.compiledHere, readFileSync(compiledFile).toString("base64"), "compilePolicy here differs from `checkout-guard compile`");
  assert.deepStrictEqual(out.samples.compiledHere, want.samples.compiled);
}

/** probe() in Deno or Bun, through driver.mjs. */
function inRuntime(name) {
  const [cmd, ...args] = runtimeCommand(name);
  const out = spawnSync(cmd, [...args, path.join(here, "driver.mjs"), path.join(scratch, "api.mjs"), inputFile], {
    cwd: scratch,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  assert.equal(out.status, 0, `${name}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

const entryOf = (url) => url.replace(/^.*node_modules\/checkout-guard\//, "");

test("Deno resolves the deno entry, and its verdicts are the CLI's", () => {
  const out = inRuntime("deno");
  assert.equal(entryOf(out.entry), "deno/index.js");
  assert.equal(entryOf(out.compilerEntry), "deno/compiler.js");
  assertAgrees(out);
});

test("Bun resolves the bun entry, and its verdicts are the CLI's", () => {
  const out = inRuntime("bun");
  assert.equal(entryOf(out.entry), "bun/index.js");
  assert.equal(entryOf(out.compilerEntry), "bun/compiler.js");
  assertAgrees(out);
});

test("Vercel's edge runtime runs the edge-light entry, its wasm a bound module and no bytes compiled at run time, and its verdicts are the CLI's", async () => {
  const fn = await edgeFunction(scratch, { withCompiler: true });
  assert.equal(entryOf(fn.entry), "edge/index.js");
  assert.equal(entryOf(fn.compilerEntry), "edge/compiler.js");
  assert.deepStrictEqual(fn.wasm.map((f) => path.basename(f)).sort(), ["checkout_guard_bg.wasm", "checkout_guard_compiler_bg.wasm"]);
  assertAgrees(await fn.run(input));
});

test("the edge sandbox refuses to compile wasm from bytes, as Vercel Edge does (so the edge-light test means something)", async () => {
  const vm = edgeSandbox();
  const bytes = "new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])"; // an empty module
  assert.throws(() => vm.evaluate(`new WebAssembly.Module(${bytes})`), /not allowed in the Edge Runtime/);
  await assert.rejects(vm.evaluate(`WebAssembly.instantiate(${bytes})`), /not allowed in the Edge Runtime/);
  // The package's plain `default` entry needs exactly that: it is not what the edge gets.
  const web = readFileSync(path.join(scratch, "node_modules/checkout-guard/web/checkout_guard.js"), "utf8");
  assert.match(web, /new WebAssembly\.Module\(|WebAssembly\.instantiate\(/);
});

/** Builds `source` (written into the scratch project) into a Fastly Compute component with js-compute. */
function fastlyBuild(name, source) {
  const file = path.join(scratch, `${name}.js`);
  writeFileSync(file, source);
  const wasm = path.join(work, `${name}.wasm`);
  const out = spawnSync(path.join(here, "node_modules/.bin/js-compute"), [file, wasm], { cwd: scratch, encoding: "utf8", timeout: 300_000 });
  return { status: out.status, output: out.stdout + out.stderr };
}

// js-compute bundles with the `fastly` condition, then runs the bundle's top level inside
// Fastly's JavaScript engine (StarlingMonkey, under Wizer) to snapshot it: what the top
// level sees there is what a Compute request sees.
test("Fastly Compute: its JavaScript engine has no WebAssembly, and an app importing the package fails to build, saying so", () => {
  const probe = fastlyBuild("probe", 'throw new Error("PROBE typeof WebAssembly: " + typeof WebAssembly);\n');
  assert.match(probe.output, /PROBE typeof WebAssembly: undefined/, "Fastly's engine has WebAssembly now: give the fastly entry the engine (docs/RUNTIMES.md)");
  const app = fastlyBuild(
    "app",
    'import { Engine } from "checkout-guard";\n' +
      'addEventListener("fetch", (event) => event.respondWith(new Response(JSON.stringify(new Engine().info()))));\n',
  );
  assert.notEqual(app.status, 0);
  assert.match(app.output, /checkout-guard: Fastly Compute's JavaScript runtime has no WebAssembly/);
});
