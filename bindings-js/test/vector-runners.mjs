// How each shared vector operation is checked against an implementation of the API. Isomorphic (no Node
// built-ins): Node runs it through vectors.test.mjs with node:assert, a browser page through browser-vectors.html
// with a small assert of the same shape. The vectors themselves stay in tests/vectors/ (never copied).

const encoder = new TextEncoder()

function hexBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

/** The body a vector describes: bytes, or the parsed value itself for `payload_not_raw` cases. */
function body(spec) {
  if ('utf8' in spec) return encoder.encode(spec.utf8)
  if ('hex' in spec) return hexBytes(spec.hex)
  if ('repeat' in spec) return encoder.encode(spec.repeat.repeat(spec.count))
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

/**
 * The runner of every operation, checking with `assert` (node:assert/strict's equal, ok, deepEqual, throws); it
 * answers a promise (the async methods run too).
 */
export function createRunners(api, assert) {
  const webhook = (vector) => {
    const options = { scheme: vector.scheme ?? 'standard' }
    if (vector.toleranceSeconds !== undefined) options.toleranceSeconds = vector.toleranceSeconds
    if (vector.bodyLimitBytes !== undefined) options.bodyLimitBytes = vector.bodyLimitBytes
    return new api.Webhook(secrets(vector.secrets), options)
  }

  /** Runs `fn`; checks it fails with the vector's code (and an Error subclass of the package) or returns the value. */
  const outcome = (vector, fn) => {
    if (vector.result === 'invalid') {
      assert.throws(fn, (error) => {
        assert.ok(error instanceof api.WebhookError, `${error} is not a WebhookError`)
        assert.ok(error instanceof Error)
        assert.equal(error.code, vector.error, error.message)
        assert.ok([400, 401, 413, 500].includes(error.status), `status ${error.status}`)
        assert.ok(error.message.length > 10)
        return true
      })
      return undefined
    }
    return fn()
  }

  /** `outcome` for an async call: the vector's error as a rejection, or the value. */
  const settled = async (vector, fn) => {
    let result
    try {
      result = await fn()
    } catch (error) {
      outcome(vector, () => {
        throw error
      })
      return undefined
    }
    if (vector.result === 'invalid') outcome(vector, () => result)
    return result
  }

  // The async methods: in a runtime whose only HMAC is crypto.subtle (a browser) they take the host's tags.
  const SENDER_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

  const runners = {
    async verify(vector) {
      for (const [form, headers] of Object.entries(headerForms(vector.headers))) {
        const result = outcome(vector, () =>
          webhook(vector).verifySignature(body(vector.body), headers, { now: vector.now }),
        )
        if (vector.result === 'valid') assert.deepEqual(result, vector.expected, `with ${form}`)
        const later = await settled(vector, () =>
          webhook(vector).verifySignatureAsync(body(vector.body), headers, { now: vector.now }),
        )
        if (vector.result === 'valid') assert.deepEqual(later, vector.expected, `async, with ${form}`)
      }
    },
    sign(vector) {
      const result = outcome(vector, () => webhook(vector).sign(vector.msgId, vector.timestamp, body(vector.body)))
      if (vector.result === 'valid') assert.deepEqual(Object.entries(result), vector.expected.headers)
    },
    construct(vector) {
      const result = outcome(vector, () => {
        const probe = vector.sign
        return webhook(vector).sign(probe.msgId, probe.timestamp, body(probe.body))
      })
      if (vector.result === 'valid') assert.deepEqual(Object.entries(result), vector.expected.headers)
    },
    generate(vector) {
      const result = outcome(vector, () => api.generateSecret(hexBytes(vector.randomHex)))
      if (vector.result === 'valid') assert.equal(result, vector.expected.secret)
    },
    async parse(vector) {
      const event = outcome(vector, () => api.parseEvent(body(vector.body)))
      // Signed and verified, the same body gives the same event or error, sync and async.
      const sender = new api.Webhook(SENDER_SECRET)
      const given = body(vector.body)
      const signedBody = typeof given === 'string' || given instanceof Uint8Array ? given : ''
      const headers = sender.sign('msg_vector', 1_700_000_000, signedBody)
      const verified = outcome(vector, () => sender.verify(given, headers, { now: 1_700_000_000 }))
      const later = await settled(vector, () => sender.verifyAsync(given, headers, { now: 1_700_000_000 }))
      if (vector.result !== 'valid') return
      assert.deepEqual(event, vector.expected.event)
      assert.deepEqual(verified, vector.expected.event)
      assert.deepEqual(later, vector.expected.event)
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

  return async (vector) => {
    const run = runners[vector.operation]
    assert.ok(run, `no runner for operation ${vector.operation}`)
    await run(vector)
  }
}

/** The vector files, in a stable order. */
export const VECTOR_FILES = [
  'endpoint_config.json',
  'events.json',
  'health.json',
  'retry_schedule.json',
  'secrets.json',
  'signature_fabric.json',
  'signature_standard.json',
]
