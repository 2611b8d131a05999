#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there, so it is
# safe to run again and again. Sourced by scripts/test.sh and scripts/demo.sh.
#
#   rust components (rustfmt, clippy) and the wasm32 target   — rustup
#   wasm-bindgen-cli, the version of wasm-bindgen in Cargo.lock — cargo install
#   chromium + chromedriver for browser tests                  — apt (Debian)
#   node tooling (vite, miniflare, playwright-core, binaryen…) — npm ci
#   cargo-fuzz, for the fuzz targets in fuzz/ (15-fuzz.sh)      — cargo install
#   the edge runtimes 50-runtimes.sh runs the package in: Deno,  — npm ci in tests/runtimes/
#   Bun, Vercel's edge runtime, Fastly's js-compute (pinned)
#
# and, asked for by name only (not part of `all`), `pkg`: the npm package in pkg/ that
# the wasm, edge and page suites test (scripts/build-pkg.sh).
#
# Usage: source scripts/setup.sh [rust|wasm|browser|node|fuzz|runtimes|pkg|all]...  (default: all)
set -euo pipefail

setup_log() { echo "setup: $*" >&2; }

# The checkout's root (this file is scripts/setup.sh).
setup_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); }

# The CLI must be exactly the version of the wasm-bindgen crate the module is built with
# (their schemas must match), and Cargo.lock is where that version is written down.
setup_wasm_bindgen_version() {
  local version
  version="$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' "$(setup_root)/Cargo.lock")"
  [ -n "$version" ] || { setup_log "no wasm-bindgen package in Cargo.lock"; return 2; }
  echo "$version"
}

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
  local version
  version="$(setup_wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
    setup_log "installing wasm-bindgen-cli $version (about 3 minutes)"
    # Not --locked: its lock file names a crate version this registry does not serve.
    cargo install wasm-bindgen-cli --version "=$version"
  fi
}

# cargo-fuzz 0.13.2 builds and runs the targets on the stable toolchain with
# `--sanitizer none` (no nightly needed; fuzz/README.md).
SETUP_CARGO_FUZZ_VERSION=0.13.2

setup_fuzz() {
  setup_rust
  if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $SETUP_CARGO_FUZZ_VERSION" ]; then
    setup_log "installing cargo-fuzz $SETUP_CARGO_FUZZ_VERSION (about 2 minutes)"
    cargo install cargo-fuzz --version "=$SETUP_CARGO_FUZZ_VERSION"
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
  root="$(setup_root)"
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

# The runtimes come from the npm registry as packages of their own (each ships its
# binary: @deno/linux-x64-glibc, @oven/bun-linux-x64, …), pinned in their own small
# project so the root's tooling stays as it is. Reinstalled only when its lock file
# changed since the last install.
setup_runtimes() {
  local dir
  dir="$(setup_root)/tests/runtimes"
  command -v npm >/dev/null 2>&1 || { setup_log "npm not found; install Node.js 20 or newer"; return 2; }
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    setup_log "installing the edge runtimes (npm ci in tests/runtimes, about a minute)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# scripts/test.sh builds pkg/ once for every suite and exports CG_PKG_BUILT=1; a suite
# run on its own builds it here, so it never tests a package older than the sources.
setup_pkg() {
  if [ "${CG_PKG_BUILT:-0}" = 1 ]; then
    setup_log "pkg/ already built by this run"
    return 0
  fi
  bash "$(setup_root)/scripts/build-pkg.sh"
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
      fuzz) setup_fuzz ;;
      runtimes) setup_runtimes ;;
      pkg) setup_pkg ;;
      all) setup_rust; setup_wasm; setup_browser; setup_node; setup_fuzz; setup_runtimes ;;
      *) setup_log "unknown part $w"; return 2 ;;
    esac
  done
}

# Sourced with arguments, or run directly.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  setup_main "$@"
fi
