#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there, so it is
# safe to run again and again. Sourced by scripts/test.sh and scripts/demo.sh.
#
#   rust components (rustfmt, clippy) and the wasm32 target   — rustup
#   wasm-bindgen-cli, pinned to the crate's wasm-bindgen       — cargo install
#   chromium + chromedriver for browser tests                  — apt (Debian)
#   node tooling (vite, miniflare, playwright-core, binaryen…) — npm ci
#
# Usage: source scripts/setup.sh [rust|wasm|browser|node|all]...  (default: all)
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130

setup_log() { echo "setup: $*" >&2; }

setup_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    setup_log "cargo not found; install Rust with rustup first"
    return 2
  fi
  cargo fmt --version >/dev/null 2>&1 || { setup_log "adding rustfmt"; rustup component add rustfmt; }
  cargo clippy --version >/dev/null 2>&1 || { setup_log "adding clippy"; rustup component add clippy; }
}

setup_wasm() {
  setup_rust
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    setup_log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    setup_log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
    # Not --locked: its lock file names a crate version this registry does not serve.
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
  fi
}

setup_browser() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    setup_log "installing chromium and chromedriver (apt)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

setup_node() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if ! command -v npm >/dev/null 2>&1; then
    setup_log "npm not found; install Node.js 20 or newer"
    return 2
  fi
  if [ -L "$root/node_modules" ]; then
    # A developer's worktree sharing another checkout's modules: never `npm ci` through
    # the link (it would empty the other checkout's node_modules).
    return 0
  fi
  # Reinstall only when the lock file changed since the last install.
  if [ ! -f "$root/node_modules/.package-lock.json" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    setup_log "installing node tooling (npm ci)"
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_main() {
  local what=("$@")
  [ ${#what[@]} -gt 0 ] || what=(all)
  for w in "${what[@]}"; do
    case "$w" in
      rust) setup_rust ;;
      wasm) setup_wasm ;;
      browser) setup_browser ;;
      node) setup_node ;;
      all) setup_rust; setup_wasm; setup_browser; setup_node ;;
      *) setup_log "unknown part $w"; return 2 ;;
    esac
  done
}

# Sourced with arguments, or run directly.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  setup_main "$@"
fi
