// Bundles examples/edge-worker the way wrangler would (esbuild, workerd conditions) and
// starts it in workerd through Miniflare.
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { readdirSync } from "node:fs";
import { extname, join } from "node:path";
import { EXAMPLE, linkedNodeModules, tempDir, within } from "./common.mjs";

const TYPES = { ".js": "ESModule", ".mjs": "ESModule", ".wasm": "CompiledWasm", ".snapshot": "Data" };

/** esbuild → dir/out: worker.js plus the .wasm and .snapshot it imports (copied). */
export async function bundleWorker() {
  const tmp = tempDir("edge");
  const outdir = join(tmp.dir, "out");
  await esbuild.build({
    entryPoints: [join(EXAMPLE, "src", "worker.js")],
    outdir,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    loader: { ".wasm": "copy", ".snapshot": "copy" },
    nodePaths: [linkedNodeModules(tmp.dir)],
    logLevel: "silent",
  });
  const modules = readdirSync(outdir).map((name) => {
    const type = TYPES[extname(name)];
    if (!type) throw new Error(`unexpected file in the bundle: ${name}`);
    return { type, path: join(outdir, name) };
  });
  // The entry module must come first.
  modules.sort((a, b) => (a.path.endsWith("worker.js") ? -1 : b.path.endsWith("worker.js") ? 1 : 0));
  return { outdir, modules, cleanup: tmp.cleanup };
}

/**
 * Starts the bundled worker. `options` are extra Miniflare worker options (bindings,
 * serviceBindings, outboundService); `extraWorkers` follow it (e.g. an origin worker);
 * `shared` are top-level Miniflare options (e.g. handleRuntimeStdio to read the log).
 */
export async function startWorker(bundle, options = {}, extraWorkers = [], shared = {}) {
  const mf = new Miniflare({
    ...shared,
    // No real `cf` object: left unset, every start tries to download cf.json from
    // workers.cloudflare.com (~3 s offline). `false` gives Miniflare's placeholder.
    cf: false,
    workers: [
      {
        name: "edge",
        modules: bundle.modules,
        modulesRoot: bundle.outdir,
        compatibilityDate: "2025-01-01",
        ...options,
      },
      ...extraWorkers,
    ],
  });
  await within(20_000, "miniflare start", mf.ready);
  return mf;
}

export async function post(mf, path, body, headers = {}, method = "POST") {
  const res = await within(10_000, `${method} ${path}`, mf.dispatchFetch(`https://shop.example.test${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  }));
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

export async function get(mf, path, headers = {}, method = "GET") {
  const res = await within(10_000, `${method} ${path}`, mf.dispatchFetch(`https://shop.example.test${path}`, { method, headers }));
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}
