#!/usr/bin/env bash
# Native suite: formatting, lints, unit/integration/golden/property tests, doctests.
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf -- '--- %s\n' "$*" >&2; }
step "format"
cargo fmt --all --check
step "lints (clippy, warnings are errors)"
cargo clippy --all-targets -- -D warnings
step "API docs build, links resolve (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
step "runtime builds without the compiler and CLI dependencies"
cargo check --lib --no-default-features
step "tests"
cargo test --all-features
step "conformance cross-check (independent Python model of docs/semantics.md, stdlib only)"
python3 tests/conformance/crosscheck.py --quiet
step "benchmarks compile"
cargo bench --no-run --quiet
