// Cloudflare Worker: set the WEBHOOK_SECRET secret (`wrangler secret put WEBHOOK_SECRET`); `wrangler deploy`.
// The `workerd` export condition picks the package's Workers build, which imports the .wasm as a module.
import { Webhook, WebhookError } from 'dropship-webhooks-wasm'

export default {
  async fetch(request, env) {
    const webhook = new Webhook(env.WEBHOOK_SECRET)
    try {
      const event = await webhook.verifyRequest(request)
      return Response.json({ received: event.id })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      return Response.json({ error: error.code }, { status: error.status })
    }
  },
}
