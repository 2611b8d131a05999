#!/usr/bin/env bash
# Recompiles the embedded demo snapshot from examples/demo-store/. The creation time is
# fixed (pass another as $1) so the file only changes when the source does. The key is
# the demo store's published demo key (examples/demo-store/demo.key: demo only, anyone
# holding it can test identifiers), which lets the embedded snapshot load with no key.
set -euo pipefail
cd "$(dirname "$0")/.."
created_at="${1:-2026-11-25T00:00:00Z}"
cargo run --quiet --release -- compile examples/demo-store --key examples/demo-store/demo.key -o assets/demo-store.snapshot --created-at "$created_at"
