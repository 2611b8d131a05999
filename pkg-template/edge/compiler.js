// Vercel Edge entry (the `edge-light` condition: Vercel Edge Functions and Middleware,
// Next.js's edge runtime) for the runtime plus compilePolicy, lintPolicy and Backtest. The edge runtime refuses
// to compile wasm from bytes at run time; its bundler turns a `.wasm?module` import into a
// WebAssembly.Module shipped with the function, so instantiation is synchronous
// (docs/RUNTIMES.md).
import wasm from "../web/checkout_guard_compiler_bg.wasm?module";
import { initSync } from "../web/checkout_guard_compiler.js";

initSync({ module: wasm });

export * from "../web/checkout_guard_compiler.js";
export { default } from "../web/checkout_guard_compiler.js";
