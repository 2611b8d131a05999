#!/usr/bin/env bash
# The demo: builds the wasm package and serves the demo page (www/) on localhost — edit
# the demo store's rules with live diagnostics, check the sample orders, simulate the
# step-up, backtest a batch. Everything runs in the browser; the server only serves files.
#
#   ./scripts/demo.sh                 # http://127.0.0.1:8080/www/ (another port if taken)
#   PORT=9000 ./scripts/demo.sh       # a given port
#
# Installs what it needs first (idempotent: Rust wasm target, wasm-bindgen, npm tooling).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_main wasm node
bash scripts/build-pkg.sh
echo
echo "Open the URL below in a browser; Ctrl-C stops the server."
exec node www/serve.mjs ${PORT:+--port "$PORT"}
