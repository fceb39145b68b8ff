// Every shared vector in headless Chromium (Debian's `chromium`, driven by playwright-core): the package's browser
// entry loads its .wasm over HTTP and the same runners as the Node suite (bindings-js/test/vector-runners.mjs) check
// each case in the page.
import { it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('../../', import.meta.url))
const routes = {
  '/dist/': path.join(root, 'bindings-wasm/dist/'),
  '/test/': path.join(root, 'bindings-wasm/test/'),
  '/runners/': path.join(root, 'bindings-js/test/'),
  '/vectors/': path.join(root, 'tests/vectors/'),
}
const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.html': 'text/html' }

let server
let base

before(async () => {
  server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1')
    const pathname = url.pathname === '/' ? '/test/browser-vectors.html' : url.pathname
    const prefix = Object.keys(routes).find((p) => pathname.startsWith(p))
    const file = prefix && path.join(routes[prefix], pathname.slice(prefix.length))
    if (!file || !file.startsWith(routes[prefix]) || file.includes('..')) return response.writeHead(404).end()
    try {
      const data = await readFile(file)
      response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(data)
    } catch {
      response.writeHead(404).end()
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  server?.close()
})

it('every shared vector passes in headless Chromium', { timeout: 120_000 }, async () => {
  // The flags keep Chromium off the network it cannot reach here (TOOLCHAIN.md); playwright gives it a fresh profile.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  })
  try {
    const page = await browser.newPage()
    const errors = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${base}/`)
    await page.waitForFunction(() => window.vectorResults !== undefined || null, null, { timeout: 90_000 })
    const results = await page.evaluate(() => window.vectorResults)
    assert.deepEqual(errors, [])
    assert.deepEqual(results.failed, [])
    let total = 0
    for (const file of ['endpoint_config', 'events', 'health', 'retry_schedule', 'secrets', 'signature_fabric',
      'signature_standard']) {
      total += JSON.parse(await readFile(path.join(root, `tests/vectors/${file}.json`), 'utf8')).cases.length
    }
    assert.equal(results.passed, total)
    assert.ok(total > 400, `only ${total} vectors`)
    assert.match(results.userAgent, /Chrome\//)
    // The async methods signed a large body with crypto.subtle (small ones stay in the module), and refused a
    // tampered one the same way.
    assert.deepEqual(results.bigBody,
      { topic: 'order.created', secretIndex: 0, refused: 'no_matching_signature', signs: 3 })
  } finally {
    await browser.close()
  }
})
