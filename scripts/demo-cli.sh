#!/usr/bin/env bash
# The CLI demo: checks every sample order in examples/orders/ against the embedded demo
# store snapshot and prints each decision, then one full verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_main rust
cargo build --release --quiet
bin=target/release/checkout-guard
now="${NOW:-2026-11-25T10:00:00Z}"
printf '%-34s %-8s %s\n' "order" "decision" "reasons"
for f in examples/orders/*.json; do
  verdict=$("$bin" check --now "$now" "$f")
  python3 - "$f" "$verdict" <<'PY'
import json, sys, os
v = json.loads(sys.argv[2])
codes = ",".join(r["code"] for r in v["reasons"]) or "-"
print(f"{os.path.basename(sys.argv[1]):<34} {v['decision']:<8} {codes}")
PY
done
echo
echo "full verdict for examples/orders/blacklisted-limited.json:"
"$bin" check --now "$now" examples/orders/blacklisted-limited.json
