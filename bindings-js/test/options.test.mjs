// The cold helpers' option sets, on both builds (DROPSHIP_WEBHOOKS_MODULE selects the WebAssembly one): the core's
// options layer reads them, so partial sets take the defaults, a value JSON cannot carry (NaN, Infinity, bigint) is
// refused with the field named instead of silently becoming the default, and answers keep JavaScript's casing.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const api = createRequire(import.meta.url)(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const { nextRetryDelay, retrySchedule, health, rateLimitCheck, validateEndpoint, Webhook } = api
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

/** Throws `code`, and the message names `field` (an option in backquotes) or the secret's position (`#1`). */
function refused(run, code, field) {
  assert.throws(run, (error) => {
    assert.equal(error.code, code)
    if (field) assert.ok(error.message.includes(field.startsWith('#') ? field : `\`${field}\``), error.message)
    return true
  })
}

it('the default schedule is written once, in the core, in camelCase', () => {
  assert.deepEqual(Object.keys(retrySchedule),
    ['baseDelayMs', 'factor', 'maxDelayMs', 'maxRetries', 'jitterPercent', 'minRetryAfterMs'])
  assert.equal(nextRetryDelay(2, 0.5, { factor: 3 }), 90_000)
  assert.equal(nextRetryDelay(1, 0.5, { factor: 3, unknownKey: 1 }), 30_000)
})

it('numbers JSON cannot carry are refused with the field named, not read as the default', () => {
  for (const bad of [NaN, Infinity, -Infinity, 10n, -1, '3', true]) {
    refused(() => nextRetryDelay(1, 0.5, { maxRetries: bad }), 'invalid_option', 'maxRetries')
  }
  refused(() => nextRetryDelay(1, 0.5, { maxDelayMs: 1 }), 'invalid_option', 'maxDelayMs')
  refused(() => nextRetryDelay(1, 0.5, []), 'invalid_option')
})

it('health states take Dates and answer in camelCase', () => {
  const since = new Date(1_000_000 * 1000)
  const failing = health.recordFailure({ status: 'HEALTHY', failingSince: since }, 1_000_000 + 3 * 86_400)
  assert.deepEqual(failing, { status: 'FAILED', failingSince: 1_000_000 })
  assert.deepEqual(health.HEALTHY, { status: 'HEALTHY', failingSince: null })
  refused(() => health.recordSuccess({ status: 'SLEEPY' }), 'invalid_option', 'status')
  refused(() => health.recordSuccess({ status: 'FAILED', failingSince: NaN }), 'invalid_option', 'failingSince')
})

it('rate decisions carry exactly one field', () => {
  assert.deepEqual(rateLimitCheck(4, 0, 1_000), { nextTatUs: 251_000 })
  assert.deepEqual(rateLimitCheck(4, 251_000, 1_000), { waitUs: 250_000 })
})

it('endpoint configurations: defaults, limits named, secrets with their position', () => {
  const valid = validateEndpoint({ url: 'https://example.com/hook', topics: ['order.created'], secrets: [secret] })
  assert.deepEqual(valid, { url: 'https://example.com/hook', host: 'example.com', topics: ['order.created'],
    method: 'POST', rateLimit: 0, burstLimit: 0 })
  const config = { url: 'https://example.com/hook', topics: ['order.created'], secrets: [secret] }
  refused(() => validateEndpoint({ ...config, rateLimit: NaN }), 'invalid_endpoint', 'rateLimit')
  refused(() => validateEndpoint({ ...config, burstLimit: -2 }), 'invalid_endpoint', 'burstLimit')
  refused(() => validateEndpoint({ ...config, method: 'GET' }), 'invalid_endpoint', 'method')
  refused(() => validateEndpoint({ ...config, secrets: [secret, { secret, expiresAt: -5 }] }), 'invalid_secret', '#1')
  refused(() => new Webhook([secret, { secret, expiresAt: NaN }]), 'invalid_secret', '#1')
  assert.equal(new Webhook([{ secret, expiresAt: new Date(2_000_000_000_000), label: 'next' }]).scheme, 'standard')
})

it('webhooks built again with the same settings share their keys, and never another setting\'s', () => {
  const secrets = Array.from({ length: 12 }, (_, index) => api.generateSecret(new Uint8Array(32).fill(index + 1)))
  const now = 1_790_000_000
  // More settings than are kept, twice over: each webhook verifies its own signatures and no other secret's.
  for (const round of [0, 1]) {
    for (const [index, secret] of secrets.entries()) {
      const webhook = new Webhook(secret)
      const headers = webhook.sign(`msg_${round}_${index}`, now, '{}')
      assert.equal(new Webhook(secret).verifySignature('{}', headers, { now }).secretIndex, 0)
      const other = new Webhook(secrets[(index + 1) % secrets.length])
      assert.throws(() => other.verifySignature('{}', headers, { now }), { code: 'no_matching_signature' })
      // The same secret under another scheme or tolerance is another setting.
      assert.equal(new Webhook(secret, { toleranceSeconds: 1 }).toleranceSeconds, 1)
    }
  }
  // A setting that failed is not kept: it fails again.
  for (const attempt of [1, 2]) refused(() => new Webhook('whsec_short'), 'invalid_secret', '#0')
})

it('a time that is not unix seconds or a Date is invalid_option, with its name, not a binding error', () => {
  const webhook = new Webhook(secret)
  const headers = webhook.sign('msg_1', 1795341600, '{}')
  for (const now of ['1795341600', {}, Number.NaN, -1, new Date('nonsense')]) {
    assert.throws(() => webhook.verify('{}', headers, { now }), (error) => {
      assert.equal(error.code, 'invalid_option', String(now))
      assert.match(error.message, /the option `now` is invalid: it must be unix seconds/)
      return error instanceof api.WebhookError
    })
  }
  assert.throws(() => webhook.sign('msg_1', 'soon', '{}'), { code: 'invalid_option', message: /the option `timestamp` is invalid/ })
  // A secret's expiry is the secret's error, with its position.
  assert.throws(() => new Webhook([secret, { secret, expiresAt: 'tomorrow' }]), { code: 'invalid_secret', message: /#1/ })
})
