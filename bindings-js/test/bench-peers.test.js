'use strict'
// The benchmark's assembled peers (bench/peers.js) are honest: compiled from the project's schema, they accept the
// canonical sample this package reads, and refuse the platform spelling (which this package reads too) and a body
// that breaks the schema. A peer that accepted anything would time less work than ours.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { parseEvent } = require(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const { ajvValidator, zodValidator } = require('../bench/peers')

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'events.json'), 'utf8')).cases
const body = (id) => CASES.find((c) => c.id === id).body.utf8
const PEERS = { ajv: ajvValidator(), zod: zodValidator() }

test('the peers accept the canonical order.created sample', () => {
  const text = body('event-sample-order.created')
  assert.equal(parseEvent(text).topic, 'order.created')
  for (const [name, validate] of Object.entries(PEERS)) {
    assert.equal(validate(JSON.parse(text)).data.id, 'ord_1001', name)
  }
})

test('the peers refuse the platform spellings this package reads', () => {
  // (Aliases of optional members alone, as in `event-order-fabric-spellings`, pass a schema that allows unknown
  // members: the peer accepts the body and reads none of those fields.)
  for (const id of ['event-order-integer-id-number-money', 'event-envelope-aliases']) {
    const text = body(id)
    assert.equal(parseEvent(text).topic, 'order.created', id)
    for (const [name, validate] of Object.entries(PEERS)) {
      assert.throws(() => validate(JSON.parse(text)), `${name} accepted ${id}`)
    }
  }
})

test('the peers check the schema, not only the JSON', () => {
  const event = JSON.parse(body('event-sample-order.created'))
  event.data.lines[0].quantity = 'two'
  for (const [name, validate] of Object.entries(PEERS)) {
    assert.throws(() => validate(event), name)
  }
})
