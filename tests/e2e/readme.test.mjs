// The root README's Node.js and Cloudflare Workers quick starts, executed as written: each receives a signed event
// (accepted) and a tampered one (refused with the code).
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = fileURLToPath(new URL('../../', import.meta.url))
const examples = path.join(root, 'examples/receivers')
const requireFromExamples = createRequire(path.join(examples, 'package.json'))
const { Webhook, generateSecret } = requireFromExamples('dropship-webhooks')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')

function snippet(firstLine) {
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith(firstLine))
  assert.ok(block, `no README block starting with ${firstLine}`)
  return block
}

const secret = generateSecret()
const body = JSON.stringify({ id: 'evt_readme', topic: 'order.created', data: { id: 'ord_7', lines: [] } })
const signed = () => ({
  method: 'POST',
  headers: new Webhook(secret).sign('evt_readme', Math.floor(Date.now() / 1000), body),
  body,
})

it('the Node.js quick start', async () => {
  const lines = []
  const log = console.log
  console.log = (...args) => lines.push(args.join(' '))
  const env = { ...process.env, WEBHOOK_SECRET: secret, PORT: '0' }
  const code = snippet('// Node.js')
  const server = new Function('require', 'process', `${code}\nreturn server`)(requireFromExamples, { env })
  try {
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${server.address().port}/`
    const accepted = await fetch(url, signed())
    assert.equal(accepted.status, 204)
    assert.deepEqual(lines, ['order.created evt_readme'])
    const refused = await fetch(url, { ...signed(), body: body.replace('ord_7', 'ord_8') })
    assert.equal(refused.status, 401)
    assert.deepEqual(await refused.json(), { error: 'no_matching_signature' })
  } finally {
    console.log = log
    server.close()
  }
})

it('the Cloudflare Workers quick start, on workerd', async () => {
  // As a bundler would: the package name resolved through its exports map's `workerd` condition.
  const manifest = JSON.parse(readFileSync(path.join(examples, 'node_modules/dropship-webhooks-wasm/package.json')))
  const entry = `./node_modules/dropship-webhooks-wasm/${manifest.exports['.'].workerd.replace(/^\.\//, '')}`
  const built = path.join(examples, '.readme-worker.mjs')
  writeFileSync(built, snippet('// Cloudflare Workers').replace("from 'dropship-webhooks-wasm'", `from '${entry}'`))
  const { Miniflare } = createRequire(path.join(root, 'bindings-wasm/package.json'))('miniflare')
  const worker = new Miniflare({
    modules: true,
    scriptPath: built,
    modulesRoot: root,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    bindings: { WEBHOOK_SECRET: secret },
  })
  try {
    const accepted = await worker.dispatchFetch('http://127.0.0.1/', signed())
    assert.deepEqual(await accepted.json(), { topic: 'order.created' })
    const refused = await worker.dispatchFetch('http://127.0.0.1/', { ...signed(), body: `${body} ` })
    assert.equal(refused.status, 401)
    assert.deepEqual(await refused.json(), { error: 'no_matching_signature' })
  } finally {
    await worker.dispose()
    rmSync(built, { force: true })
  }
})
