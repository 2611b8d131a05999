// Bun entry (the `bun` condition) for the runtime plus compilePolicy, lintPolicy and Backtest. The
// `type: "file"` import gives the .wasm's path, and `bun build --compile` embeds the file
// in the executable; read synchronously, so `new Engine()` works right after `import`
// (docs/RUNTIMES.md).
import { readFileSync } from "node:fs";
import wasmPath from "../web/checkout_guard_compiler_bg.wasm" with { type: "file" };
import { initSync } from "../web/checkout_guard_compiler.js";

initSync({ module: readFileSync(wasmPath) });

export * from "../web/checkout_guard_compiler.js";
export { default } from "../web/checkout_guard_compiler.js";
