#!/usr/bin/env bash
# Generates a JSON Lines file of N orders for the backtest benchmark of
# docs/BENCHMARKS.md ("Scale"): the 38 sample orders of examples/orders/all.jsonl over
# and over, each copy with its own order ids; three copies in four also with their own
# customer ids (new customers), the fourth keeping the samples' (blocklist matches, and
# repeats of one basket: duplicates). Deterministic. Written under target/, never
# committed.
#
#   scripts/gen-orders.sh 1000000            # → target/scale/orders-1000000.jsonl
#   scripts/gen-orders.sh 1000000 FILE
set -euo pipefail
n=${1:?usage: scripts/gen-orders.sh ORDERS [FILE]}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$root/target/scale/orders-$n.jsonl}
mkdir -p "$(dirname "$out")"
LC_ALL=C awk -v n="$n" '
  { sample[count++] = $0 }
  END {
    for (i = 0; i < n; i++) {
      k = int(i / count)
      line = sample[i % count]
      gsub(/"order_id":"/, "\"order_id\":\"" k "-", line)
      if (k % 4 != 0) gsub(/"id":"/, "\"id\":\"" k "-", line)
      print line
    }
  }' "$root/examples/orders/all.jsonl" > "$out"
echo "$out ($(wc -l < "$out") orders, $(du -h "$out" | cut -f1))"
