// The part of node:assert/strict the vector runners use, for a browser page: equal, ok, deepEqual, throws.

function fail(message, actual, expected) {
  const error = new Error(`${message ?? 'assertion failed'}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`)
  error.name = 'AssertionError'
  throw error
}

/** Structural equality as node:assert/strict's deepEqual sees plain data: same type, keys and values. */
function same(a, b) {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && same(a[key], b[key]))
}

export default {
  ok(value, message) {
    if (!value) fail(message, value, true)
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) fail(message, actual, expected)
  },
  deepEqual(actual, expected, message) {
    if (!same(actual, expected)) fail(message, actual, expected)
  },
  throws(fn, check) {
    try {
      fn()
    } catch (error) {
      if (check(error) !== true) fail('the error did not pass the check', error, true)
      return
    }
    fail('expected an exception', 'returned', 'thrown')
  },
}
