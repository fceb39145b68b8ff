// Hono (Node, Bun, Deno or Workers): `export default app` where your runtime expects it.
import { Hono } from 'hono'
import { Webhook, WebhookError } from 'dropship-webhooks'

export function createApp(secret = process.env.WEBHOOK_SECRET) {
  const webhook = new Webhook(secret)
  const app = new Hono()
  app.post('/webhooks', async (c) => {
    try {
      const event = await webhook.verifyRequest(c.req.raw)
      return c.json({ received: event.id })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      return c.json({ error: error.code }, error.status)
    }
  })
  return app
}
