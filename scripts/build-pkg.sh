#!/usr/bin/env bash
# Builds the npm package `checkout-guard` into pkg/ (gitignored), from a fresh clone:
#
#   1. cargo build --lib --target wasm32-unknown-unknown --profile wasm-release, twice:
#      the runtime (no CLI or compiler dependencies) → `checkout-guard`, and with the
#      `compiler` feature (compilePolicy/lintPolicy) → `checkout-guard/compiler`
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
# CG_WASM_PROFILE (default wasm-release), CG_NO_WASM_OPT=1 to skip wasm-opt (debugging).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source scripts/setup.sh
setup_main wasm node

name=checkout_guard
profile="${CG_WASM_PROFILE:-wasm-release}"
features="${CG_WASM_FEATURES-}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="${CG_PKG_OUT:-$root/pkg}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm_opt="$root/node_modules/.bin/wasm-opt"
rm -rf "$out"
mkdir -p "$out/web" "$out/cjs"

# build_module NAME FEATURES: one wasm module, bound for the web (ESM) and Node (CJS).
build_module() {
  local module=$1 feats=$2
  echo "build-pkg: $module: cargo build (profile $profile, features: ${feats:-none})" >&2
  cargo build --lib --target wasm32-unknown-unknown --profile "$profile" \
    --no-default-features ${feats:+--features "$feats"}
  local wasm="$target_dir/wasm32-unknown-unknown/$profile/$name.wasm"
  [ -f "$wasm" ] || { echo "build-pkg: $wasm was not built" >&2; exit 1; }
  # wasm-bindgen names its output after the input file.
  mkdir -p "$tmp/$module"
  cp "$wasm" "$tmp/$module/$module.wasm"
  wasm-bindgen --target web --out-dir "$tmp/$module/web" "$tmp/$module/$module.wasm"
  wasm-bindgen --target nodejs --out-dir "$tmp/$module/cjs" "$tmp/$module/$module.wasm"
  cp "$tmp/$module/web/$module.js" "$tmp/$module/web/$module.d.ts" "$out/web/"
  # In a "type": "module" package, CommonJS files must end in .cjs.
  cp "$tmp/$module/cjs/$module.js" "$out/cjs/$module.cjs"
  cp "$tmp/$module/cjs/$module.d.ts" "$out/cjs/$module.d.cts"
  for dir in web cjs; do
    if [ "${CG_NO_WASM_OPT:-0}" = 1 ]; then
      cp "$tmp/$module/$dir/${module}_bg.wasm" "$out/$dir/${module}_bg.wasm"
    else
      "$wasm_opt" -Oz --converge --low-memory-unused "$tmp/$module/$dir/${module}_bg.wasm" -o "$out/$dir/${module}_bg.wasm"
    fi
  done
}

# The runtime (Engine, Backtest): what a checkout page and an edge worker load.
build_module "$name" "$features"
# The runtime plus compilePolicy/lintPolicy (TOML/CSV readers, snapshot writer): for
# policy editors such as the demo page, as `checkout-guard/compiler`.
build_module "${name}_compiler" "compiler${features:+,$features}"

cp -R pkg-template/. "$out/"
node -e '
  const fs = require("fs");
  const p = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(p, "utf8"));
  pkg.version = process.argv[2];
  fs.writeFileSync(p, JSON.stringify(pkg, null, 2) + "\n");
' "$out/package.json" "$version"

echo "build-pkg: $out (checkout-guard $version)" >&2
for f in "$out"/web/*.wasm "$out"/cjs/*.wasm; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf 'build-pkg: %-28s %8d bytes raw  %8d bytes gzip -9\n' "${f#"$out"/}" "$raw" "$gz" >&2
done
