#!/usr/bin/env bash
# Compiles the example merchant's snapshot into src/store.snapshot (committed, so that
# `wrangler deploy` works without a Rust toolchain). The merchant is the demo store's
# policy source under its own name, "edge-demo-store", so a response can be told apart
# from one made with the package's embedded demo snapshot.
#
#   bash build.sh           rebuild src/store.snapshot
#   bash build.sh --check   exit 1 if src/store.snapshot is not what the source compiles to
#
# A fixed --created-at keeps the file byte-for-byte reproducible. The key is the demo
# store's published key (examples/demo-store/demo.key), so the bundled snapshot loads
# with no secret; a real store compiles with its own secret key (`checkout-guard
# keygen`) and gives the worker that key as the SNAPSHOT_HASH_KEY secret. CHECKOUT_GUARD_BIN
# may name an already built CLI; otherwise `cargo run --release` builds it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
MERCHANT="edge-demo-store"
CREATED_AT="2026-11-25T00:00:00Z"
out="$here/src/store.snapshot"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -R "$root/examples/demo-store" "$tmp/store"
sed -i -E "s/^merchant([[:space:]]*)=.*/merchant\1= \"$MERCHANT\"/" "$tmp/store/policy.toml"
grep -q "^merchant *= \"$MERCHANT\"" "$tmp/store/policy.toml" || { echo "build.sh: could not set the merchant" >&2; exit 2; }

if [ -n "${CHECKOUT_GUARD_BIN:-}" ]; then
  "$CHECKOUT_GUARD_BIN" compile "$tmp/store" --key "$root/examples/demo-store/demo.key" -o "$tmp/store.snapshot" --created-at "$CREATED_AT" >&2
else
  cargo run --quiet --release --manifest-path "$root/Cargo.toml" --bin checkout-guard -- \
    compile "$tmp/store" --key "$root/examples/demo-store/demo.key" -o "$tmp/store.snapshot" --created-at "$CREATED_AT" >&2
fi

if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$tmp/store.snapshot" "$out"; then
    echo "build.sh: $out is stale; run: bash examples/edge-worker/build.sh" >&2
    exit 1
  fi
  echo "build.sh: $out is up to date" >&2
else
  cp "$tmp/store.snapshot" "$out"
  echo "build.sh: wrote $out ($(wc -c <"$out") bytes)" >&2
fi
