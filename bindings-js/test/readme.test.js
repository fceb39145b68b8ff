'use strict'
// The README's example, executed: its code block is run as written, then a signed request is sent to its app.
const { it } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Webhook, generateSecret } = require('..')

it('the README example receives a signed webhook', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const code = readme.match(/```js\n([\s\S]*?)```/)[1]
  process.env.WEBHOOK_SECRET_OLD = generateSecret()
  process.env.WEBHOOK_SECRET = generateSecret()
  const lines = []
  const log = console.log
  console.log = (...args) => lines.push(args.join(' '))
  // The example requires 'dropship-webhooks' by its package name: resolve it to this package.
  const localRequire = (name) => require(name === 'dropship-webhooks' ? '..' : name)
  const app = new Function('require', 'process', `${code}\nreturn app`)(localRequire, process)
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  try {
    const sender = new Webhook(process.env.WEBHOOK_SECRET)
    const body = JSON.stringify({ id: 'evt_r', topic: 'order.created', data: { id: 'o', purchaseOrderNumber: 'PO-1', lines: [] } })
    const headers = sender.sign('msg_readme', Math.floor(Date.now() / 1000), body)
    const response = await fetch(`http://127.0.0.1:${server.address().port}/webhooks`, { method: 'POST', headers, body })
    assert.equal(response.status, 204)
    assert.deepEqual(lines, ['PO-1 0'])
  } finally {
    console.log = log
    server.close()
  }
})

it("the README's router example dispatches by topic", async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const code = [...readme.matchAll(/```js\n([\s\S]*?)```/g)][1][1]
  assert.match(code, /\.on\('order\.created'/)
  process.env.WEBHOOK_SECRET = generateSecret()
  const lines = []
  const log = console.log
  console.log = (...args) => lines.push(args.join(' '))
  const localRequire = (name) => require(name === 'dropship-webhooks' ? '..' : name)
  const app = new Function('require', 'process', `${code}\nreturn app`)(localRequire, process)
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  try {
    const sender = new Webhook(process.env.WEBHOOK_SECRET)
    const post = async (event) => {
      const body = JSON.stringify(event)
      const headers = sender.sign(`msg_${event.id}`, Math.floor(Date.now() / 1000), body)
      return fetch(`http://127.0.0.1:${server.address().port}/webhooks`, { method: 'POST', headers, body })
    }
    assert.equal((await post({ id: 'e1', topic: 'order.created', data: { id: 'o', purchaseOrderNumber: 'PO-7' } })).status, 204)
    assert.equal((await post({ id: 'e2', topic: 'product.inventoryChanged', data: { id: 'p1' } })).status, 204)
    assert.equal((await post({ id: 'e3', topic: 'connection.created', data: { id: 'c1' } })).status, 204)
    const refused = await fetch(`http://127.0.0.1:${server.address().port}/webhooks`, { method: 'POST', body: '{}' })
    assert.equal(refused.status, 401)
    assert.deepEqual(lines, ['order PO-7', 'product p1', 'not handled here: connection.created'])
  } finally {
    console.log = log
    server.close()
  }
})
