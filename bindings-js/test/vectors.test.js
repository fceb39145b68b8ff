'use strict'
// Runs every shared vector in tests/vectors/ against the package (never a copy of them). DROPSHIP_WEBHOOKS_MODULE
// may name another implementation of the same API (the WebAssembly package runs this very suite that way).
const { describe, it } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const api = require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors')

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8')).cases
}

/** The body a vector describes: a Buffer, or the parsed value itself for `payload_not_raw` cases. */
function body(spec) {
  if ('utf8' in spec) return Buffer.from(spec.utf8, 'utf8')
  if ('hex' in spec) return Buffer.from(spec.hex, 'hex')
  if ('repeat' in spec) return Buffer.from(spec.repeat.repeat(spec.count), 'utf8')
  return spec.parsed
}

function secrets(list) {
  return list.map(({ secret, expiresAt, label }) => {
    const entry = { secret }
    if (expiresAt !== null && expiresAt !== undefined) entry.expiresAt = expiresAt
    if (label !== null && label !== undefined) entry.label = label
    return entry
  })
}

function webhook(vector) {
  const options = { scheme: vector.scheme ?? 'standard' }
  if (vector.toleranceSeconds !== undefined) options.toleranceSeconds = vector.toleranceSeconds
  return new api.Webhook(secrets(vector.secrets), options)
}

/** The header containers users hand in, each built from the vector's pairs when it can hold them. */
function headerForms(pairs) {
  const forms = { 'plain object': Object.fromEntries(pairs), Map: new Map(pairs), 'array of pairs': pairs }
  try {
    forms['Fetch Headers'] = new Headers(pairs)
  } catch {
    // Fetch refuses some values the vectors use on purpose (non-ASCII, control characters).
  }
  return forms
}

function pairsOf(headers) {
  return Object.entries(headers)
}

/** Runs `fn`; checks it fails with the vector's code (and an Error subclass of the package) or returns the value. */
function outcome(vector, fn) {
  if (vector.result === 'invalid') {
    assert.throws(fn, (error) => {
      assert.ok(error instanceof api.WebhookError, `${error} is not a WebhookError`)
      assert.ok(error instanceof Error)
      assert.equal(error.code, vector.error, error.message)
      assert.ok([400, 401, 500].includes(error.status), `status ${error.status}`)
      assert.ok(error.message.length > 10)
      return true
    })
    return undefined
  }
  return fn()
}

const runners = {
  verify(vector) {
    for (const [form, headers] of Object.entries(headerForms(vector.headers))) {
      const result = outcome(vector, () =>
        webhook(vector).verifySignature(body(vector.body), headers, { now: vector.now }),
      )
      if (vector.result === 'valid') assert.deepEqual(result, vector.expected, `with ${form}`)
    }
  },
  sign(vector) {
    const result = outcome(vector, () => webhook(vector).sign(vector.msgId, vector.timestamp, body(vector.body)))
    if (vector.result === 'valid') assert.deepEqual(pairsOf(result), vector.expected.headers)
  },
  construct(vector) {
    const result = outcome(vector, () => {
      const probe = vector.sign
      return webhook(vector).sign(probe.msgId, probe.timestamp, body(probe.body))
    })
    if (vector.result === 'valid') assert.deepEqual(pairsOf(result), vector.expected.headers)
  },
  generate(vector) {
    const result = outcome(vector, () => api.generateSecret(Buffer.from(vector.randomHex, 'hex')))
    if (vector.result === 'valid') assert.equal(result, vector.expected.secret)
  },
  parse(vector) {
    const event = outcome(vector, () => api.parseEvent(body(vector.body)))
    if (vector.result !== 'valid') return
    assert.deepEqual(event, vector.expected.event)
    const topic = api.topics.find((entry) => entry.name === event.topic)
    assert.equal(topic ? topic.payload : null, vector.expected.payloadKind)
  },
  nextDelay(vector) {
    const delay = outcome(vector, () => api.nextRetryDelay(vector.failures, vector.random, vector.schedule))
    if (vector.result === 'valid') assert.equal(delay, vector.expectedMs)
  },
  retryAfter(vector) {
    const delay = outcome(vector, () => api.retryAfterDelay(vector.header, vector.now, vector.schedule))
    if (vector.result === 'valid') assert.equal(delay, vector.expectedMs)
  },
  health(vector) {
    let state = api.health.HEALTHY
    for (const step of vector.steps) {
      if (step.event === 'failure') state = api.health.recordFailure(state, step.at, vector.windowSeconds)
      else if (step.event === 'success') state = api.health.recordSuccess(state)
      else state = api.health.reactivate(state)
      assert.deepEqual(state, step.expected)
    }
  },
  rateLimit(vector) {
    assert.deepEqual(api.rateLimitCheck(vector.rate, vector.tatUs, vector.nowUs), vector.expected)
  },
  burstLimit(vector) {
    assert.equal(api.burstAllows(vector.burst, vector.inFlight), vector.expected.allowed)
  },
  endpoint(vector) {
    const config = outcome(vector, () =>
      api.validateEndpoint(
        {
          url: vector.url,
          topics: vector.topics,
          method: vector.method,
          rateLimit: vector.rateLimit,
          burstLimit: vector.burstLimit,
          scheme: vector.scheme,
          secrets: vector.secrets.map((secret) => ({ secret })),
        },
        { allowInsecureLoopback: vector.allowInsecureLoopback },
      ),
    )
    if (vector.result === 'valid') assert.deepEqual(config, vector.expected)
  },
}

for (const file of fs.readdirSync(VECTORS).filter((name) => name.endsWith('.json')).sort()) {
  describe(file, () => {
    for (const vector of load(file)) {
      it(`${vector.id}: ${vector.comment}`, () => {
        const run = runners[vector.operation]
        assert.ok(run, `no runner for operation ${vector.operation}`)
        run(vector)
      })
    }
  })
}
