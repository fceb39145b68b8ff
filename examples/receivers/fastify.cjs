// Fastify: `WEBHOOK_SECRET=whsec_… PORT=3000 node fastify.cjs`
const Fastify = require('fastify')
const { Webhook } = require('dropship-webhooks')

function createApp(secret = process.env.WEBHOOK_SECRET) {
  const webhook = new Webhook(secret)
  const app = Fastify()
  // The plugin parses its routes' bodies as raw bytes; the rest of the app keeps its JSON parser.
  app.register(
    webhook.fastify(async (event) => {
      if (event.topic === 'product.inventoryChanged') console.log('stock changed', event.data.id)
      return { received: event.id }
    }),
    { prefix: '/webhooks' },
  )
  return app
}

module.exports = { createApp }
if (require.main === module) createApp().listen({ port: Number(process.env.PORT ?? 3000) })
