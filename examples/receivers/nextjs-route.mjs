// Next.js App Router: save as app/api/webhooks/route.js (the handler receives a standard Request).
import { Webhook, WebhookError } from 'dropship-webhooks'

const webhook = new Webhook(process.env.WEBHOOK_SECRET)

export async function POST(request) {
  try {
    const event = await webhook.verifyRequest(request)
    if (event.topic === 'order.cancelled') console.log('cancelled', event.data.id)
    return Response.json({ received: event.id })
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error
    return Response.json({ error: error.code }, { status: error.status })
  }
}
