'use strict'
// dropship-webhooks for Node.js: the JS API (api.js) over the native addon (native.cjs).
module.exports = require('./api.js').createApi(require('./native.cjs'))
