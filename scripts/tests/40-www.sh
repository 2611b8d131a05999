#!/usr/bin/env bash
# Demo page suite: builds the wasm package and the CLI, serves www/ on a free localhost
# port and runs the Playwright tests in tests/www/ (Debian's Chromium through
# playwright-core). The tests save screenshots to target/screenshots/; with
# UPDATE_SCREENSHOTS=1, to docs/screenshots/ (the ones the README shows).
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf -- '--- %s\n' "$*" >&2; }
source scripts/setup.sh
setup_main wasm browser node

step "package (scripts/build-pkg.sh)"
setup_main pkg
step "CLI (the backtest test compares the page with it)"
cargo build --quiet

# Screenshots need a CJK font, or every Chinese character is a box. Best effort.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  step "installing a CJK font for screenshots (fonts-wqy-microhei)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1; }; } \
    || echo "warning: no CJK font; screenshots will show boxes for Chinese text" >&2
fi

step "static server"
log="$(mktemp)"
node www/serve.mjs --port 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 50); do
  url="$(grep -o 'http://[^ ]*' "$log" || true)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start" >&2; cat "$log" >&2; exit 1; }
echo "serving $url" >&2

step "browser tests (node --test tests/www/)"
CG_WWW_URL="$url" node --test --test-concurrency=1 tests/www/
