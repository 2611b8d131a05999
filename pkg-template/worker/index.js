// Worker entry (Cloudflare Workers / workerd, and bundlers honouring the `worker`
// condition) for the runtime: Engine (Backtest is in the compiler entry). The runtime hands the `.wasm` import over
// as a compiled WebAssembly.Module, so instantiation is synchronous: no top-level
// await, no network.
import wasm from "../server/checkout_guard_bg.wasm";
import { initSync } from "../server/checkout_guard.js";

initSync({ module: wasm });

export * from "../server/checkout_guard.js";
export { default } from "../server/checkout_guard.js";
