'use strict'
// Operations per second of this package against what a receiver would otherwise write or install, in one process
// and one run, on the bodies of scripts/bench_bodies.py (three families, four sizes; `make bench-node` writes them
// first). Prints two Markdown tables:
//
// - verify + parse: this package's `verify` (signature, then the typed canonical event), a hand-written node:crypto
//   verifier (headers, tolerance, HMAC, timingSafeEqual, JSON.parse of the body as sent), and the npm packages
//   `standardwebhooks` and `svix`, whose `verify` also checks the signature and returns `JSON.parse` of the body;
// - signature only: `verifySignature` against the hand-written check without JSON.parse, and one raw HMAC-SHA256
//   of the body (the floor for everyone at large sizes);
// - a Webhook built per request (as many receivers write it), then verify + parse;
// - against validators assembled by hand (canonical bodies only, which is all they read): the hand-written check,
//   JSON.parse, then Ajv or zod compiled from the project's schema (bench/peers.js).
//
// DROPSHIP_WEBHOOKS_MODULE measures another build of the same API (`make bench-wasm`: the WebAssembly one).
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { Webhook, generateSecret } = require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const BUILD = process.env.DROPSHIP_WEBHOOKS_MODULE ? 'dropship-webhooks-wasm' : 'dropship-webhooks'
const { Webhook: StandardWebhook } = require('standardwebhooks')
const { Webhook: SvixWebhook } = require('svix')
const { ajvValidator, zodValidator } = require('./peers')

const BODIES = JSON.parse(fs.readFileSync(process.env.BENCH_BODIES ||
  path.join(__dirname, '..', '..', 'target', 'bench', 'bodies.json'), 'utf8'))
const MIN_TIME_MS = Number(process.env.BENCH_MS || 400)

/**
 * What a careful developer writes with node:crypto: headers, tolerance, every v1 entry, timingSafeEqual; then
 * JSON.parse of the body, passed through `validate` when given.
 */
function handRolled(secret, parse, validate = (value) => value) {
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
      if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) {
        return parse ? validate(JSON.parse(body)) : { id, timestamp: Number(timestamp) }
      }
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
    for (let i = 0; i < 20; i++) fn()
    runs += 20
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  }
  return (runs / elapsed) * 1000
}

const label = (size) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`)
const fmt = (n) => (n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0))
const ratio = (a, b) => `${(a / b).toFixed(2)}×`

const verifyRows = []
const signatureRows = []
for (const signatures of [1, 3]) {
  const secrets = Array.from({ length: signatures }, () => generateSecret())
  const sender = new Webhook(secrets)
  const secret = secrets[0]
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const ours = new Webhook(secret)
  const hand = handRolled(secret, true)
  const handSignature = handRolled(secret, false)
  const standard = new StandardWebhook(secret)
  const svix = new SvixWebhook(secret)
  for (const [family, bySize] of Object.entries(BODIES)) {
    for (const [sizeText, text] of Object.entries(bySize)) {
      const size = Number(sizeText)
      const buffer = Buffer.from(text)
      const headers = sender.sign('msg_bench', Math.floor(Date.now() / 1000), buffer)
      const svixHeaders = { 'svix-id': headers['webhook-id'], 'svix-timestamp': headers['webhook-timestamp'],
        'svix-signature': headers['webhook-signature'] }
      // Every contender must accept the same request before it is timed.
      ours.verify(buffer, headers)
      hand(buffer, headers)
      standard.verify(text, headers)
      svix.verify(text, svixHeaders)
      verifyRows.push({
        family, size, signatures,
        ours: opsPerSecond(() => ours.verify(buffer, headers)),
        hand: opsPerSecond(() => hand(buffer, headers)),
        standardwebhooks: opsPerSecond(() => standard.verify(text, headers)),
        svix: opsPerSecond(() => svix.verify(text, svixHeaders)),
      })
      if (family === 'canonical') {
        signatureRows.push({
          size, signatures,
          ours: opsPerSecond(() => ours.verifySignature(buffer, headers)),
          hand: opsPerSecond(() => handSignature(buffer, headers)),
          hmac: opsPerSecond(() => crypto.createHmac('sha256', key).update(buffer).digest()),
        })
      }
    }
  }
}

// Receivers often build the verifier inside the handler, from the secret in their config, on every request.
const perRequestRows = []
{
  const secret = generateSecret()
  for (const [sizeText, text] of Object.entries(BODIES.canonical)) {
    const size = Number(sizeText)
    if (size > 16 * 1024) continue
    const buffer = Buffer.from(text)
    const headers = new Webhook(secret).sign('msg_bench', Math.floor(Date.now() / 1000), buffer)
    perRequestRows.push({
      size,
      ours: opsPerSecond(() => new Webhook(secret).verify(buffer, headers)),
      hand: opsPerSecond(() => handRolled(secret, true)(buffer, headers)),
      standardwebhooks: opsPerSecond(() => new StandardWebhook(secret).verify(text, headers)),
    })
  }
}

const peerRows = []
{
  const secret = generateSecret()
  const ours = new Webhook(secret)
  const peers = {
    hand: handRolled(secret, true),
    ajv: handRolled(secret, true, ajvValidator()),
    zod: handRolled(secret, true, zodValidator()),
  }
  for (const [sizeText, text] of Object.entries(BODIES.canonical)) {
    const buffer = Buffer.from(text)
    const headers = ours.sign('msg_bench', Math.floor(Date.now() / 1000), buffer)
    const row = { size: Number(sizeText), ours: opsPerSecond(() => ours.verify(buffer, headers)) }
    for (const [name, peer] of Object.entries(peers)) {
      peer(buffer, headers) // accepted before it is timed
      row[name] = opsPerSecond(() => peer(buffer, headers))
    }
    peerRows.push(row)
  }
}

console.log(`verify + parse, operations per second (Node ${process.version}, ${MIN_TIME_MS} ms per cell)\n`)
console.log(`| family | body | signatures | ${BUILD} | node:crypto by hand | standardwebhooks | svix | vs hand | vs standardwebhooks | vs svix |`)
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const row of verifyRows) {
  console.log(`| ${row.family} | ${label(row.size)} | ${row.signatures} | ${fmt(row.ours)} | ${fmt(row.hand)} | ` +
    `${fmt(row.standardwebhooks)} | ${fmt(row.svix)} | ${ratio(row.ours, row.hand)} | ` +
    `${ratio(row.ours, row.standardwebhooks)} | ${ratio(row.ours, row.svix)} |`)
}
console.log(`\nsignature only, operations per second (canonical bodies; Node ${process.version})\n`)
console.log(`| body | signatures | ${BUILD} verifySignature | node:crypto by hand | one raw HMAC-SHA256 | vs hand | vs raw HMAC |`)
console.log('|---:|---:|---:|---:|---:|---:|---:|')
for (const row of signatureRows) {
  console.log(`| ${label(row.size)} | ${row.signatures} | ${fmt(row.ours)} | ${fmt(row.hand)} | ${fmt(row.hmac)} | ` +
    `${ratio(row.ours, row.hand)} | ${ratio(row.ours, row.hmac)} |`)
}
console.log(`\na Webhook built per request, then verify + parse (canonical bodies, 1 signature; Node ${process.version})\n`)
console.log(`| body | ${BUILD} | node:crypto by hand | standardwebhooks | vs hand | vs standardwebhooks |`)
console.log('|---:|---:|---:|---:|---:|---:|')
for (const row of perRequestRows) {
  console.log(`| ${label(row.size)} | ${fmt(row.ours)} | ${fmt(row.hand)} | ${fmt(row.standardwebhooks)} | ` +
    `${ratio(row.ours, row.hand)} | ${ratio(row.ours, row.standardwebhooks)} |`)
}
const version = (name) => require(`${name}/package.json`).version
console.log(`\nagainst validators assembled by hand: the node:crypto check, JSON.parse, then Ajv ${version('ajv')} or ` +
  `zod ${version('zod')} compiled from the project's schema (canonical bodies, 1 signature; Node ${process.version})\n`)
console.log(`| body | ${BUILD} | by hand + JSON.parse | + Ajv | + zod | vs JSON.parse | vs Ajv | vs zod |`)
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const row of peerRows) {
  console.log(`| ${label(row.size)} | ${fmt(row.ours)} | ${fmt(row.hand)} | ${fmt(row.ajv)} | ${fmt(row.zod)} | ` +
    `${ratio(row.ours, row.hand)} | ${ratio(row.ours, row.ajv)} | ${ratio(row.ours, row.zod)} |`)
}
