// Worker entry (Cloudflare Workers / workerd, and bundlers honouring the `worker`
// condition) for the runtime plus compilePolicy, lintPolicy, reviewPolicy and Backtest. The runtime hands the `.wasm` import over
// as a compiled WebAssembly.Module, so instantiation is synchronous: no top-level
// await, no network.
import wasm from "../web/checkout_guard_compiler_bg.wasm";
import { initSync } from "../web/checkout_guard_compiler.js";

initSync({ module: wasm });

export * from "../web/checkout_guard_compiler.js";
export { default } from "../web/checkout_guard_compiler.js";
