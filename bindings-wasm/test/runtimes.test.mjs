// The WebAssembly package in the runtimes it targets: a real Worker on workerd (miniflare), Deno and Bun.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { Webhook, generateSecret } from '../dist/node.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
const secret = generateSecret()
const sender = new Webhook(secret)
const body = JSON.stringify({ id: 'evt_wasm', topic: 'order.canceled', data: { id: 41 } })

function signed(text = body) {
  return { method: 'POST', headers: sender.sign('msg_wasm', Math.floor(Date.now() / 1000), text), body: text }
}

describe('Cloudflare Worker on workerd (miniflare)', () => {
  let mf
  before(() => {
    mf = new Miniflare({
      modules: true,
      scriptPath: fileURLToPath(new URL('../examples/worker.mjs', import.meta.url)),
      modulesRules: [
        { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
        { type: 'CompiledWasm', include: ['**/*.wasm'] },
      ],
      bindings: { WEBHOOK_SECRET: secret },
    })
  })
  after(() => mf.dispose())

  it('answers 200 with the event for a signed request', async () => {
    const response = await mf.dispatchFetch('http://127.0.0.1/webhooks', signed())
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { topic: 'order.cancelled', id: '41' })
  })

  it('answers 401 with the code for a tampered body', async () => {
    const request = signed()
    const response = await mf.dispatchFetch('http://127.0.0.1/webhooks', { ...request, body: body.replace('41', '42') })
    assert.equal(response.status, 401)
    assert.deepEqual(await response.json(), { error: 'no_matching_signature' })
  })
})

const script = `
const { Webhook } = await import(${JSON.stringify(new URL('../dist/node.mjs', import.meta.url).href)})
const webhook = new Webhook(${JSON.stringify(secret)})
const headers = ${JSON.stringify(signed().headers)}
const event = webhook.verify(${JSON.stringify(body)}, headers)
let refused = ''
try { webhook.verify(${JSON.stringify(body + ' ')}, headers) } catch (error) { refused = error.code }
console.log(JSON.stringify([event.topic, event.data.id, refused]))
`

for (const [runtime, args] of [['deno', ['eval', '--quiet']], ['bun', ['--eval']]]) {
  it(`verifies in ${runtime}`, () => {
    const binary = fileURLToPath(new URL(`../node_modules/.bin/${runtime}`, import.meta.url))
    const env = { ...process.env, DENO_DIR: fileURLToPath(new URL('../node_modules/.cache/deno', import.meta.url)),
      NO_COLOR: '1' }
    const output = execFileSync(binary, [...args, script], { cwd: here, env, encoding: 'utf8' })
    assert.deepEqual(JSON.parse(output.trim().split('\n').pop()), ['order.cancelled', '41', 'no_matching_signature'])
  })
}
