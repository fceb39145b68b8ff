// Where a verification's time goes, stage by stage, for one build of the package: `verify` (headers, HMAC, walk,
// host parse), `verifySignature` (headers and HMAC), `parseEvent` (the walk and the host's parse of its answer) and
// `JSON.parse` of the body alone, on the bodies of scripts/bench_bodies.py. Prints µs per call.
//   node bindings-js/bench/stages.mjs [module]   (default: the native package; bindings-wasm/dist/node.mjs for wasm)
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const target = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'bindings-js', 'index.mjs')
const loaded = await import(target)
const { Webhook, generateSecret, parseEvent } = loaded.default ?? loaded
const bodies = JSON.parse(readFileSync(process.env.BENCH_BODIES || path.join(root, 'target', 'bench', 'bodies.json'), 'utf8'))
const webhook = new Webhook(generateSecret())
const now = Math.floor(Date.now() / 1000)

/** Calls per second of `fn` over `ms` milliseconds. */
function rate(fn, ms = 400) {
  let n = 0
  const end = performance.now() + ms
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn()
    n += 20
  }
  return (n / ms) * 1000
}

const micros = (perSecond) => (1e6 / perSecond).toFixed(1)
console.log('| family | body | verify | verifySignature | parseEvent | JSON.parse(body) |')
console.log('|---|---:|---:|---:|---:|---:|')
for (const family of ['canonical', 'platform']) {
  for (const size of ['1024', '16384']) {
    const body = Buffer.from(bodies[family][size])
    const headers = webhook.sign('msg_stages', now, body)
    rate(() => webhook.verify(body, headers), 200)
    const cells = [
      rate(() => webhook.verify(body, headers)),
      rate(() => webhook.verifySignature(body, headers)),
      rate(() => parseEvent(body)),
      rate(() => JSON.parse(body.toString())),
    ].map(micros)
    console.log(`| ${family} | ${size} B | ${cells.join(' µs | ')} µs |`)
  }
}
