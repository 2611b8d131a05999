#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/<target>/, git-ignored) from the
# repository's own examples: demo store files, sample orders, the rule-language
# conformance corpus and the demo snapshot. Safe to run again (files are overwritten).
# Usage: fuzz/seed.sh   (from anywhere)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
store="$root/examples/demo-store"
snapshot="$root/assets/demo-store.snapshot"
for t in snapshot_bytes snapshot_sealed order_json policy_source csv_tables rule_expr rule_program; do
  mkdir -p "$corpus/$t"
done

# Snapshots: the demo snapshot and the test fixture whole; for the sealed target the
# content after the magic and version (10 bytes) without the 8-byte checksum.
cp "$snapshot" "$corpus/snapshot_bytes/demo-store.snapshot"
cp "$root/tests/fixtures/v1-minimal.snapshot" "$corpus/snapshot_bytes/"
cp "$root/tests/fixtures/v2-minimal-signed.snapshot" "$corpus/snapshot_bytes/"
for s in "$snapshot" "$root/tests/fixtures/v1-minimal.snapshot"; do
  size=$(wc -c <"$s")
  tail -c +11 "$s" | head -c $((size - 18)) >"$corpus/snapshot_sealed/$(basename "$s").body"
done
# A signed one (flag set): the sealed target signs it again, so without the 64-byte
# signature too.
s="$root/tests/fixtures/v2-minimal-signed.snapshot"
size=$(wc -c <"$s")
tail -c +11 "$s" | head -c $((size - 18 - 64)) >"$corpus/snapshot_sealed/$(basename "$s").body"

# Orders: every sample order, each JSON Lines order on its own.
cp "$root"/examples/orders/*.json "$corpus/order_json/"
n=0
while IFS= read -r line; do
  n=$((n + 1))
  printf '%s' "$line" >"$corpus/order_json/all-$n.json"
done <"$root/examples/orders/all.jsonl"

# Policies: first byte 0 reads the text as policy.toml, 1 as policy.json.
for p in "$store/policy.toml" "$root/tests/fixtures/minimal/policy.toml" "$root/tests/fixtures/broken-policy/policy.toml"; do
  { printf '\0'; cat "$p"; } >"$corpus/policy_source/$(basename "$(dirname "$p")").toml"
done
{ printf '\1'; printf '{"merchant":"m","currency":"CNY","rule":[{"id":"r","code":"R","action":"deny","when":"customer.listed"}]}'; } \
  >"$corpus/policy_source/minimal.json"

# Tables: first byte 0 blocklist, 1 catalog, 2 customers (the target's order).
i=0
for t in blocklist catalog customers; do
  for dir in "$store" "$root/tests/fixtures/minimal"; do
    { printf "\\$i"; cat "$dir/$t.csv"; } >"$corpus/csv_tables/$t-$(basename "$dir").csv"
  done
  i=$((i + 1))
done

# Rule expressions: first byte 0 order scope, 1 item scope; every `when` of the demo
# policy and every case of the conformance corpus.
n=0
sed -n "s/^when *= *'\\(.*\\)'\$/\\1/p" "$store/policy.toml" | while IFS= read -r expr; do
  n=$((n + 1))
  { printf '\0'; printf '%s' "$expr"; } >"$corpus/rule_expr/policy-$n"
done
grep -v '^#' "$root/tests/data/cel/cases.txt" | grep ' | ' | while IFS= read -r line; do
  n=$((n + 1))
  expected="${line%% | *}"
  expr="${line#* | }"
  scope='\0'
  case "$expected" in item:*) scope='\1' ;; esac
  { printf "$scope"; printf '%s' "$expr"; } >"$corpus/rule_expr/case-$n"
done
# Stored rule programs: every compiling case of the conformance corpus, encoded as a
# snapshot's `PROG` holds it (written by the corpus round-trip test).
(cd "$root" && RULE_PROGRAM_SEEDS="$corpus/rule_program" cargo test -q --test integration \
  -- rules_corpus::corpus_programs_round_trip_through_their_stored_form >/dev/null)
echo "seeded $(find "$corpus" -type f | wc -l) files in $corpus" >&2
