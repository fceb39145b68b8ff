// A Cloudflare Worker that verifies webhooks with the package's workerd entry: 200 with the topic, or 401 with the code.
import { Webhook, WebhookError } from '../dist/workerd.mjs'

export default {
  async fetch(request, env) {
    const webhook = new Webhook(env.WEBHOOK_SECRET)
    try {
      const event = await webhook.verifyRequest(request)
      return Response.json({ topic: event.topic, id: event.data.id })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      return Response.json({ error: error.code }, { status: error.status })
    }
  },
}
