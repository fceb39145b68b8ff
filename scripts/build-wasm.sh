#!/usr/bin/env bash
# Builds bindings-wasm/dist: the core compiled to wasm32 with Debian's rustc-web (build-std), wasm-bindgen glue for
# Node (CommonJS) and for the web (ES module with init), wasm-opt -Oz (npm binaryen), and the JS API (api.js, shared
# with the Node package) as CommonJS and ES module. Prints the module's raw and gzip sizes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh wasm

RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo build --quiet --locked -p dropship-webhooks-wasm --profile wasm \
  --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort --target-dir target/wasm
module=target/wasm/wasm32-unknown-unknown/wasm/dropship_webhooks_wasm.wasm
dist=bindings-wasm/dist
rm -rf "$dist"
wasm-bindgen --target nodejs --out-dir "$dist/node" --out-name dropship_webhooks "$module"
wasm-bindgen --target web --out-dir "$dist/web" --out-name dropship_webhooks "$module"
for wasm in "$dist"/node/*.wasm "$dist"/web/*.wasm; do
  bindings-wasm/node_modules/.bin/wasm-opt -Oz "$wasm" -o "$wasm"
done

# One JS layer for both packages: api.js as CommonJS, and as an ES module for workers, Deno and browsers.
cp bindings-js/api.js "$dist/api.cjs"
sed -e "s/^'use strict'$//" -e 's/^module.exports = { createApi }$/export { createApi }/' bindings-js/api.js > "$dist/api.mjs"
cat > "$dist/node.cjs" <<'JS'
'use strict'
// dropship-webhooks-wasm in Node: the JS API over the WebAssembly module (loaded synchronously).
module.exports = require('./api.cjs').createApi(require('./node/dropship_webhooks.js'))
JS

raw=$(stat -c %s "$dist/web/dropship_webhooks_bg.wasm")
gz=$(gzip -9 -c "$dist/web/dropship_webhooks_bg.wasm" | wc -c)
echo "wasm module: $raw bytes raw, $gz bytes gzip (budget 61440 gzip)"
