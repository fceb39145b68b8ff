// The console in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core) against a real
// delivery service on SQLite and a loopback receiver. Every flow a user has — add an endpoint (the inline error, then
// saved), copy the secret, test events, failures and health, resend, recover with its preview, expire a secret — by
// clicks and keys; a used link refused, another account's pages refused, a form without its token refused; labels
// and keyboard checked with axe-core. A screenshot of every page goes to target/console-screenshots.
import { it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const shots = path.join(root, 'target/console-screenshots')
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const KEY = 'console-test-admin-key-0123456789abcdef'

let service
let api
let receiver
let receiverUrl
let answer = 200
let received = 0
let dir
let browser

/** A receiver on loopback answering `answer`, counting what it got. */
function startReceiver() {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      received += 1
      response.writeHead(answer).end()
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** The service binary, on a fresh SQLite database, with a retry schedule of a few hundred ms. */
function startService(extra = [], database = 'console.db') {
  const binary = path.join(root, 'target/debug/delivery-service')
  const child = spawn(binary, [
    '--database-url', `sqlite://${dir}/${database}`, '--listen', '127.0.0.1:0', '--allow-insecure-loopback',
    '--max-retries', '1', '--retry-base-ms', '200', '--retry-max-ms', '1000', '--poll-ms', '20', ...extra,
  ], { env: { ...process.env, DELIVERY_API_KEY: KEY, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${out}`)), 30_000)
    child.stdout.on('data', (chunk) => {
      out += chunk
      const found = out.match(/listening on (http:\/\/\S+)/)
      if (found) {
        clearTimeout(timer)
        resolve({ child, base: found[1] })
      }
    })
    child.on('exit', (code) => reject(new Error(`the service exited (${code}): ${out}`)))
  })
}

async function call(method, route, body) {
  const response = await fetch(`${api}${route}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json().catch(() => null) }
}

async function consoleLink(account) {
  const link = await call('POST', `/v1/accounts/${account}/console-links`, {})
  assert.equal(link.status, 201)
  // Without --public-url the link is a path, for the platform to put under the service's address.
  assert.match(link.body.url, /^\/console\/enter\?token=/)
  return `${api}${link.body.url}`
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true })
}

/** The page's load time by Navigation Timing (ms from navigation start to the load event), printed for the budget. */
async function printRender(page, name) {
  const ms = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd)
  console.log(`first render of ${name}: ${ms.toFixed(0)} ms`)
}

/** axe-core's WCAG A/AA rules on the page: no violation (labels, names, contrast of text, structure). */
async function accessible(page, name) {
  await page.addScriptTag({ path: axePath })
  const results = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }))
  const violations = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  assert.deepEqual(violations, [], `${name}: ${violations.join('; ')}`)
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'console-'))
  mkdirSync(shots, { recursive: true })
  receiver = await startReceiver()
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/hooks`
  const started = await startService()
  service = started.child
  api = started.base
  for (const [id, name] of [['acme', 'Acme Retail'], ['other', 'Other Supply']]) {
    assert.equal((await call('POST', '/v1/accounts', { id, name })).status, 201)
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  })
})

after(async () => {
  await browser?.close()
  service?.kill('SIGTERM')
  receiver?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

it('a user manages endpoints, secrets and deliveries in the console', { timeout: 180_000 }, async () => {
  // bypassCSP only lets the test inject axe-core; the pages' own policy is checked on the responses below.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api })
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error.message))
  // Script errors only: the 404s and 422s this test provokes are logged by Chromium as resource errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(message.text())
  })
  const missing = []
  page.on('response', (response) => response.status() === 404 && !response.url().includes('/other') && missing.push(response.url()))

  // The link opens the account's endpoints; the page's policy allows no inline script.
  const link = await consoleLink('acme')
  const started = Date.now()
  // The link names the account and asks for a click: nothing is signed in by merely following it.
  const confirm = await page.goto(link)
  assert.equal(confirm.status(), 200)
  assert.match(await page.locator('main').innerText(), /Acme Retail/)
  await shot(page, '00-open-the-console')
  await accessible(page, 'the link confirmation')
  await page.getByRole('button', { name: 'Open the console' }).click()
  await page.waitForURL(/\/console\/a\/acme\/endpoints$/)
  const firstRender = Date.now() - started
  const [cookie] = await context.cookies(`${api}/console/`)
  assert.deepEqual([cookie.name, cookie.httpOnly, cookie.sameSite, cookie.path], ['dw_console', true, 'Strict', '/console'])
  assert.match(await page.title(), /Endpoints/)
  const policy = (await page.request.get(`${api}/console/a/acme/endpoints`)).headers()['content-security-policy']
  assert.match(policy, /script-src 'self'/)
  assert.doesNotMatch(policy, /unsafe-inline/)
  console.log(`first render of the console through a link (its confirmation, the click, the redirect): ${firstRender} ms`)
  await shot(page, '01-endpoints-empty')

  // Add an endpoint: http:// to a public host is refused next to the field; fixed, with topics picked, it saves.
  await page.getByRole('link', { name: 'Add endpoint' }).first().click()
  await accessible(page, 'add endpoint')
  await page.getByLabel('Endpoint URL').fill('http://hooks.example.com/in')
  await page.getByLabel(/order\.created —/).check()
  await page.getByRole('button', { name: 'Save' }).click()
  await assert.doesNotReject(page.locator('#url-error', { hasText: 'must use https' }).waitFor())
  await shot(page, '02-add-endpoint-error')
  await page.getByLabel('Endpoint URL').fill(receiverUrl)
  await page.getByLabel(/order\.cancelled —/).check()
  // A rate of 2.5 is refused under its field in plain words (never saved as 0, "unlimited"), the input kept.
  await page.getByLabel(/Rate limit/).fill('2.5')
  await page.getByRole('button', { name: 'Save' }).click()
  const rateError = page.locator('#rateLimit-error')
  await rateError.waitFor()
  assert.match(await rateError.textContent(), /^Enter a whole number of requests per second/)
  assert.equal(await page.getByLabel(/Rate limit/).getAttribute('aria-invalid'), 'true')
  assert.equal(await page.getByLabel(/Rate limit/).inputValue(), '2.5')
  assert.equal((await call('GET', '/v1/accounts/acme/endpoints')).body.data.length, 0, 'nothing saved')
  await accessible(page, 'add endpoint with a refused rate')
  await shot(page, '02b-add-endpoint-rate-refused')
  await page.getByLabel(/Rate limit/).fill('3')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('heading', { name: 'New signing secret' }).waitFor()
  const secret = (await page.locator('#secret-value').textContent()).trim()
  assert.match(secret, /^whsec_/)
  await page.getByRole('button', { name: 'Copy' }).click()
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret)
  await shot(page, '03-endpoint-created')
  const endpointId = (await call('GET', '/v1/accounts/acme/endpoints')).body.data[0].id
  const endpointUrl = `${api}/console/a/acme/endpoints/${endpointId}`

  // A test event, its attempt shown inline; the day's chart and the latest attempts follow.
  // Any of the 29 topics may be sent as a test.
  assert.equal(await page.getByLabel('Topic').locator('option').count(), 29)
  await page.getByLabel('Topic').selectOption('order.created')
  const before = received
  await page.getByRole('button', { name: 'Send test event' }).click()
  await page.getByText(/sent: success, HTTP 200/).waitFor()
  // Post/redirect/get: the address is the endpoint's page, and a reload shows it without sending again.
  assert.equal(page.url(), endpointUrl)
  await page.reload()
  assert.equal(await page.getByText(/sent: success/).count(), 0, 'the notice is shown once')
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(received, before + 1, 'a reload repeats no action')
  assert.match(await page.locator('.status').first().textContent(), /^Healthy$/)
  await page.goto(endpointUrl)
  await printRender(page, 'an endpoint page')
  // Times: relative words, the viewer's time zone and the UTC time on hover.
  const firstTime = page.locator('time[datetime]').first()
  assert.match(await firstTime.textContent(), /^(just now|\d+ min ago)$/)
  assert.match(await firstTime.getAttribute('title'), /\(your time\) · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)
  await accessible(page, 'endpoint')
  await shot(page, '04-endpoint-test-event')

  // The receiver fails: the attempts fail, the history shows them, the health says since when.
  answer = 500
  await page.getByRole('button', { name: 'Send test event' }).click()
  await page.getByText(/sent: failure, HTTP 500/).waitFor()
  await page.getByText(/Failing since/).waitFor()
  let failed = []
  for (let i = 0; i < 100 && failed.length === 0; i += 1) {
    failed = (await call('GET', `/v1/accounts/acme/endpoints/${endpointId}/deliveries?status=failed`)).body.data
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.equal(failed.length, 1, 'the failed delivery, given up after its retry')
  await page.getByRole('link', { name: 'History' }).click()
  await page.getByLabel('Status').selectOption('failed')
  await page.getByRole('button', { name: 'Filter' }).click()
  // Retried once, then given up: two attempts.
  assert.equal(await page.locator('tbody tr', { hasText: 'failed' }).first().locator('td').nth(5).textContent(), '2')
  await accessible(page, 'history')
  await shot(page, '05-history-failed')
  // Found by its event id, typed as a person does.
  const failedEvent = failed[0].eventId
  await page.getByLabel('Status').selectOption('')
  await page.getByLabel('Event id').fill(failedEvent)
  await page.getByRole('button', { name: 'Filter' }).click()
  assert.equal(await page.locator('tbody tr', { hasText: failedEvent }).count(), 1)
  assert.equal(await page.getByLabel('Event id').inputValue(), failedEvent, 'the filter is kept')
  // The delivery's own page: given up after its retry, its two attempts as a timeline, the schedule in words.
  const historyUrl = page.url()
  await page.getByRole('link', { name: /^Attempts of delivery/ }).first().click()
  await page.getByText('Given up after 2 attempts.').waitFor()
  assert.equal(await page.locator('.timeline li').count(), 2)
  await page.getByText(/a delivery is tried 2 times/).waitFor()
  await accessible(page, 'delivery')
  await shot(page, '05b-delivery')
  await page.goto(historyUrl)
  // The live tail: an attempt recorded now appears without a reload.
  assert.equal((await call('POST', `/v1/accounts/acme/endpoints/${endpointId}/test`, { topic: 'order.cancelled' })).status, 202)
  await page.locator('#live tbody tr', { hasText: 'order.cancelled' }).first().waitFor({ timeout: 15_000 })

  // Resend it (the receiver is back), then recover with the preview first.
  answer = 200
  await page.getByRole('button', { name: /Resend delivery of/ }).first().click()
  await page.getByText(/queued for one more attempt/).waitFor()
  answer = 500
  await page.goto(endpointUrl)
  await page.getByRole('button', { name: 'Send test event' }).click()
  await page.getByText(/sent: failure/).waitFor()
  for (let i = 0; i < 100; i += 1) {
    const list = (await call('GET', `/v1/accounts/acme/endpoints/${endpointId}/deliveries?status=failed`)).body.data
    if (list.length >= 1) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  answer = 200
  await page.getByRole('link', { name: 'Recover failed deliveries' }).click()
  await page.locator('#recover-preview').waitFor()
  assert.match(await page.locator('#recover-preview').textContent(), /\d+ deliveries would be sent again/)
  await accessible(page, 'recover')
  await shot(page, '06-recover-preview')
  await page.getByRole('button', { name: /^Recover \d+ deliveries$/ }).click()
  await page.getByText(/deliveries are queued again/).waitFor()

  // A second secret, then the first expired: the list shows fingerprints, never a value.
  await page.goto(endpointUrl)
  await page.getByLabel('Label').fill('next')
  await page.getByRole('button', { name: 'Generate secret' }).click()
  await page.getByRole('heading', { name: 'New signing secret' }).waitFor()
  await page.goto(endpointUrl)
  // Expiring asks first (a confirm dialog): dismissed, nothing happens; accepted, the secret expires.
  page.once('dialog', (dialog) => dialog.dismiss())
  await page.getByRole('button', { name: /Expire secret/ }).first().click()
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(await page.getByText('Secret expired.').count(), 0, 'dismissed: not expired')
  page.once('dialog', (dialog) => {
    assert.match(dialog.message(), /Expire this secret now\?/)
    dialog.accept()
  })
  await page.getByRole('button', { name: /Expire secret/ }).first().click()
  await page.getByText('Secret expired.').waitFor()
  assert.doesNotMatch(await page.content(), /whsec_/)
  await shot(page, '07-secrets')

  // A leaked secret replaced in one confirmed step, with an overlap; the new value shown once.
  const secretsBefore = (await call('GET', `/v1/accounts/acme/endpoints/${endpointId}/secrets`)).body.data
  await page.getByLabel('The current secret keeps working for').selectOption('3600')
  // Not without the box ticked (the browser holds the form; the server refuses it too, see tests/console.rs).
  await page.getByRole('button', { name: 'Replace secret' }).click()
  assert.equal(await page.getByLabel(/I will give my receiver the new secret/).evaluate((box) => box.validity.valid), false)
  await page.getByLabel(/I will give my receiver the new secret/).check()
  await page.getByRole('button', { name: 'Replace secret' }).click()
  await page.getByText(/Secret replaced: the old one is accepted until/).waitFor()
  const secretsAfter = (await call('GET', `/v1/accounts/acme/endpoints/${endpointId}/secrets`)).body.data
  assert.equal(secretsAfter.length, secretsBefore.length + 1)
  const overlap = Math.max(...secretsAfter.filter((secret) => secret.expiresAt).map((secret) => secret.expiresAt)) - Date.now() / 1000
  assert.ok(overlap > 3500 && overlap < 3700, `the chosen overlap (1 hour), not the default: ${overlap} s`)
  assert.match((await page.locator('#secret-value').textContent()).trim(), /^whsec_/)
  await accessible(page, 'endpoint after a replacement')
  await shot(page, '07b-secret-replaced')

  // Disable and enable in one click each; the status says so.
  await page.getByRole('button', { name: 'Disable' }).click()
  assert.equal((await page.locator('.status').first().textContent()).trim(), 'Disabled')
  await page.getByRole('button', { name: 'Enable' }).click()
  await page.getByText(/Activated: deliveries resume/).waitFor()

  // The audit log says what the console did.
  await page.getByRole('link', { name: 'Audit log' }).click()
  await page.getByRole('cell', { name: 'create' }).first().waitFor()
  await accessible(page, 'audit log')
  await shot(page, '08-audit-log')

  // Keyboard only: from the top of the add form, Tab reaches the URL field and then the first topic.
  await page.getByRole('link', { name: 'Add endpoint' }).first().click()
  await page.keyboard.press('Tab')
  let focused = ''
  for (let i = 0; i < 12 && focused !== 'url'; i += 1) {
    await page.keyboard.press('Tab')
    focused = await page.evaluate(() => document.activeElement?.id)
  }
  assert.equal(focused, 'url', 'the URL field is reachable by Tab')
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'description', 'then the name')
  await page.keyboard.press('Tab')
  assert.match(await page.evaluate(() => document.activeElement?.id), /^topic-/)

  // Another account's pages: nothing, whatever the path; a form without its token: refused.
  const other = await call('POST', '/v1/accounts/other/endpoints', { url: `${receiverUrl}/other`, topics: ['order.created'] })
  assert.equal(other.status, 201)
  for (const route of ['/console/a/other/endpoints', `/console/a/other/endpoints/${other.body.id}`, '/console/a/other/history']) {
    assert.equal((await page.goto(`${api}${route}`)).status(), 404, route)
  }
  const forged = await page.request.post(`${api}/console/a/acme/endpoints/${endpointId}/test`, {
    form: { topic: 'order.created' },
    maxRedirects: 0,
  })
  assert.equal(forged.status(), 403)

  // The link again, from another browser: refused.
  const stranger = await browser.newContext()
  const reused = await (await stranger.newPage()).goto(link)
  assert.equal(reused.status(), 403)
  await stranger.close()
  assert.deepEqual(errors, [])
  assert.deepEqual(missing, [], 'every asset a page asks for exists (the icon too)')
  await context.close()
})

it('at phone width and in the dark colour scheme, every page fits and passes axe-core', { timeout: 120_000 }, async () => {
  const endpoints = (await call('GET', '/v1/accounts/acme/endpoints')).body.data
  assert.ok(endpoints.length > 0, 'runs after the first test made endpoints')
  // One switched off by its owner: it says Disabled, in the list and on its page, never Healthy.
  const off = await call('POST', '/v1/accounts/acme/endpoints', { url: `${receiverUrl}/off`, topics: ['order.created'], enabled: false })
  assert.equal(off.status, 201)
  const offId = off.body.endpoint?.id ?? off.body.id
  const attempts = (await call('GET', `/v1/accounts/acme/endpoints/${endpoints[0].id}/attempts?limit=1`)).body.data
  const deliveries = (await call('GET', '/v1/accounts/acme/deliveries?limit=1')).body.data
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 }, colorScheme: 'dark' })
  const page = await context.newPage()
  await page.goto(await consoleLink('acme'))
  await page.getByRole('button', { name: 'Open the console' }).click()
  await page.waitForURL(/\/console\/a\/acme\/endpoints$/)
  const row = page.locator('tbody tr', { hasText: '/off' })
  assert.equal((await row.locator('.status').textContent()).trim(), 'Disabled')
  const pages = [
    ['11-phone-dark-endpoints', '/console/a/acme/endpoints'],
    ['12-phone-dark-endpoint', `/console/a/acme/endpoints/${endpoints[0].id}`],
    ['13-phone-dark-disabled-endpoint', `/console/a/acme/endpoints/${offId}`],
    ['14-phone-dark-history', '/console/a/acme/history'],
    ['15-phone-dark-add-endpoint', '/console/a/acme/endpoints/new'],
    ['16-phone-dark-attempt', `/console/a/acme/attempts/${attempts[0].id}`],
    ['16b-phone-dark-delivery', `/console/a/acme/deliveries/${deliveries[0].id}`],
    ['16c-phone-dark-audit', '/console/a/acme/audit'],
    ['16d-phone-dark-edit', `/console/a/acme/endpoints/${endpoints[0].id}/edit`],
    ['16e-phone-dark-recover', `/console/a/acme/endpoints/${endpoints[0].id}/recover`],
  ]
  for (const [name, route] of pages) {
    assert.equal((await page.goto(`${api}${route}`)).status(), 200, route)
    await shot(page, name)
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    // What widens the page when something does (tables scroll inside themselves, so they are left out).
    const wide = await page.evaluate(() => [document.body, ...document.querySelectorAll('body *')]
      .filter((element) => element.tagName !== 'TABLE' && !element.closest('table') && element.scrollWidth > 391)
      .slice(0, 5).map((element) => `${element.tagName.toLowerCase()}.${element.getAttribute('class')} (${element.scrollWidth} px)`))
    assert.ok(width <= 390, `${route}: the page is ${width} px wide in a 390 px window: ${wide.join(', ')}`)
    await accessible(page, `${route} (390 px, dark)`)
  }
  await page.goto(`${api}/console/a/acme/endpoints/${offId}`)
  assert.equal((await page.locator('.status').first().textContent()).trim(), 'Disabled')
  // No attempts yet: said in words, not drawn as empty charts.
  await page.getByText('No attempts in the last 24 hours').waitFor()
  assert.equal(await page.locator('section[aria-labelledby="day"] svg').count(), 0)
  // Deleted after a page that says what goes with it; the list says what was deleted.
  await page.getByRole('link', { name: 'Delete…' }).click()
  await page.getByRole('heading', { name: 'Delete this endpoint?' }).waitFor()
  await accessible(page, 'delete confirmation (390 px, dark)')
  await shot(page, '17-phone-dark-delete')
  await page.getByRole('button', { name: 'Delete endpoint' }).click()
  await page.getByText(/^Deleted .*\/off\.$/).waitFor()
  assert.equal((await call('GET', `/v1/accounts/acme/endpoints/${offId}`)).status, 404)
  await context.close()
})

it("sits in a frame of the platform's settings page, with the platform's look", { timeout: 60_000 }, async () => {
  // The platform's page on another site (localhost, while the service is at 127.0.0.1): an iframe of a console link.
  let link = ''
  const platform = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end(`<!doctype html><title>Acme settings</title><h1>Settings</h1><iframe title="Webhooks" src="${link}" width="1000" height="700"></iframe>`)
  })
  await new Promise((resolve) => platform.listen(0, '127.0.0.1', resolve))
  const platformOrigin = `http://localhost:${platform.address().port}`
  const framed = await startService(['--console-frame-ancestors', platformOrigin, '--console-brand-name', 'Acme Supply',
    '--console-accent', '#1a5f2a'], 'framed.db')
  try {
    const create = await fetch(`${framed.base}/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'acme', name: 'Acme Retail' }) })
    assert.equal(create.status, 201)
    const made = await fetch(`${framed.base}/v1/accounts/acme/console-links`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: '{}' })
    link = `${framed.base}${(await made.json()).url}`
    const context = await browser.newContext({ bypassCSP: true })
    const page = await context.newPage()
    await page.goto(`${platformOrigin}/settings`)
    const frame = page.frameLocator('iframe[title="Webhooks"]')
    await frame.getByRole('button', { name: 'Open the console' }).click()
    // Signed in inside the frame (its cookie a partitioned third-party cookie), the platform's brand in the header.
    await frame.getByRole('heading', { name: 'Endpoints' }).waitFor()
    assert.equal((await frame.locator('.brand').textContent()).trim(), 'Acme Supply')
    await frame.getByRole('link', { name: 'Add endpoint' }).first().click()
    await frame.getByLabel('Endpoint URL').waitFor()
    const accent = await frame.locator('a').first().evaluate((element) => getComputedStyle(element).color)
    assert.equal(accent, 'rgb(26, 95, 42)')
    await shot(page, '18-framed-in-the-platform')
    // The service's own console (no frame ancestors) refuses to be framed.
    link = await consoleLink('acme')
    await page.goto(`${platformOrigin}/settings`)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const inner = page.frames().find((candidate) => candidate !== page.mainFrame())
    assert.ok(!inner || !(await inner.content().catch(() => '')).includes('Open the console'), 'not shown in a frame')
    await context.close()
  } finally {
    framed.child.kill('SIGTERM')
    platform.close()
  }
})

it('an admin signs in with the admin key and sees every account', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ bypassCSP: true })
  const page = await context.newPage()
  await page.goto(`${api}/console`)
  await page.getByLabel('Admin API key').fill('not-the-key')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').waitFor()
  await accessible(page, 'sign in')
  await shot(page, '09-sign-in')
  await page.getByLabel('Admin API key').fill(KEY)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('link', { name: 'Acme Retail' }).waitFor()
  await page.getByRole('link', { name: 'Other Supply' }).waitFor()
  await accessible(page, 'accounts')
  await shot(page, '10-accounts')
  await context.close()
  // The same two pages at phone width in the dark scheme.
  const dark = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 }, colorScheme: 'dark' })
  const phone = await dark.newPage()
  await phone.goto(`${api}/console`)
  await accessible(phone, 'sign in (390 px, dark)')
  await phone.getByLabel('Admin API key').fill(KEY)
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await phone.getByRole('link', { name: 'Acme Retail' }).waitFor()
  await accessible(phone, 'accounts (390 px, dark)')
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 390), 'the accounts page fits')
  await shot(phone, '10b-phone-dark-accounts')
  await dark.close()
})
