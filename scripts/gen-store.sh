#!/usr/bin/env bash
# Generates a policy source folder with a large blocklist, for the scale benchmarks of
# docs/BENCHMARKS.md ("Scale"): the demo store's policy, catalog and customers, and a
# `blocklist.csv` of N rows over all seven identifier kinds, three levels, eight reason
# codes, a third without expiry and some already expired. Deterministic: the same N
# gives the same bytes. Generated data goes under target/ and is never committed.
#
#   scripts/gen-store.sh 1000000            # → target/scale/store-1000000/
#   scripts/gen-store.sh 10000000 DIR       # → DIR/
set -euo pipefail
n=${1:?usage: scripts/gen-store.sh ENTRIES [DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$root/target/scale/store-$n}
mkdir -p "$out"
for f in policy.toml catalog.csv customers.csv; do
  cp "$root/examples/demo-store/$f" "$out/$f"
done
# Levels, reasons and expiries come from a linear congruential generator, not awk's
# rand(), whose sequence differs between awk implementations; every product stays below
# 2^53, so any awk computes it exactly.
LC_ALL=C awk -v n="$n" 'BEGIN {
  split("customer_id email phone device_id address payment_fingerprint ip", kinds, " ")
  split("watch step_up block", levels, " ")
  split("REFUND_ABUSE FRAUD CHARGEBACK HARASSMENT RESELLER DAMAGE_CLAIMS FAKE_ADDRESS RULE_ABUSE", reasons, " ")
  split("2025-06-30T00:00:00Z 2026-12-31T00:00:00Z 2027-03-15T12:30:00Z 2027-11-01T00:00:00Z", expiries, " ")
  print "kind,value,level,reason,added_at,expires_at,note"
  s = 42
  for (i = 0; i < n; i++) {
    s = (s * 69069 + 1) % 4294967296
    k = kinds[i % 7 + 1]
    if (k == "customer_id") v = "c-" i
    else if (k == "email") v = "user" i "@example.com"
    else if (k == "phone") v = sprintf("86139%08d", i)
    else if (k == "device_id") v = sprintf("dev-%x", i)
    else if (k == "address") v = "浙江省杭州市西湖区文三路" i "号"
    else if (k == "payment_fingerprint") v = sprintf("pf_%x", i)
    else v = sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
    r = int(s / 65536)
    e = (r % 3 == 0) ? "" : expiries[r % 4 + 1]
    printf "%s,%s,%s,%s,2025-01-01T00:00:00Z,%s,\n", k, v, levels[int(r / 3) % 3 + 1], reasons[int(r / 9) % 8 + 1], e
  }
}' > "$out/blocklist.csv"
echo "$out ($(wc -l < "$out/blocklist.csv") lines, $(du -h "$out/blocklist.csv" | cut -f1))"
