// Node, Deno and Bun (import): the module's bytes are read from disk synchronously.
import { readFileSync } from 'node:fs'
import * as glue from './web/dropship_webhooks.js'
import { createApi } from './api.mjs'

glue.initSync({ module: readFileSync(new URL('./web/dropship_webhooks_bg.wasm', import.meta.url)) })
const api = createApi(glue)
export default api
// @api-exports: the build writes `export const { …every name createApi returns… } = api` here.
