// Vercel's edge runtime (@edge-runtime/vm, the sandbox `next dev` and `vercel dev` run
// edge functions in), set up the way Vercel Edge ships a function: one bundle resolved
// with the `edge-light` condition, each `.wasm?module` import a WebAssembly.Module the
// platform compiles and binds by name, and no disk. As in production, compiling
// WebAssembly from bytes at run time is refused inside the sandbox, so an entry that
// reads, fetches or decodes the wasm itself fails here as it would there.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { EdgeVM } from "@edge-runtime/vm";

const here = path.dirname(new URL(import.meta.url).pathname);

// Replaces WebAssembly's compile-from-bytes doors inside the sandbox (run after the
// platform has compiled the bindings). Instantiating a compiled Module stays allowed.
const REFUSE_WASM_FROM_BYTES = `(() => {
  const W = WebAssembly;
  const refuse = (what) => new EvalError(what + ": compiling WebAssembly from bytes at run time is not allowed in the Edge Runtime (import the .wasm with ?module)");
  const isModule = (m) => m instanceof W.Module;
  W.Module = new Proxy(W.Module, { construct() { throw refuse("new WebAssembly.Module"); } });
  const instantiate = W.instantiate.bind(W);
  W.instantiate = (m, imports) => (isModule(m) ? instantiate(m, imports) : Promise.reject(refuse("WebAssembly.instantiate")));
  W.compile = () => Promise.reject(refuse("WebAssembly.compile"));
  W.compileStreaming = () => Promise.reject(refuse("WebAssembly.compileStreaming"));
  W.instantiateStreaming = () => Promise.reject(refuse("WebAssembly.instantiateStreaming"));
})();`;

/**
 * A fresh edge sandbox with `bindings` (global name → .wasm file) compiled by the
 * platform, as Vercel binds a function's `.wasm?module` imports, and no way left to
 * compile wasm from bytes.
 */
export function edgeSandbox(bindings = new Map()) {
  const vm = new EdgeVM();
  for (const [name, file] of bindings) {
    vm.context.__cgBytes = new Uint8Array(readFileSync(file));
    vm.evaluate(`globalThis[${JSON.stringify(name)}] = new WebAssembly.Module(globalThis.__cgBytes); delete globalThis.__cgBytes;`);
  }
  vm.evaluate(REFUSE_WASM_FROM_BYTES);
  return vm;
}

/**
 * Bundles the edge function `entry` as Vercel would: one script resolved with Next's
 * conditions (`edge-light` first), each `.wasm?module` import a global bound to the file
 * (edgeSandbox compiles it). With `globalName`, the script assigns the entry's exports to
 * that global. Returns { code, bindings (global name → .wasm file), inputs (files bundled) }.
 */
export async function bundleEdge(entry, { globalName } = {}) {
  const bindings = new Map(); // global name → .wasm file
  const wasmModules = {
    name: "wasm-module",
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
        path: path.resolve(args.resolveDir, args.path.replace(/\?module$/, "")),
        namespace: "wasm-module",
      }));
      b.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => {
        const name = `wasm_${path.basename(args.path, ".wasm")}`;
        bindings.set(name, args.path);
        return { contents: `export default globalThis[${JSON.stringify(name)}];`, loader: "js" };
      });
    },
  };
  const out = await build({
    entryPoints: [entry],
    globalName,
    bundle: true,
    write: false,
    format: "iife",
    platform: "neutral",
    // What Next.js resolves edge functions with.
    conditions: ["edge-light", "worker", "browser"],
    metafile: true,
    logLevel: "silent",
    plugins: [wasmModules],
  });
  return { code: out.outputFiles[0].text, bindings, inputs: Object.keys(out.metafile.inputs) };
}

/**
 * Bundles `checkout-guard` (installed in `scratch`; with `withCompiler`, also
 * `checkout-guard/compiler`, which probe() needs) with probe.mjs as an edge function would
 * be, and returns { entry, compilerEntry, bundleBytes, wasm, run(input, mode) }: the
 * package files the `edge-light` condition chose, the bundle's size, the .wasm files it
 * binds, and `run`, which evaluates it in a fresh sandbox (mode "bench": the bundle's
 * evaluation is added to the start-up).
 */
export async function edgeFunction(scratch, { withCompiler = false } = {}) {
  const source = path.join(scratch, "edge-function.mjs");
  writeFileSync(
    source,
    `import * as api from "checkout-guard";\n` +
      (withCompiler ? `import * as compiler from "checkout-guard/compiler";\n` : `const compiler = undefined;\n`) +
      `import { bench, probe } from ${JSON.stringify(path.join(here, "probe.mjs"))};\n` +
      `globalThis.__cgRun = (input, mode) => (mode === "bench" ? bench(async () => api, input) : probe(api, input, compiler));\n`,
  );
  const { code, bindings, inputs } = await bundleEdge(source);
  const entry = inputs.find((f) => /node_modules\/checkout-guard\/[^/]+\/index\.js$/.test(f));
  const compilerEntry = inputs.find((f) => /node_modules\/checkout-guard\/[^/]+\/compiler\.js$/.test(f));
  return {
    entry,
    compilerEntry,
    bundleBytes: code.length,
    wasm: [...bindings.values()],
    async run(input, mode) {
      const vm = edgeSandbox(bindings);
      const t0 = performance.now();
      vm.evaluate(code);
      const evaluateMs = performance.now() - t0;
      vm.context.__cgInput = JSON.stringify(input);
      const result = JSON.parse(await vm.evaluate(`Promise.resolve(__cgRun(JSON.parse(__cgInput), ${JSON.stringify(mode ?? "")})).then(JSON.stringify)`));
      if (mode === "bench") result.startupMs = Math.round((result.startupMs + evaluateMs) * 10) / 10;
      return { entry, compilerEntry, ...result };
    },
  };
}
