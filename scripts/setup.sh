#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there. Safe to run
# again; sourced by scripts/test.sh and scripts/demo.sh.
set -euo pipefail

need_rust_component() {
  if ! cargo "$1" --version >/dev/null 2>&1; then
    echo "setup: installing rust component $2" >&2
    rustup component add "$2"
  fi
}

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust with rustup first (https://rustup.rs)" >&2
  exit 2
fi
need_rust_component fmt rustfmt
need_rust_component clippy clippy
