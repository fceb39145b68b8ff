// Browsers: the module is fetched next to this file (top-level await), then the API is ready.
import init from './web/dropship_webhooks.js'
import * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

await init({ module_or_path: new URL('./web/dropship_webhooks_bg.wasm', import.meta.url) })
const api = createApi(glue)
export default api
// @api-exports: the build writes `export const { …every name createApi returns… } = api` here.
