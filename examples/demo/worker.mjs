// The demo's edge receiver: a Cloudflare Worker (run on workerd by miniflare) that verifies with the installed
// `dropship-webhooks-wasm` package. The demo copies this file next to the package's installed folder.
// State lives in module scope: one isolate serves every request here.
import { Webhook, WebhookError } from './node_modules/dropship-webhooks-wasm/dist/workerd.mjs'

const stats = { received: 0, verified: 0, rejected: 0, failedOnPurpose: 0, codes: {} }
const eventIds = new Set()
let webhook = null
let failUntil = 0

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/_demo/config' && request.method === 'PUT') {
      const config = await request.json()
      webhook = new Webhook(config.secrets)
      failUntil = Date.now() + (config.failForSeconds ?? 0) * 1000
      return Response.json({ ok: true })
    }
    if (pathname === '/_demo/stats') return Response.json({ ...stats, eventIds: [...eventIds] })
    if (pathname !== '/webhooks' || request.method !== 'POST') return new Response('not found', { status: 404 })
    stats.received += 1
    if (Date.now() < failUntil) {
      stats.failedOnPurpose += 1
      return Response.json({ error: 'warming up' }, { status: 503 })
    }
    try {
      const event = await webhook.verifyRequest(request)
      stats.verified += 1
      eventIds.add(event.id)
      return new Response(null, { status: 204 })
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      stats.rejected += 1
      stats.codes[error.code] = (stats.codes[error.code] ?? 0) + 1
      return Response.json({ error: error.code }, { status: error.status })
    }
  },
}
