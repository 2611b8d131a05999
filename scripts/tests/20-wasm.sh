#!/usr/bin/env bash
# WebAssembly suite: the bindings under wasm-bindgen-test in Node and headless Chromium,
# then the npm package (built by scripts/build-pkg.sh, packed, installed into a scratch
# project) under `node --test`: conformance corpus, bad inputs, compilePolicy, Backtest
# against the CLI, and the TypeScript types with `tsc --strict`.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
setup_main wasm browser node
step() { printf -- '--- %s\n' "$*" >&2; }
wasm_test=(cargo test --target wasm32-unknown-unknown --no-default-features --features compiler --test wasm)

step "lints for the wasm target"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
cargo clippy --lib --test wasm --target wasm32-unknown-unknown --no-default-features --features compiler -- -D warnings
step "wasm-bindgen-test in Node"
"${wasm_test[@]}"
step "wasm-bindgen-test in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}" "${wasm_test[@]}"
step "the npm package"
setup_main pkg
cargo build --bin checkout-guard   # the Backtest test compares with the CLI's report
step "node --test tests/node/"
node --test tests/node/
