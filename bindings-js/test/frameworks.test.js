'use strict'
// The framework helpers against the real frameworks from npm, on loopback or through their own request injection.
const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const express = require('express')
const Fastify = require('fastify')
const { Hono } = require('hono')
// DROPSHIP_WEBHOOKS_MODULE runs the same tests on another build of the API (`make test-wasm`: the WebAssembly one).
const { Webhook, generateSecret, WebhookPayloadError } = require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')

const secret = generateSecret()
const webhook = new Webhook(secret)
const sample = JSON.stringify({ id: 'evt_fw_1', topic: 'order.created', data: { id: 'ord_9', lines: [] } })

function signed(body = sample) {
  const headers = webhook.sign('msg_fw_1', Math.floor(Date.now() / 1000), body)
  return { headers: { ...headers, 'content-type': 'application/json' }, body }
}

function tampered() {
  const request = signed()
  return { ...request, body: request.body.replace('ord_9', 'ord_0') }
}

async function listen(app) {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

describe('express', () => {
  let server
  let base
  before(async () => {
    const app = express()
    app.post('/raw-stream', webhook.express(), (req, res) => res.json({ topic: req.webhook.topic }))
    app.put('/raw-stream', webhook.express(), (req, res) => res.json({ topic: req.webhook.topic }))
    app.post('/raw-parser', express.raw({ type: '*/*' }), webhook.express(), (req, res) =>
      res.json({ topic: req.webhook.topic, id: req.webhook.data.id }),
    )
    app.post('/json-parser', express.json(), webhook.express(), (req, res) => res.json({ unreachable: true }))
    server = await listen(app)
    base = `http://127.0.0.1:${server.address().port}`
  })
  after(() => server.close())

  it('verifies a signed request read from the stream (POST and PUT)', async () => {
    for (const method of ['POST', 'PUT']) {
      const response = await fetch(`${base}/raw-stream`, { method, ...signed() })
      assert.equal(response.status, 200, method)
      assert.deepEqual(await response.json(), { topic: 'order.created' })
    }
  })

  it('verifies a body left by express.raw({ type: "*/*" })', async () => {
    const response = await fetch(`${base}/raw-parser`, { method: 'POST', ...signed() })
    assert.deepEqual(await response.json(), { topic: 'order.created', id: 'ord_9' })
  })

  it('answers 401 with the code for a tampered body', async () => {
    const response = await fetch(`${base}/raw-parser`, { method: 'POST', ...tampered() })
    assert.equal(response.status, 401)
    assert.equal((await response.json()).error, 'no_matching_signature')
  })

  it('explains a body already parsed by express.json()', async () => {
    const response = await fetch(`${base}/json-parser`, { method: 'POST', ...signed() })
    assert.equal(response.status, 500)
    const answer = await response.json()
    assert.equal(answer.error, 'payload_not_raw')
    assert.match(answer.message, /express\.raw\(\) instead of express\.json\(\)/)
  })
})

describe('fastify', () => {
  let app
  before(async () => {
    app = Fastify()
    app.post('/api/json', async (request) => ({ echoed: request.body.hello })) // the app's JSON parser still works
    app.register(webhook.fastify(async (event) => ({ topic: event.topic, id: event.data.id })), { prefix: '/hooks' })
    await app.ready()
  })
  after(() => app.close())

  it('verifies through its own raw-body parser (POST and PATCH)', async () => {
    for (const method of ['POST', 'PATCH']) {
      const { headers, body } = signed()
      const response = await app.inject({ method, url: '/hooks', headers, payload: body })
      assert.equal(response.statusCode, 200, method)
      assert.deepEqual(response.json(), { topic: 'order.created', id: 'ord_9' })
    }
  })

  it('answers 401 with the code for a tampered body', async () => {
    const { headers, body } = tampered()
    const response = await app.inject({ method: 'POST', url: '/hooks', headers, payload: body })
    assert.equal(response.statusCode, 401)
    assert.equal(response.json().error, 'no_matching_signature')
  })

  it('leaves JSON parsing outside the plugin untouched', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/json', payload: { hello: 'world' } })
    assert.deepEqual(response.json(), { echoed: 'world' })
  })
})

describe('fetch Request (Hono, Next.js route handlers)', () => {
  const app = new Hono()
  app.post('/webhooks', async (c) => {
    try {
      const event = await webhook.verifyRequest(c.req.raw)
      return c.json({ topic: event.topic })
    } catch (error) {
      return c.json({ error: error.code }, error instanceof WebhookPayloadError ? 400 : 401)
    }
  })

  // A Next.js App Router route handler is a function of a standard Request.
  async function POST(request) {
    const event = await webhook.verifyRequest(request)
    return Response.json({ id: event.id })
  }

  it('verifies in a Hono app', async () => {
    const { headers, body } = signed()
    const response = await app.request('/webhooks', { method: 'POST', headers, body })
    assert.deepEqual(await response.json(), { topic: 'order.created' })
  })

  it('refuses a tampered body in a Hono app', async () => {
    const { headers, body } = tampered()
    const response = await app.request('/webhooks', { method: 'POST', headers, body })
    assert.equal(response.status, 401)
    assert.deepEqual(await response.json(), { error: 'no_matching_signature' })
  })

  it('verifies in a route handler', async () => {
    const { headers, body } = signed()
    const response = await POST(new Request('http://127.0.0.1/api/webhooks', { method: 'POST', headers, body }))
    assert.deepEqual(await response.json(), { id: 'evt_fw_1' })
  })

  it('refuses a Request whose body was already read', async () => {
    const { headers, body } = signed()
    const request = new Request('http://127.0.0.1/api/webhooks', { method: 'POST', headers, body })
    await request.json()
    await assert.rejects(webhook.verifyRequest(request), (error) => error.code === 'payload_not_raw')
  })
})

/**
 * A POST written by hand on loopback: `chunks` are sent (chunked unless a content-length is given) and the request is
 * ended only when `end` is true, so a helper that waits for the whole body before answering never answers.
 */
function post(port, path, headers, chunks, { end = true } = {}) {
  const http = require('node:http')
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (text += chunk))
      response.on('end', () => {
        request.destroy()
        resolve({ status: response.statusCode, connection: response.headers.connection, body: JSON.parse(text) })
      })
    })
    // The server may close the connection before the whole body is written: that is the point.
    request.on('error', (error) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)))
    for (const chunk of chunks) request.write(chunk)
    if (end) request.end()
  })
}

describe('body limits and headers first (Express, Fastify, fetch Request)', () => {
  const small = new Webhook(secret, { bodyLimitBytes: 1024 })
  const big = JSON.stringify({ id: 'evt_big', topic: 'order.created', data: { id: 'ord_1', note: 'x'.repeat(4096) } })
  const bigHeaders = () => ({ ...small.sign('msg_big', Math.floor(Date.now() / 1000), big), 'content-type': 'application/json' })
  const unsigned = { 'content-type': 'application/json' }
  const endless = ['{"id":"evt_1","topic":"order.created","data":{"note":"', 'x'.repeat(64 * 1024)]
  const servers = []
  let expressPort
  let fastifyPort
  before(async () => {
    const app = express()
    app.post('/hooks', small.express(), (req, res) => res.json({ topic: req.webhook.topic }))
    servers.push(await listen(app))
    expressPort = servers[0].address().port
    const fastify = Fastify()
    fastify.register(small.fastify(async (event) => ({ topic: event.topic })), { prefix: '/hooks' })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    servers.push(fastify)
    fastifyPort = fastify.server.address().port
  })
  after(async () => {
    servers[0].closeAllConnections?.()
    servers[0].close()
    await servers[1].close()
  })

  it('keeps the limit it was given and exports the default', () => {
    assert.equal(small.bodyLimitBytes, 1024)
    assert.equal(webhook.bodyLimitBytes, 1024 * 1024)
    assert.equal(require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..').DEFAULT_BODY_LIMIT_BYTES, 1024 * 1024)
  })

  for (const [name, port] of [['express', () => expressPort], ['fastify', () => fastifyPort]]) {
    it(`${name}: refuses unsigned headers before reading a body that never ends`, async () => {
      const answer = await post(port(), '/hooks', unsigned, endless, { end: false })
      assert.equal(answer.status, 401)
      assert.equal(answer.body.error, 'missing_header')
      assert.equal(answer.connection, 'close')
    })

    it(`${name}: answers 413 for a declared length over the limit, before reading it`, async () => {
      const answer = await post(port(), '/hooks', { ...bigHeaders(), 'content-length': String(big.length) }, [big.slice(0, 100)],
        { end: false })
      assert.equal(answer.status, 413)
      assert.equal(answer.body.error, 'payload_too_large')
      assert.match(answer.body.message, /limit of 1024 bytes/)
    })

    it(`${name}: stops reading a chunked body at the limit with 413`, async () => {
      const answer = await post(port(), '/hooks', bigHeaders(), [big.slice(0, 2000), big.slice(2000)])
      assert.equal(answer.status, 413)
      assert.equal(answer.body.error, 'payload_too_large')
    })

    it(`${name}: still verifies a body within the limit`, async () => {
      const answer = await post(port(), '/hooks', signed().headers, [sample])
      assert.deepEqual([answer.status, answer.body], [200, { topic: 'order.created' }])
    })
  }

  it('verifyRequest: refuses unsigned headers without reading the stream, and caps what it reads', async () => {
    const never = new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode(endless[1])) } })
    const unsignedRequest = new Request('http://127.0.0.1/hooks', { method: 'POST', headers: unsigned, body: never, duplex: 'half' })
    await assert.rejects(small.verifyRequest(unsignedRequest), (error) => error.code === 'missing_header')
    const chunks = [big.slice(0, 2000), big.slice(2000)].map((part) => new TextEncoder().encode(part))
    const stream = new ReadableStream({ pull(controller) { chunks.length ? controller.enqueue(chunks.shift()) : controller.close() } })
    const request = new Request('http://127.0.0.1/hooks', { method: 'POST', headers: bigHeaders(), body: stream, duplex: 'half' })
    await assert.rejects(small.verifyRequest(request), (error) => error.code === 'payload_too_large' && error.status === 413)
    const fine = signed()
    const event = await webhook.verifyRequest(new Request('http://127.0.0.1/hooks', { method: 'POST', ...fine }))
    assert.equal(event.id, 'evt_fw_1')
  })
})

// The router: on(topic) / onAny, handle(body, headers), and the Express, Fastify and Fetch handlers built on it.
describe('router', () => {
  const unknownTopic = JSON.stringify({ id: 'evt_fw_2', topic: 'order.teleported', data: { id: 'ord_9' } })
  const product = JSON.stringify({ id: 'evt_fw_3', topic: 'product.selected', data: { id: 'prod_1', variants: [] } })

  /** A webhook whose handlers write down what they saw; `order.created` with data.id 'boom' throws. */
  function routed() {
    const seen = []
    const router = new Webhook(secret)
      .on('order.created', async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        if (event.data.id === 'boom') throw new Error('handler failed on purpose')
        seen.push(`order:${event.data.id}`)
      })
      .on('order.created', (event) => seen.push(`second:${event.id}`))
      .on(['product.selected', 'product.inventoryChanged'], (event) => seen.push(`product:${event.data.id}`))
      .onAny((event) => seen.push(`any:${event.topic}`))
    return { router, seen }
  }
  const boom = JSON.stringify({ id: 'evt_fw_4', topic: 'order.created', data: { id: 'boom', lines: [] } })

  it('dispatches by topic, in the order added, each awaited; other topics go to onAny', async () => {
    const { router, seen } = routed()
    for (const body of [sample, product, unknownTopic]) {
      const answer = await router.handle(body, signed(body).headers)
      assert.equal(answer.status, 204)
      assert.equal(answer.event.id, JSON.parse(body).id)
    }
    assert.deepEqual(seen, ['order:ord_9', 'second:evt_fw_1', 'product:prod_1', 'any:order.teleported'])
    assert.equal(await router.dispatch({ id: 'x', topic: 'connection.created', data: {} }), 1)
    assert.deepEqual(seen.at(-1), 'any:connection.created')
  })

  it('refuses a bad signature with its status and code, calling no handler', async () => {
    const { router, seen } = routed()
    const answer = await router.handle(tampered().body, tampered().headers)
    assert.equal(answer.status, 401)
    assert.equal(answer.error.code, 'no_matching_signature')
    assert.equal(JSON.parse(answer.body).error, 'no_matching_signature')
    assert.equal(answer.headers['content-type'], 'application/json')
    assert.deepEqual(seen, [])
  })

  it("passes a handler's error on: handle rejects with it, the handlers after it don't run", async () => {
    const { router, seen } = routed()
    await assert.rejects(router.handle(boom, signed(boom).headers), /handler failed on purpose/)
    assert.deepEqual(seen, [])
  })

  it('refuses a topic outside the catalog and a handler that is not a function', () => {
    const router = new Webhook(secret)
    assert.throws(() => router.on('order.shipped', () => {}), (error) => error instanceof TypeError && /order\.shipped/.test(error.message))
    assert.throws(() => router.on('order.created'), TypeError)
    assert.throws(() => router.on([], () => {}), TypeError)
    assert.throws(() => router.onAny('not a function'), TypeError)
  })

  it('Express: 204 after the handlers, 401 refused, a throwing handler to next(error) (500)', async () => {
    const { router, seen } = routed()
    const app = express()
    app.post('/hooks', router.expressHandler())
    const reported = []
    app.use((error, _req, res, _next) => {
      reported.push(error.message)
      res.status(500).json({ error: 'internal' })
    })
    const server = await listen(app)
    try {
      const url = `http://127.0.0.1:${server.address().port}/hooks`
      assert.equal((await fetch(url, { method: 'POST', ...signed() })).status, 204)
      assert.deepEqual(seen, ['order:ord_9', 'second:evt_fw_1'])
      const refused = await fetch(url, { method: 'POST', ...tampered() })
      assert.equal(refused.status, 401)
      assert.equal((await refused.json()).error, 'no_matching_signature')
      assert.equal((await fetch(url, { method: 'POST', ...signed(boom) })).status, 500)
      assert.deepEqual(reported, ['handler failed on purpose'])
    } finally {
      server.close()
    }
  })

  it('Fastify: the plugin without a handler dispatches; a throwing handler answers 500', async () => {
    const { router, seen } = routed()
    const app = Fastify()
    app.register(router.fastify({ url: '/' }), { prefix: '/hooks' })
    const post = ({ headers, body }) => app.inject({ method: 'POST', url: '/hooks', headers, payload: body })
    assert.equal((await post(signed(unknownTopic))).statusCode, 204)
    assert.deepEqual(seen, ['any:order.teleported'])
    assert.equal((await post(tampered())).statusCode, 401)
    assert.equal((await post(signed(boom))).statusCode, 500)
    await app.close()
  })

  it('Fetch: fetchHandler answers 204 or the refusal, and rejects with a handler error', async () => {
    const { router, seen } = routed()
    const serve = router.fetchHandler()
    const request = ({ headers, body }) => new Request('http://127.0.0.1/hooks', { method: 'POST', headers, body })
    assert.equal((await serve(request(signed(product)))).status, 204)
    assert.deepEqual(seen, ['product:prod_1'])
    const refused = await serve(request(tampered()))
    assert.equal(refused.status, 401)
    assert.equal((await refused.json()).error, 'no_matching_signature')
    await assert.rejects(serve(request(signed(boom))), /handler failed on purpose/)
  })
})
