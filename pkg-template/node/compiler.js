// Node (ESM) entry for the runtime plus compilePolicy, lintPolicy, reviewPolicy and Backtest. Instantiates the wasm synchronously from
// the package's own file, so `new Engine()` works right after `import` — no
// `await init()` needed (calling the default export anyway is harmless).
import { readFileSync } from "node:fs";
import { initSync } from "../web/checkout_guard_compiler.js";

initSync({ module: readFileSync(new URL("../web/checkout_guard_compiler_bg.wasm", import.meta.url)) });

export * from "../web/checkout_guard_compiler.js";
export { default } from "../web/checkout_guard_compiler.js";
