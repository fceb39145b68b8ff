// Express: `WEBHOOK_SECRET=whsec_… PORT=3000 node express.cjs`
const express = require('express')
const { Webhook } = require('dropship-webhooks')

function createApp(secret = process.env.WEBHOOK_SECRET) {
  const webhook = new Webhook(secret)
  const app = express()
  // No JSON parser on this route: the middleware needs the raw body. It answers 401/400 with the error code itself.
  app.post('/webhooks', webhook.express(), (req, res) => {
    const event = req.webhook
    if (event.topic === 'order.created') console.log('new order', event.data.purchaseOrderNumber)
    res.status(200).json({ received: event.id })
  })
  return app
}

module.exports = { createApp }
if (require.main === module) createApp().listen(Number(process.env.PORT ?? 3000))
