// Runs every shared vector in tests/vectors/ against the package (never a copy of them). DROPSHIP_WEBHOOKS_MODULE
// may name another implementation of the same API (the WebAssembly package runs this very suite that way; a
// browser page runs the same runners, see bindings-wasm/test/browser.test.mjs).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createRunners, VECTOR_FILES } from './vector-runners.mjs'

const api = createRequire(import.meta.url)(process.env.DROPSHIP_WEBHOOKS_MODULE || '..')
const VECTORS = fileURLToPath(new URL('../../tests/vectors/', import.meta.url))
const run = createRunners(api, assert)

it('runs on the build it was pointed at', () => {
  // The packed-package test points this suite at an install whose native binary cannot load.
  const expected = process.env.DROPSHIP_WEBHOOKS_EXPECT_BACKEND
  assert.ok(api.backend === 'native' || api.backend === 'wasm')
  if (expected) assert.equal(api.backend, expected)
})

it('the runners know every vector file', () => {
  assert.deepEqual(readdirSync(VECTORS).filter((name) => name.endsWith('.json')).sort(), VECTOR_FILES)
})

for (const file of VECTOR_FILES) {
  describe(file, () => {
    for (const vector of JSON.parse(readFileSync(VECTORS + file, 'utf8')).cases) {
      it(`${vector.id}: ${vector.comment}`, () => run(vector))
    }
  })
}
