'use strict'
// The typed validators a performance-minded receiver assembles by hand, compiled from the project's own schema
// (core/schema/events.schema.json) so they check the same fields this package does: Ajv (JSON Schema 2020-12,
// compiled to code) and zod (`z.fromJSONSchema`). Both validate what `JSON.parse` made of the canonical spelling
// only: the platform's (snake_case, integer ids, money as numbers) is refused, where this package reads it.
const fs = require('node:fs')
const path = require('node:path')
const Ajv2020 = require('ajv/dist/2020').default
const { z } = require('zod')

const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'core', 'schema', 'events.schema.json'), 'utf8'))

/** An `order.created` event: the envelope, with the schema's definitions for its data. */
function orderEventSchema() {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['id', 'topic', 'data'],
    properties: {
      id: { type: 'string' },
      topic: { const: 'order.created' },
      createdAt: { type: ['string', 'null'] },
      data: { $ref: '#/$defs/Order' },
    },
    $defs: SCHEMA.$defs,
  }
}

/** `validate(value)`: the value when it is a valid `order.created` event, else an error thrown. */
function ajvValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: false })
  // The schema's numeric formats, checked as this package checks them.
  ajv.addFormat('uint32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff })
  ajv.addFormat('int64', { type: 'number', validate: (n) => Number.isInteger(n) })
  ajv.addFormat('double', { type: 'number', validate: (n) => Number.isFinite(n) })
  const check = ajv.compile(orderEventSchema())
  return (value) => {
    if (!check(value)) throw new Error(`ajv: ${JSON.stringify(check.errors)}`)
    return value
  }
}

function zodValidator() {
  const schema = z.fromJSONSchema(orderEventSchema())
  return (value) => schema.parse(value)
}

module.exports = { ajvValidator, zodValidator }
