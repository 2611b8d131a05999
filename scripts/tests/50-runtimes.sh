#!/usr/bin/env bash
# Edge runtimes suite: the packed npm package in Deno, Bun and Vercel's edge runtime
# (@edge-runtime/vm), each installed pinned from the npm registry into tests/runtimes/
# (scripts/setup.sh runtimes): the conformance corpus and the sample orders on the
# embedded and a compiled snapshot, every verdict compared with the CLI's, and the export
# condition each runtime resolves; Fastly Compute's build with @fastly/js-compute
# (docs/RUNTIMES.md). Builds pkg/ first unless scripts/test.sh already did.
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf -- '--- %s\n' "$*" >&2; }
source scripts/setup.sh
setup_main node runtimes

step "npm package (scripts/build-pkg.sh)"
setup_main pkg

step "native CLI (the verdicts every runtime must match; the one 30-edge.sh builds)"
cargo build --release --quiet --bin checkout-guard
export CHECKOUT_GUARD_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/checkout-guard"

step "Deno, Bun, Vercel's edge runtime, Fastly's js-compute (node --test tests/runtimes/)"
node --test --test-concurrency=1 tests/runtimes/
