#!/usr/bin/env bash
# Every test of the project, from a fresh machine: installs what it needs (idempotent,
# see scripts/setup.sh), then runs each suite in scripts/tests/ in name order. Each
# suite is a script that exits non-zero on failure; the first failure stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_main all
# The npm package, built once here for the suites that test it (see setup_pkg).
unset CG_PKG_BUILT
setup_main pkg
export CG_PKG_BUILT=1

for suite in scripts/tests/*.sh; do
  printf '\n=== %s\n' "$suite" >&2
  bash "$suite"
done
printf '\n=== all suites passed\n' >&2
