'use strict'
// The README's examples, executed: each code block is run as written, then signed requests are sent to its app.
const { it } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Webhook, generateSecret } = require('..')

/**
 * Runs the README's `index`-th js block (which makes an Express `app`) on loopback with console.log captured, and
 * calls `check(post, lines)`; `post(event)` signs and sends an event as the sender would.
 */
async function withExample(index, check) {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const code = [...readme.matchAll(/```js\n([\s\S]*?)```/g)][index][1]
  const lines = []
  const log = console.log
  console.log = (...args) => lines.push(args.join(' '))
  // The examples require 'dropship-webhooks' by its package name: resolve it to this package.
  const localRequire = (name) => require(name === 'dropship-webhooks' ? '..' : name)
  const app = new Function('require', 'process', `${code}\nreturn app`)(localRequire, process)
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const url = `http://127.0.0.1:${server.address().port}/webhooks`
  const sender = new Webhook(process.env.WEBHOOK_SECRET)
  const post = (event, raw) => {
    const body = raw ?? JSON.stringify(event)
    const headers = raw === undefined ? sender.sign(`msg_${event.id}`, Math.floor(Date.now() / 1000), body) : {}
    return fetch(url, { method: 'POST', headers, body })
  }
  try {
    await check(post, lines)
  } finally {
    console.log = log
    server.close()
  }
}

it('the README example receives a signed webhook', async () => {
  process.env.WEBHOOK_SECRET_OLD = generateSecret()
  process.env.WEBHOOK_SECRET = generateSecret()
  await withExample(0, async (post, lines) => {
    const response = await post({ id: 'evt_r', topic: 'order.created', data: { id: 'o', purchaseOrderNumber: 'PO-1', lines: [] } })
    assert.equal(response.status, 204)
    assert.deepEqual(lines, ['PO-1 0'])
  })
})

it("the README's router example dispatches by topic", async () => {
  process.env.WEBHOOK_SECRET = generateSecret()
  await withExample(1, async (post, lines) => {
    assert.equal((await post({ id: 'e1', topic: 'order.created', data: { id: 'o', purchaseOrderNumber: 'PO-7' } })).status, 204)
    assert.equal((await post({ id: 'e2', topic: 'product.inventoryChanged', data: { id: 'p1' } })).status, 204)
    assert.equal((await post({ id: 'e3', topic: 'connection.created', data: { id: 'c1' } })).status, 204)
    assert.equal((await post(undefined, '{}')).status, 401, 'unsigned: refused')
    assert.deepEqual(lines, ['order PO-7', 'product p1', 'not handled here: connection.created'])
  })
})
