#!/usr/bin/env bash
# Builds bindings-wasm/dist: the core compiled to wasm32 with Debian's rustc-web (build-std), wasm-bindgen glue for
# Node (CommonJS) and for the web (ES module with init), wasm-opt -O3 (npm binaryen), and the JS API (api.js, shared
# with the Node package) as CommonJS and ES module. Prints the module's raw and gzip sizes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh wasm

# Speed within the 96 KiB gzip budget: std is rebuilt at the profile's opt-level 3, and a panic (which the library
# never means to raise) traps at once instead of carrying the formatting machinery for a message nobody would see. simd128 (every current engine: V8,
# SpiderMonkey, JavaScriptCore from Safari 16.4) selects sha2's SIMD backend, which is smaller and faster.
RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=+simd128" RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo build \
  --quiet --locked -p dropship-webhooks-wasm --profile wasm --target wasm32-unknown-unknown \
  -Zbuild-std=std,panic_abort --target-dir target/wasm
module=target/wasm/wasm32-unknown-unknown/wasm/dropship_webhooks_wasm.wasm
dist=bindings-wasm/dist
rm -rf "$dist"
wasm-bindgen --target nodejs --out-dir "$dist/node" --out-name dropship_webhooks "$module"
wasm-bindgen --target web --out-dir "$dist/web" --out-name dropship_webhooks "$module"
# The nodejs glue is CommonJS in a .js file, while the package is "type": "module".
echo '{ "type": "commonjs" }' > "$dist/node/package.json"
# -O3: binaryen's speed passes (the module is built for speed); the producers section names the compilers only.
for wasm in "$dist"/node/*.wasm "$dist"/web/*.wasm; do
  bindings-wasm/node_modules/.bin/wasm-opt -O3 --strip-producers "$wasm" -o "$wasm"
done

# One JS layer for both packages: api.js as CommonJS, and as an ES module for workers, Deno and browsers.
cp bindings-js/api.js "$dist/api.cjs"
sed -e "s/^'use strict'$//" -e 's/^module.exports = { createApi }$/export { createApi }/' bindings-js/api.js > "$dist/api.mjs"
# The entries (bindings-wasm/entries): each instantiates the module the way its runtime allows, then exports the
# API; the ES entries' named exports are the names createApi returns, written in by scripts/es_entries.py.
python3 scripts/es_entries.py --dist "$dist"

# The same declarations as the Node package (one API); init.d.ts, the init entry's, is among the entries.
cp bindings-js/index.d.ts bindings-js/events.d.ts "$dist/"

# The Node package's fallback where no native binary matches the platform: the Node (CommonJS) build of the module.
rm -rf bindings-js/wasm
mkdir bindings-js/wasm
cp "$dist"/node/{dropship_webhooks.js,dropship_webhooks_bg.wasm,package.json} bindings-js/wasm/

raw=$(stat -c %s "$dist/web/dropship_webhooks_bg.wasm")
gz=$(gzip -9 -c "$dist/web/dropship_webhooks_bg.wasm" | wc -c)
echo "wasm module: $raw bytes raw, $gz bytes gzip (budget 98304 gzip)"
# The budget is part of the package's promise (edge runtimes and pages download it): growing past it fails the build.
# 96 KiB: edge platforms allow megabytes and a receiver loads the module once, so speed may spend what size saved.
if (( gz > 98304 )); then
  echo "the wasm module is over its 96 KiB gzip budget" >&2
  exit 1
fi
