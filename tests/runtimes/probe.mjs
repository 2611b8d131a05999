// The half of the runtimes suite that runs inside each runtime (Deno, Bun, Vercel's edge
// runtime): given the package's API as that runtime resolved it, check the conformance
// corpus and the sample orders on the embedded demo snapshot and on one the CLI
// compiled, and return every verdict. Only the package's API and plain JavaScript: the
// comparisons (with the corpus and the CLI) are the host's, in runtimes.test.mjs.
import { caseVerdicts } from "../node/support/corpus.mjs";

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBase64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

/**
 * `input`: { cases (orders inline), samples (orders), now, compiled (base64 snapshot),
 * policy: { files, createdAt, key } (the demo store's source) }; `compiler`: the
 * `checkout-guard/compiler` API. Returns { info, corpus: { embedded, compiled },
 * samples: { embedded, en, compiled, compiledHere }, compiledHere (base64) }, where
 * "compiledHere" is the policy compiled in this runtime.
 */
export function probe(api, input, compiler) {
  const { files, createdAt, key } = input.policy;
  const here = compiler.compilePolicy(files, { createdAt, key }).bytes;
  const compiled = fromBase64(input.compiled);
  const onCompiled = () => api.Engine.fromBytes(compiled);
  const sampleVerdicts = (engine, options) => {
    const verdicts = engine.checkMany(input.samples, options);
    engine.free();
    return verdicts;
  };
  const info = (engine) => {
    const { merchant, version } = engine.info();
    engine.free();
    return { merchant, version };
  };
  return {
    info: { embedded: info(new api.Engine()), compiled: info(onCompiled()) },
    corpus: { embedded: caseVerdicts(api, input.cases), compiled: caseVerdicts(api, input.cases, onCompiled) },
    samples: {
      embedded: sampleVerdicts(new api.Engine(), { now: input.now }),
      en: sampleVerdicts(new api.Engine(), { now: input.now, locale: "en" }),
      compiled: sampleVerdicts(onCompiled(), { now: input.now }),
      compiledHere: sampleVerdicts(api.Engine.fromBytes(here), { now: input.now }),
    },
    compiledHere: toBase64(here),
  };
}

/**
 * Start-up and `check` latency in this runtime (bench/runtimes.mjs): `importApi()` timed
 * with the first `new Engine()` (what a cold isolate pays before its first check), then
 * `input.rounds` (default 2000) checks of each sample order on one engine; p50 and p99 in
 * microseconds.
 */
export async function bench(importApi, input) {
  const rounds = input.rounds ?? 2000;
  const t0 = performance.now();
  const api = await importApi();
  const engine = new api.Engine();
  const startupMs = performance.now() - t0;
  const options = { now: input.now, duplicate: false };
  const times = [];
  for (let r = 0; r < rounds; r++) {
    for (const order of input.samples) {
      const s = performance.now();
      engine.check(order, options);
      times.push(performance.now() - s);
    }
  }
  times.sort((a, b) => a - b);
  const at = (q) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000);
  return { startupMs: Math.round(startupMs * 10) / 10, checks: times.length, p50Us: at(0.5), p99Us: at(0.99) };
}
