// The demo's Node receiver: an Express app that verifies with the installed `dropship-webhooks` package (the packed
// tarball, not the source tree). `PUT /_demo/config` sets its secrets and how long it fails on purpose;
// `GET /_demo/stats` reports what it saw.
const express = require('express')
const { Webhook, WebhookError, backend } = require('dropship-webhooks')

const port = Number(process.argv[2])
const stats = { received: 0, verified: 0, rejected: 0, failedOnPurpose: 0, eventIds: new Set(), codes: {} }
let webhook = null
let failUntil = 0

const app = express()
app.put('/_demo/config', express.json(), (req, res) => {
  webhook = new Webhook(req.body.secrets)
  failUntil = Date.now() + (req.body.failForSeconds ?? 0) * 1000
  res.json({ ok: true })
})
app.get('/_demo/stats', (req, res) => res.json({ ...stats, eventIds: [...stats.eventIds], backend }))
// Raw bytes: the signature covers the body exactly as sent.
app.post('/webhooks', express.raw({ type: '*/*' }), (req, res) => {
  stats.received += 1
  if (Date.now() < failUntil) {
    stats.failedOnPurpose += 1
    return res.status(503).json({ error: 'warming up' })
  }
  try {
    const event = webhook.verify(req.body, req.headers)
    stats.verified += 1
    stats.eventIds.add(event.id)
    res.sendStatus(204)
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error
    stats.rejected += 1
    stats.codes[error.code] = (stats.codes[error.code] ?? 0) + 1
    res.status(error.status).json({ error: error.code })
  }
})
app.listen(port, '127.0.0.1', () => console.log(`express receiver on http://127.0.0.1:${port}`))
