// Vercel Edge entry (the `edge-light` condition: Vercel Edge Functions and Middleware,
// Next.js's edge runtime) for the runtime: Engine (Backtest is in the compiler entry). The edge runtime refuses
// to compile wasm from bytes at run time; its bundler turns a `.wasm?module` import into a
// WebAssembly.Module shipped with the function, so instantiation is synchronous
// (docs/RUNTIMES.md).
import wasm from "../server/checkout_guard_bg.wasm?module";
import { initSync } from "../server/checkout_guard.js";

initSync({ module: wasm });

export * from "../server/checkout_guard.js";
export { default } from "../server/checkout_guard.js";
