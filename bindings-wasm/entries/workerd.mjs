// Cloudflare Workers (workerd): a .wasm import is a WebAssembly.Module, so instantiation is synchronous.
import wasmModule from './web/dropship_webhooks_bg.wasm'
import * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

glue.initSync({ module: wasmModule })
const api = createApi(glue)
export default api
// @api-exports: the build writes `export const { …every name createApi returns… } = api` here.
