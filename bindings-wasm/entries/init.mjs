// Any other host: pass a WebAssembly.Module, the .wasm bytes, a Response or a URL; get the API back.
import init, * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

export async function initDropshipWebhooks(moduleOrPath) {
  await init({ module_or_path: moduleOrPath })
  return createApi(glue)
}
export default initDropshipWebhooks
