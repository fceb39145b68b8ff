'use strict'
// dropship-webhooks for Node.js: the JS API (api.js) over the native addon (native.cjs) where a binary for this
// platform ships, and otherwise over the WebAssembly build of the same core (wasm/), with the same API and error
// codes. `backend` says which one loaded; DROPSHIP_WEBHOOKS_BACKEND=wasm (or =native, which then fails loudly
// rather than fall back) chooses. Nothing is downloaded at run time.
function load() {
  const asked = process.env.DROPSHIP_WEBHOOKS_BACKEND
  if (asked !== undefined && asked !== '' && asked !== 'native' && asked !== 'wasm') {
    throw new Error(`DROPSHIP_WEBHOOKS_BACKEND must be "native" or "wasm", not ${JSON.stringify(asked)}`)
  }
  if (asked !== 'wasm') {
    try {
      return require('./native.cjs')
    } catch (error) {
      if (asked === 'native') throw error
    }
  }
  return require('./wasm/dropship_webhooks.js')
}

module.exports = require('./api.js').createApi(load())
