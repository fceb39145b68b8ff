// Every JavaScript receiver example in examples/receivers, run for real: each gets a signed event (accepted) and a
// tampered one (401 with the error code). The examples import the packages by name, installed into
// examples/receivers/node_modules from the repository's bindings (`npm install` there links them).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import path from 'node:path'

const examples = fileURLToPath(new URL('../../examples/receivers/', import.meta.url))
const requireHere = createRequire(path.join(examples, 'package.json'))
const { Webhook, generateSecret } = requireHere('dropship-webhooks')

const secret = generateSecret()
process.env.WEBHOOK_SECRET = secret
const body = JSON.stringify({ id: 'evt_example_1', topic: 'order.created', data: { id: 'ord_42', lines: [] } })

function signed() {
  const headers = new Webhook(secret).sign('evt_example_1', Math.floor(Date.now() / 1000), body)
  return { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body }
}

function tampered() {
  return { ...signed(), body: body.replace('ord_42', 'ord_43') }
}

async function expectAcceptedAndRefused(send) {
  const good = await send(signed())
  assert.equal(good.status, 200)
  assert.deepEqual(await good.json(), { received: 'evt_example_1' })
  const bad = await send(tampered())
  assert.equal(bad.status, 401)
  assert.equal((await bad.json()).error, 'no_matching_signature')
}

async function overHttp(server, urlPath) {
  const { port } = server.address()
  return (init) => fetch(`http://127.0.0.1:${port}${urlPath}`, init)
}

describe('receiver examples (Node)', () => {
  it('express.cjs', async () => {
    const { createApp } = requireHere('./express.cjs')
    const server = await new Promise((resolve) => {
      const listening = createApp(secret).listen(0, '127.0.0.1', () => resolve(listening))
    })
    try {
      await expectAcceptedAndRefused(await overHttp(server, '/webhooks'))
    } finally {
      server.close()
    }
  })

  it('fastify.cjs', async () => {
    const { createApp } = requireHere('./fastify.cjs')
    const app = createApp(secret)
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      await expectAcceptedAndRefused(await overHttp(app.server, '/webhooks'))
    } finally {
      await app.close()
    }
  })

  it('nextjs-route.mjs (App Router route handler)', async () => {
    const { POST } = await import(pathToFileURL(path.join(examples, 'nextjs-route.mjs')))
    await expectAcceptedAndRefused((init) => POST(new Request('http://127.0.0.1/api/webhooks', init)))
  })

  it('hono.mjs', async () => {
    const { createApp } = await import(pathToFileURL(path.join(examples, 'hono.mjs')))
    const app = createApp(secret)
    await expectAcceptedAndRefused((init) => app.request('/webhooks', init))
  })
})

describe('receiver examples (edge runtimes, WebAssembly package)', () => {
  let worker
  let built
  before(async () => {
    // What a bundler (wrangler) does for Workers: resolve the package through its exports map's `workerd`
    // condition. The example itself imports the package by name.
    const manifest = JSON.parse(readFileSync(path.join(examples, 'node_modules/dropship-webhooks-wasm/package.json')))
    const entry = manifest.exports['.'].workerd
    const source = readFileSync(path.join(examples, 'worker.mjs'), 'utf8')
    const resolved = `./node_modules/dropship-webhooks-wasm/${entry.replace(/^\.\//, '')}`
    assert.ok(source.includes("from 'dropship-webhooks-wasm'"))
    built = path.join(examples, '.worker-bundle.mjs')
    writeFileSync(built, source.replace("from 'dropship-webhooks-wasm'", `from '${resolved}'`))
    const wasmRequire = createRequire(fileURLToPath(new URL('../../bindings-wasm/package.json', import.meta.url)))
    const { Miniflare } = wasmRequire('miniflare')
    worker = new Miniflare({
      modules: true,
      scriptPath: built,
      // The package folder is a link into the repository (npm links file: dependencies); modules must stay under
      // the root workerd is given.
      modulesRoot: fileURLToPath(new URL('../../', import.meta.url)),
      modulesRules: [
        { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
        { type: 'CompiledWasm', include: ['**/*.wasm'] },
      ],
      bindings: { WEBHOOK_SECRET: secret },
    })
  })
  after(async () => {
    await worker?.dispose()
    rmSync(built, { force: true })
  })

  it('worker.mjs on workerd', async () => {
    await expectAcceptedAndRefused((init) => worker.dispatchFetch('http://127.0.0.1/webhooks', init))
  })

  it('deno.ts under Deno', async () => {
    const deno = fileURLToPath(new URL('../../bindings-wasm/node_modules/.bin/deno', import.meta.url))
    const port = 20000 + Math.floor(Math.random() * 20000)
    const child = spawn(deno, ['run', '--quiet', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', 'deno.ts'], {
      cwd: examples,
      env: { ...process.env, PORT: String(port), NO_COLOR: '1',
        DENO_DIR: fileURLToPath(new URL('../../bindings-wasm/node_modules/.cache/deno', import.meta.url)) },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    try {
      const send = (init) => fetch(`http://127.0.0.1:${port}/webhooks`, init)
      const deadline = Date.now() + 30_000
      for (;;) {
        try {
          await send({ method: 'GET' })
          break
        } catch (error) {
          if (Date.now() > deadline || child.exitCode !== null) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
      await expectAcceptedAndRefused(send)
    } finally {
      child.kill()
    }
  })
})
