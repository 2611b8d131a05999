// Bun entry (the `bun` condition) for the runtime: Engine (Backtest is in the compiler entry). The
// `type: "file"` import gives the .wasm's path, and `bun build --compile` embeds the file
// in the executable; read synchronously, so `new Engine()` works right after `import`
// (docs/RUNTIMES.md).
import { readFileSync } from "node:fs";
import wasmPath from "../server/checkout_guard_bg.wasm" with { type: "file" };
import { initSync } from "../server/checkout_guard.js";

initSync({ module: readFileSync(wasmPath) });

export * from "../server/checkout_guard.js";
export { default } from "../server/checkout_guard.js";
