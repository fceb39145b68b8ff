// The WebAssembly package in a real Worker (workerd, through miniflare): verify + parse per second for this package,
// a hand-written Worker verifier (crypto.subtle HMAC, JSON.parse) and the npm package `standardwebhooks` (pure-JS
// SHA-256, JSON.parse), on the canonical bodies of scripts/bench_bodies.py. A Worker's clock stands still during CPU
// work, so each request runs n verifications and is timed from outside, less the time of an empty request. Runs
// twice: with the `nodejs_compat` flag (the package then uses node:crypto's HMAC) and without (`verify` then uses
// its own SHA-256, `verifyAsync` crypto.subtle's HMAC).
// `make bench-worker` runs it; it prints a Markdown table.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { Miniflare } from 'miniflare'
import { Webhook, generateSecret } from '../dist/node.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const BODIES = JSON.parse(readFileSync(process.env.BENCH_BODIES || path.join(root, 'target', 'bench', 'bodies.json'), 'utf8'))
const SIZES = ['1024', '16384']
const TARGET_MS = Number(process.env.BENCH_MS || 400)

const secret = generateSecret()
const sender = new Webhook(secret)
const now = Math.floor(Date.now() / 1000)
const CASES = Object.fromEntries(SIZES.map((size) => {
  const text = BODIES.canonical[size]
  return [size, { text, headers: sender.sign('msg_bench', now, text) }]
}))

const modulePath = (relative) => path.join(root, relative)
const standardwebhooks = 'bindings-js/node_modules/standardwebhooks/dist/'
function worker(flags) {
  return new Miniflare({
    modulesRoot: root,
    modules: [
      { type: 'ESModule', path: modulePath('bindings-wasm/bench/worker.mjs') },
      { type: 'ESModule', path: modulePath('bindings-wasm/dist/workerd.mjs') },
      { type: 'ESModule', path: modulePath('bindings-wasm/dist/api.mjs') },
      { type: 'ESModule', path: modulePath('bindings-wasm/dist/web/dropship_webhooks.js') },
      { type: 'CompiledWasm', path: modulePath('bindings-wasm/dist/web/dropship_webhooks_bg.wasm') },
      { type: 'CommonJS', path: modulePath(`${standardwebhooks}index.js`) },
      // CommonJS names as workerd resolves `require`: beside the requiring module, without the extension.
      { type: 'CommonJS', path: modulePath(`${standardwebhooks}timing_safe_equal`),
        contents: readFileSync(modulePath(`${standardwebhooks}timing_safe_equal.js`), 'utf8') },
      { type: 'CommonJS', path: modulePath(`${standardwebhooks}@stablelib/base64`),
        contents: readFileSync(modulePath('bindings-js/node_modules/@stablelib/base64/lib/base64.js'), 'utf8') },
      { type: 'CommonJS', path: modulePath(`${standardwebhooks}fast-sha256`),
        contents: readFileSync(modulePath('bindings-js/node_modules/fast-sha256/sha256.js'), 'utf8') },
    ],
    compatibilityDate: '2026-07-01',
    compatibilityFlags: flags,
    bindings: { SECRET: secret, CASES },
  })
}

async function elapsed(mf, contender, size, n) {
  const start = process.hrtime.bigint()
  const response = await mf.dispatchFetch(`http://127.0.0.1/?contender=${contender}&size=${size}&n=${n}`)
  const answer = await response.json()
  if (n > 0 && answer.topic !== 'order.created') throw new Error(`${contender}: ${JSON.stringify(answer)}`)
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** Verifications per second: n grown until a request takes TARGET_MS, less an empty request's time. */
async function rate(mf, contender, size) {
  await elapsed(mf, contender, size, 50)
  const empty = Math.min(...(await Promise.all([0, 0, 0].map(() => elapsed(mf, contender, size, 0)))))
  let n = 50
  for (;;) {
    const ms = await elapsed(mf, contender, size, n)
    if (ms >= TARGET_MS) return (n / Math.max(ms - empty, 1e-3)) * 1000
    n = Math.ceil(n * Math.min(8, (TARGET_MS * 1.2) / Math.max(ms, 1)))
  }
}

const fmt = (n) => (n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0))
const rows = []
for (const [setting, flags] of [['nodejs_compat', ['nodejs_compat']], ['no flags', []]]) {
  const mf = worker(flags)
  try {
    for (const size of SIZES) {
      const results = {}
      for (const contender of ['ours', 'oursAsync', 'subtle', 'standardwebhooks']) results[contender] = await rate(mf, contender, size)
      rows.push({ setting, size, ...results })
    }
  } finally {
    await mf.dispose()
  }
}
console.log(`verify + parse in a Worker (workerd via miniflare), operations per second, ${TARGET_MS} ms requests\n`)
console.log('| Worker | body | `verify` | `verifyAsync` | crypto.subtle + JSON.parse by hand | standardwebhooks | ' +
  '`verify` vs by hand | `verifyAsync` vs by hand | best vs standardwebhooks |')
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const row of rows) {
  const label = Number(row.size) >= 1024 ? `${Number(row.size) / 1024} KiB` : `${row.size} B`
  const best = Math.max(row.ours, row.oursAsync)
  console.log(`| ${row.setting} | ${label} | ${fmt(row.ours)} | ${fmt(row.oursAsync)} | ${fmt(row.subtle)} | ` +
    `${fmt(row.standardwebhooks)} | ${(row.ours / row.subtle).toFixed(2)}× | ${(row.oursAsync / row.subtle).toFixed(2)}× | ` +
    `${(best / row.standardwebhooks).toFixed(2)}× |`)
}
