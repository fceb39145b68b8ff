'use strict'
// dropship-webhooks-wasm in Node and Bun (require): the JS API over the WebAssembly module, loaded synchronously.
module.exports = require('./api.cjs').createApi(require('./node/dropship_webhooks.js'))
