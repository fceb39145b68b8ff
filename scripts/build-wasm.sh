#!/usr/bin/env bash
# Builds bindings-wasm/dist: the core compiled to wasm32 with Debian's rustc-web (build-std), wasm-bindgen glue for
# Node (CommonJS) and for the web (ES module with init), wasm-opt -Oz (npm binaryen), and the JS API (api.js, shared
# with the Node package) as CommonJS and ES module. Prints the module's raw and gzip sizes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh wasm

# Size: std is rebuilt optimized for size, and a panic (which the library never means to raise) traps at once
# instead of carrying the formatting machinery for a message nobody would see. simd128 (every current engine: V8,
# SpiderMonkey, JavaScriptCore from Safari 16.4) selects sha2's SIMD backend, which is smaller and faster.
RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=+simd128" RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo build \
  --quiet --locked -p dropship-webhooks-wasm --profile wasm --target wasm32-unknown-unknown \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size --target-dir target/wasm
module=target/wasm/wasm32-unknown-unknown/wasm/dropship_webhooks_wasm.wasm
dist=bindings-wasm/dist
rm -rf "$dist"
wasm-bindgen --target nodejs --out-dir "$dist/node" --out-name dropship_webhooks "$module"
wasm-bindgen --target web --out-dir "$dist/web" --out-name dropship_webhooks "$module"
# The nodejs glue is CommonJS in a .js file, while the package is "type": "module".
echo '{ "type": "commonjs" }' > "$dist/node/package.json"
# --converge repeats -Oz while it still shrinks the module; the producers section names the compilers only.
for wasm in "$dist"/node/*.wasm "$dist"/web/*.wasm; do
  bindings-wasm/node_modules/.bin/wasm-opt -Oz --converge --strip-producers "$wasm" -o "$wasm"
done

# One JS layer for both packages: api.js as CommonJS, and as an ES module for workers, Deno and browsers.
cp bindings-js/api.js "$dist/api.cjs"
sed -e "s/^'use strict'$//" -e 's/^module.exports = { createApi }$/export { createApi }/' bindings-js/api.js > "$dist/api.mjs"
cat > "$dist/node.cjs" <<'JS'
'use strict'
// dropship-webhooks-wasm in Node and Bun (require): the JS API over the WebAssembly module, loaded synchronously.
module.exports = require('./api.cjs').createApi(require('./node/dropship_webhooks.js'))
JS
# The ES-module entries: each instantiates the module the way its runtime allows, then exports the same API.
exports='export const { Webhook, WebhookError, WebhookVerificationError, WebhookPayloadError, generateSecret, parseEvent, topics, retrySchedule, nextRetryDelay, retryAfterDelay, health, rateLimitCheck, burstAllows, validateEndpoint, DEFAULT_TOLERANCE_SECONDS, DEFAULT_FAILURE_WINDOW_SECONDS } = api
export default api'
cat > "$dist/workerd.mjs" <<JS
// Cloudflare Workers (workerd): a .wasm import is a WebAssembly.Module, so instantiation is synchronous.
import wasmModule from './web/dropship_webhooks_bg.wasm'
import * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

glue.initSync({ module: wasmModule })
const api = createApi(glue)
$exports
JS
cat > "$dist/node.mjs" <<JS
// Node, Deno and Bun (import): the module's bytes are read from disk synchronously.
import { readFileSync } from 'node:fs'
import * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

glue.initSync({ module: readFileSync(new URL('./web/dropship_webhooks_bg.wasm', import.meta.url)) })
const api = createApi(glue)
$exports
JS
cat > "$dist/browser.mjs" <<JS
// Browsers: the module is fetched next to this file (top-level await), then the API is ready.
import init from './web/dropship_webhooks.js'
import * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

await init({ module_or_path: new URL('./web/dropship_webhooks_bg.wasm', import.meta.url) })
const api = createApi(glue)
$exports
JS
cat > "$dist/init.mjs" <<'JS'
// Any other host: pass a WebAssembly.Module, the .wasm bytes, a Response or a URL; get the API back.
import init, * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

export async function initDropshipWebhooks(moduleOrPath) {
  await init({ module_or_path: moduleOrPath })
  return createApi(glue)
}
export default initDropshipWebhooks
JS

# The same declarations as the Node package (one API), plus the init entry's.
cp bindings-js/index.d.ts bindings-js/events.d.ts "$dist/"
cat > "$dist/init.d.ts" <<'TS'
import type * as api from './index'
/** Instantiates the module from a WebAssembly.Module, its bytes, a Response or a URL, and returns the API. */
export function initDropshipWebhooks(moduleOrPath: WebAssembly.Module | BufferSource | Response | URL | string): Promise<typeof api>
export default initDropshipWebhooks
TS

raw=$(stat -c %s "$dist/web/dropship_webhooks_bg.wasm")
gz=$(gzip -9 -c "$dist/web/dropship_webhooks_bg.wasm" | wc -c)
echo "wasm module: $raw bytes raw, $gz bytes gzip (budget 61440 gzip)"
# The budget is part of the package's promise (edge runtimes and pages download it): growing past it fails the build.
if (( gz > 61440 )); then
  echo "the wasm module is over its 60 KiB gzip budget" >&2
  exit 1
fi
