#!/usr/bin/env bash
# Fuzz suite (fuzz/README.md): builds every cargo-fuzz target on the stable toolchain,
# replays every committed regression input (fuzz/regressions/<target>/), then fuzzes
# each target for a bounded time from corpora seeded from the repository's examples.
# Any crash, panic or broken invariant fails the suite; libFuzzer writes the input to
# fuzz/artifacts/<target>/, which becomes a committed regression file once fixed.
#
#   FUZZ_SECONDS  seconds per target (default 20; 0 replays the regressions only)
#   FUZZ_TARGETS  space-separated targets (default: all of `cargo fuzz list`)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
setup_main fuzz
step() { printf -- '--- %s\n' "$*" >&2; }

seconds="${FUZZ_SECONDS:-20}"
targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"

step "build the fuzz targets"
cargo fuzz build --sanitizer none
fuzz/seed.sh

for t in $targets; do
  regressions=()
  if [ -d "fuzz/regressions/$t" ]; then
    mapfile -t regressions < <(find "fuzz/regressions/$t" -type f | sort)
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    step "$t: replay ${#regressions[@]} regression input(s)"
    # Files (not folders) as arguments: libFuzzer runs each once and stops.
    cargo fuzz run --sanitizer none "$t" "${regressions[@]}"
  fi
  if [ "$seconds" -gt 0 ]; then
    step "$t: fuzz for ${seconds}s"
    log="$(mktemp)"
    if ! cargo fuzz run --sanitizer none "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
      tail -n 60 "$log" >&2
      rm -f "$log"
      echo "fuzz target $t failed; the input is in fuzz/artifacts/$t/" >&2
      exit 1
    fi
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' "$log" >&2 || true
    rm -f "$log"
  fi
done
