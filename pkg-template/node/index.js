// Node (ESM) entry for the runtime: Engine (Backtest is in the compiler entry). Instantiates the wasm synchronously from
// the package's own file, so `new Engine()` works right after `import` — no
// `await init()` needed (calling the default export anyway is harmless).
import { readFileSync } from "node:fs";
import { initSync } from "../server/checkout_guard.js";

initSync({ module: readFileSync(new URL("../server/checkout_guard_bg.wasm", import.meta.url)) });

export * from "../server/checkout_guard.js";
export { default } from "../server/checkout_guard.js";
