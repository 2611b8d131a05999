// Deno entry (the `deno` condition: Deno, Deno Deploy, Supabase Edge Functions) for
// the runtime: Engine (Backtest is in the compiler entry). A source-phase import hands the .wasm over as a compiled
// WebAssembly.Module, part of the module graph Deno deploys: synchronous start-up, no
// file read or fetch, so it works where there is no disk (docs/RUNTIMES.md).
import source wasm from "../server/checkout_guard_bg.wasm";
import { initSync } from "../server/checkout_guard.js";

initSync({ module: wasm });

export * from "../server/checkout_guard.js";
export { default } from "../server/checkout_guard.js";
