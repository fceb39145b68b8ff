// The wrapper's fast paths against the plain ones, on both builds (DROPSHIP_WEBHOOKS_MODULE selects the WebAssembly
// one): a body that already is its canonical event comes back parsed from the body itself, a string body is the
// text its UTF-8 bytes say (lone surrogates become U+FFFD, as in the bytes that were verified), and headers that
// are not a lowercase plain object take the listed path with the same result.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const { Webhook, WebhookVerificationError, generateSecret } =
  createRequire(import.meta.url)(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const webhook = new Webhook(generateSecret())
const now = 1795341600
const canonical = '{"id":"evt_1","topic":"order.created","createdAt":"2026-11-22T10:00:00Z","data":{"id":"ord_1","status":"open"}}'

it('a body already in canonical form reads as itself, from bytes and from a string', () => {
  for (const body of [Buffer.from(canonical), new TextEncoder().encode(canonical), canonical]) {
    const headers = webhook.sign('msg_1', now, body)
    assert.deepEqual(webhook.verify(body, headers, { now }), JSON.parse(canonical))
  }
})

it('a body in another form reads as its canonical event', () => {
  const body = '{ "type": "order.created", "_id": 7, "data": {"status": null, "_id": 1001} }'
  const headers = webhook.sign('msg_1', now, body)
  assert.deepEqual(webhook.verify(Buffer.from(body), headers, { now }),
    { id: '7', topic: 'order.created', data: { id: '1001' } })
})

it('a string body is read as the UTF-8 bytes it was verified as (a lone surrogate is U+FFFD)', () => {
  const body = '{"id":"evt_1","topic":"invoice.paid","data":{"note":"\ud800"}}'
  const headers = webhook.sign('msg_1', now, body)
  const event = webhook.verify(body, headers, { now })
  assert.equal(event.data.note, '\ufffd')
  assert.deepEqual(event, webhook.verify(Buffer.from(body), headers, { now }))
})

it('headers in other cases, as arrays, as a Map or a Headers object verify alike', () => {
  const body = Buffer.from(canonical)
  const headers = webhook.sign('msg_1', now, body)
  const shouting = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]))
  const arrays = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value, 'ignored']]))
  const expected = webhook.verify(body, headers, { now })
  for (const variant of [shouting, arrays, new Map(Object.entries(headers)), new Headers(headers)]) {
    assert.deepEqual(webhook.verify(body, variant, { now }), expected)
    assert.equal(webhook.verifySignature(body, variant, { now }).id, 'msg_1')
  }
  const { 'WEBHOOK-SIGNATURE': _, ...unsigned } = shouting
  assert.throws(() => webhook.verify(body, unsigned, { now }),
    (error) => error instanceof WebhookVerificationError && error.code === 'missing_header')
})
