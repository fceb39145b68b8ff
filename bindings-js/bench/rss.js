'use strict'
// Memory over one million `verify` calls: the process's resident set after it settled (the first 100,000 calls) and
// at the end. Bodies alternate between the canonical and the platform 1 KiB bodies of scripts/bench_bodies.py, and
// every tenth request is tampered with, so the error path runs too. `make bench-rss` runs it for the native addon
// and (DROPSHIP_WEBHOOKS_MODULE) the WebAssembly build; it prints one Markdown table row.
const fs = require('node:fs')
const path = require('node:path')
const { Webhook, WebhookError, generateSecret } = require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const BUILD = process.env.DROPSHIP_WEBHOOKS_MODULE ? 'dropship-webhooks-wasm (Node)' : 'dropship-webhooks (Node addon)'
const CALLS = Number(process.env.RSS_CALLS || 1_000_000)
const SETTLE = CALLS / 10

const bodies = JSON.parse(fs.readFileSync(process.env.BENCH_BODIES ||
  path.join(__dirname, '..', '..', 'target', 'bench', 'bodies.json'), 'utf8'))
const webhook = new Webhook(generateSecret())
const now = Math.floor(Date.now() / 1000)
const requests = ['canonical', 'platform'].map((family) => {
  const body = Buffer.from(bodies[family]['1024'])
  return { body, headers: webhook.sign('msg_rss', now, body) }
})
const tampered = { body: Buffer.from(bodies.canonical['1024'].replace('open', 'shut')), headers: requests[0].headers }

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1)
let settled = 0
let errors = 0
for (let call = 1; call <= CALLS; call++) {
  const request = call % 10 === 0 ? tampered : requests[call % 2]
  try {
    webhook.verify(request.body, request.headers, { now })
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error
    errors++
  }
  if (call === SETTLE) {
    globalThis.gc?.()
    settled = process.memoryUsage().rss
  }
}
globalThis.gc?.()
const end = process.memoryUsage().rss
if (errors !== CALLS / 10) throw new Error(`expected ${CALLS / 10} refusals, got ${errors}`)
console.log(`| ${BUILD} | ${CALLS.toLocaleString('en')} | ${mib(settled)} MiB | ${mib(end)} MiB | ${mib(end - settled)} MiB |`)
