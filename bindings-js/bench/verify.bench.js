'use strict'
// verify + parse per second: this package, a hand-rolled node:crypto verifier, and the npm packages
// `standardwebhooks` and `svix`, side by side in one run. `make bench-node` runs it; it prints a Markdown table.
// DROPSHIP_WEBHOOKS_MODULE measures another build of the same API instead (`make bench-wasm`: the WebAssembly one).
const crypto = require('node:crypto')
const { Webhook, generateSecret } = require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const BUILD = process.env.DROPSHIP_WEBHOOKS_MODULE ? 'dropship-webhooks-wasm' : 'dropship-webhooks'
const { Webhook: StandardWebhook } = require('standardwebhooks')
const { Webhook: SvixWebhook } = require('svix')

const SIZES = [256, 1024, 16 * 1024, 256 * 1024]
const MIN_TIME_MS = Number(process.env.BENCH_MS || 400)

/** An order.created event of exactly `size` bytes. */
function eventBody(size) {
  const line = { id: 'oli_1', variantId: 'var_mug_blue', sku: 'AOC-MUG-BLU', quantity: 2, retailPrice: '24.00' }
  const event = { id: 'evt_bench', topic: 'order.created', createdAt: '2026-11-22T10:00:00Z',
    data: { id: 'ord_1', status: 'open', currency: 'USD', lines: [], attributes: { note: '' } } }
  while (JSON.stringify(event).length + 120 < size) event.data.lines.push({ ...line, id: `oli_${event.data.lines.length}` })
  event.data.attributes.note = 'x'.repeat(size - JSON.stringify(event).length)
  const text = JSON.stringify(event)
  if (Buffer.byteLength(text) !== size) throw new Error(`body is ${text.length} bytes, not ${size}`)
  return text
}

/** What a careful developer writes with node:crypto: headers, tolerance, every v1 entry, timingSafeEqual, JSON. */
function handRolled(secret) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  return (body, headers) => {
    const id = headers['webhook-id']
    const timestamp = headers['webhook-timestamp']
    const signatures = headers['webhook-signature']
    if (!id || !timestamp || !signatures) throw new Error('missing header')
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > 300) throw new Error('timestamp')
    const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest()
    for (const entry of signatures.split(' ')) {
      const [version, signature] = entry.split(',')
      if (version !== 'v1') continue
      const given = Buffer.from(signature, 'base64')
      if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return JSON.parse(body)
    }
    throw new Error('no matching signature')
  }
}

function opsPerSecond(fn) {
  for (let i = 0; i < 200; i++) fn() // warm up
  let runs = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < MIN_TIME_MS) {
    for (let i = 0; i < 50; i++) fn()
    runs += 50
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  }
  return (runs / elapsed) * 1000
}

function label(size) {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`
}

const rows = []
for (const signatures of [1, 3]) {
  const secrets = Array.from({ length: signatures }, () => generateSecret())
  const sender = new Webhook(secrets)
  const receiverSecret = secrets[0]
  const ours = new Webhook(receiverSecret)
  const hand = handRolled(receiverSecret)
  const standard = new StandardWebhook(receiverSecret)
  const svix = new SvixWebhook(receiverSecret)
  for (const size of SIZES) {
    const text = eventBody(size)
    const buffer = Buffer.from(text)
    const headers = sender.sign('msg_bench', Math.floor(Date.now() / 1000), text)
    const svixHeaders = { 'svix-id': headers['webhook-id'], 'svix-timestamp': headers['webhook-timestamp'],
      'svix-signature': headers['webhook-signature'] }
    // Every contender must accept the same request before it is timed.
    ours.verify(buffer, headers)
    hand(buffer, headers)
    standard.verify(text, headers)
    svix.verify(text, svixHeaders)
    const results = {
      ours: opsPerSecond(() => ours.verify(buffer, headers)),
      hand: opsPerSecond(() => hand(buffer, headers)),
      standardwebhooks: opsPerSecond(() => standard.verify(text, headers)),
      svix: opsPerSecond(() => svix.verify(text, svixHeaders)),
    }
    rows.push({ size, signatures, ...results })
  }
}

const fmt = (n) => (n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0))
console.log(`verify + parse, operations per second (Node ${process.version}, ${MIN_TIME_MS} ms per cell)\n`)
console.log(`| body | signatures | ${BUILD} | node:crypto by hand | standardwebhooks | svix | vs hand | vs standardwebhooks | vs svix |`)
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const row of rows) {
  console.log(`| ${label(row.size)} | ${row.signatures} | ${fmt(row.ours)} | ${fmt(row.hand)} | ${fmt(row.standardwebhooks)} | ${fmt(row.svix)} | ` +
    `${(row.ours / row.hand).toFixed(2)}× | ${(row.ours / row.standardwebhooks).toFixed(2)}× | ${(row.ours / row.svix).toFixed(2)}× |`)
}
