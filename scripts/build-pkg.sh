#!/usr/bin/env bash
# Builds the npm package `checkout-guard` into pkg/ (gitignored), from a fresh clone:
#
#   1. cargo build --lib --target wasm32-unknown-unknown, three times: the runtime (no CLI
#      or compiler dependencies) → `checkout-guard`, size-tuned (profile wasm-release,
#      opt-level "z") for browsers in web/ and speed-tuned (profile wasm-speed, opt-level
#      3) for the server entries (Node ESM and CommonJS, workerd, Deno, Bun, Vercel's
#      edge) in server/ and cjs/ (docs/BENCHMARKS.md, "Two runtime builds"); and with the
#      `compiler` feature (compilePolicy/lintPolicy) → `checkout-guard/compiler`,
#      size-tuned, in web/ and cjs/
#   2. wasm-bindgen (pinned to the crate's version by scripts/setup.sh): --target web
#      (browsers, bundlers, workerd, Node via initSync) and --target nodejs (CommonJS,
#      renamed .cjs for `require`)
#   3. wasm-opt -Oz --converge (repeat until no pass shrinks it: ~0.8 KB gzip smaller
#      than one -Oz) --low-memory-unused (Rust never places data in the first 1 KB, whose
#      addresses wasm-opt may then fold into load/store offsets: −1.6 KB gzip) from the
#      npm `binaryen` package (never Debian's: its output fails to instantiate)
#   4. pkg-template/ (package.json with the version from Cargo.toml, README, LICENSE,
#      node/ and worker/ entry points) on top
#
# Idempotent: pkg/ is rebuilt from scratch each time. Prints raw and gzip sizes.
# Environment: CARGO_TARGET_DIR (default target/), CG_WASM_FEATURES (extra features), CG_PKG_OUT (default pkg/),
# CG_WASM_PROFILE (default wasm-release: the browser runtime and the compiler), CG_WASM_SPEED_PROFILE (default
# wasm-speed: the server runtime), CG_NO_WASM_OPT=1 to skip wasm-opt (debugging).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source scripts/setup.sh
setup_main wasm node

name=checkout_guard
profile="${CG_WASM_PROFILE:-wasm-release}"
speed_profile="${CG_WASM_SPEED_PROFILE:-wasm-speed}"
features="${CG_WASM_FEATURES-}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="${CG_PKG_OUT:-$root/pkg}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm_opt="$root/node_modules/.bin/wasm-opt"
rm -rf "$out"
mkdir -p "$out/web" "$out/server" "$out/cjs"

# build_module NAME FEATURES PROFILE ESM_DIR [CJS_DIR]: one wasm module, bound for the web
# (ESM, into ESM_DIR) and, given CJS_DIR, for Node's require (CommonJS).
build_module() {
  local module=$1 feats=$2 prof=$3 esm=$4 cjs=${5:-}
  echo "build-pkg: $module → $esm/${cjs:+ $cjs/}: cargo build (profile $prof, features: ${feats:-none})" >&2
  cargo build --lib --target wasm32-unknown-unknown --profile "$prof" \
    --no-default-features ${feats:+--features "$feats"}
  local wasm="$target_dir/wasm32-unknown-unknown/$prof/$name.wasm"
  [ -f "$wasm" ] || { echo "build-pkg: $wasm was not built" >&2; exit 1; }
  # wasm-bindgen names its output after the input file.
  local work="$tmp/$module-$esm"
  mkdir -p "$work"
  cp "$wasm" "$work/$module.wasm"
  wasm-bindgen --target web --out-dir "$work/$esm" "$work/$module.wasm"
  cp "$work/$esm/$module.js" "$work/$esm/$module.d.ts" "$out/$esm/"
  # The JS modules the wasm imports (src/wasm/order.js), where the glue imports them from.
  mkdir -p "$out/$esm/snippets"
  cp -R "$work/$esm/snippets/." "$out/$esm/snippets/"
  optimize "$work/$esm/${module}_bg.wasm" "$out/$esm/${module}_bg.wasm"
  if [ -n "$cjs" ]; then
    wasm-bindgen --target nodejs --out-dir "$work/$cjs" "$work/$module.wasm"
    # In a "type": "module" package, CommonJS files must end in .cjs.
    cp "$work/$cjs/$module.js" "$out/$cjs/$module.cjs"
    cp "$work/$cjs/$module.d.ts" "$out/$cjs/$module.d.cts"
    commonjs_snippets "$work/$cjs/snippets" "$out/$cjs/snippets"
    # Both targets bind the same module; optimize it once when they do (wasm-opt takes minutes).
    if cmp -s "$work/$cjs/${module}_bg.wasm" "$work/$esm/${module}_bg.wasm"; then
      cp "$out/$esm/${module}_bg.wasm" "$out/$cjs/${module}_bg.wasm"
    else
      optimize "$work/$cjs/${module}_bg.wasm" "$out/$cjs/${module}_bg.wasm"
    fi
  fi
}

# commonjs_snippets IN OUT: the glue for require() require()s the snippets by their .js
# names, which this "type": "module" package would load as ES modules (Node before
# 20.19 cannot); under OUT they are CommonJS: a package.json says so, and each file's one
# `export { … };` line becomes `module.exports = { … };` (src/wasm/order.js keeps to that).
commonjs_snippets() {
  local in=$1 dest=$2 file
  mkdir -p "$dest"
  cp -R "$in/." "$dest/"
  printf '{ "type": "commonjs" }\n' > "$dest/package.json"
  while IFS= read -r -d '' file; do
    sed -i 's/^export { \(.*\) };$/module.exports = { \1 };/' "$file"
    if grep -qE '^(export|import) ' "$file"; then
      echo "build-pkg: $file: an export or import left that CommonJS cannot read" >&2
      exit 1
    fi
  done < <(find "$dest" -name '*.js' -print0)
}

# optimize IN OUT: wasm-opt -Oz for every build. On the speed-tuned build too: measured
# against -O3 there, it was no slower (docs/BENCHMARKS.md, "Two runtime builds").
optimize() {
  if [ "${CG_NO_WASM_OPT:-0}" = 1 ]; then
    cp "$1" "$2"
  else
    "$wasm_opt" -Oz --converge --low-memory-unused "$1" -o "$2"
  fi
}

# The runtime (Engine): what a checkout page loads, size-tuned (downloaded on every
# visit) …
build_module "$name" "$features" "$profile" web
# … and what an edge worker or a Node server loads, speed-tuned (its size matters only
# for deployment).
build_module "$name" "$features" "$speed_profile" server cjs
# The runtime plus compilePolicy/lintPolicy (TOML/CSV readers, snapshot writer): for
# policy editors such as the demo page, as `checkout-guard/compiler`.
build_module "${name}_compiler" "compiler${features:+,$features}" "$profile" web cjs

cp -R pkg-template/. "$out/"
node -e '
  const fs = require("fs");
  const p = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(p, "utf8"));
  pkg.version = process.argv[2];
  fs.writeFileSync(p, JSON.stringify(pkg, null, 2) + "\n");
' "$out/package.json" "$version"

echo "build-pkg: $out (checkout-guard $version)" >&2
for f in "$out"/web/*.wasm "$out"/server/*.wasm "$out"/cjs/*.wasm; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf 'build-pkg: %-28s %8d bytes raw  %8d bytes gzip -9\n' "${f#"$out"/}" "$raw" "$gz" >&2
done
