#!/usr/bin/env bash
# Edge and browser suite: the edge worker example in real workerd (Miniflare), the npm
# package as plain ESM in a page and through a scratch Vite project, both in headless
# Chromium (playwright-core + Debian chromium), and the freshness of the example's
# committed snapshot. Builds pkg/ first unless scripts/test.sh already did.
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf -- '--- %s\n' "$*" >&2; }
source scripts/setup.sh
setup_main wasm browser node

step "npm package (scripts/build-pkg.sh)"
setup_main pkg

step "native CLI (compiles the example's snapshot; the edge test compares verdicts with it)"
cargo build --release --quiet --bin checkout-guard
export CHECKOUT_GUARD_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/checkout-guard"

step "examples/edge-worker/src/store.snapshot is what examples/demo-store compiles to"
bash examples/edge-worker/build.sh --check

step "edge worker in workerd, plain ESM page and Vite app in Chromium (node --test)"
node --test --test-concurrency=1 tests/edge/ tests/esm-page/ tests/vite-app/
