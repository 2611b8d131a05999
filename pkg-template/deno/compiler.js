// Deno entry (the `deno` condition: Deno, Deno Deploy, Supabase Edge Functions) for
// the runtime plus compilePolicy, lintPolicy and Backtest. A source-phase import hands the .wasm over as a compiled
// WebAssembly.Module, part of the module graph Deno deploys: synchronous start-up, no
// file read or fetch, so it works where there is no disk (docs/RUNTIMES.md).
import source wasm from "../web/checkout_guard_compiler_bg.wasm";
import { initSync } from "../web/checkout_guard_compiler.js";

initSync({ module: wasm });

export * from "../web/checkout_guard_compiler.js";
export { default } from "../web/checkout_guard_compiler.js";
