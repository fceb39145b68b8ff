'use strict'
// Packs the package as npm would publish it — the main package (JS, declarations, the WebAssembly fallback) and, the
// napi-rs way, one package per platform with its binary — installs the tarballs into a fresh app, and uses it from
// CommonJS, from an ES module and from TypeScript (strict, with the published declarations).
const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const PACKAGE = path.join(__dirname, '..')
const TSC = path.join(PACKAGE, '..', 'tools', 'typecheck', 'node_modules', '.bin', 'tsc')
const TYPE_ROOTS = path.join(PACKAGE, '..', 'tools', 'typecheck', 'node_modules', '@types')

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

describe('the packed tarball in a fresh app', () => {
  let app
  before(() => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'dropship-webhooks-app-'))
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', app], PACKAGE))
    const files = packed[0].files.map((file) => file.path)
    for (const expected of ['index.js', 'index.mjs', 'index.d.ts', 'events.d.ts', 'native.cjs']) {
      assert.ok(files.includes(expected), `${expected} missing from the tarball: ${files}`)
    }
    assert.ok(!files.some((file) => file.endsWith('.node')), 'a binary in the main package: each has its own')
    assert.ok(files.includes('wasm/dropship_webhooks_bg.wasm'), 'no WebAssembly fallback in the tarball')
    // This machine's platform package; the others are optional dependencies npm skips here.
    const platform = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', app], path.join(PACKAGE, 'npm', 'linux-x64-gnu')))
    assert.deepEqual(platform[0].files.map((file) => file.path).filter((file) => file.endsWith('.node')),
      ['dropship-webhooks.linux-x64-gnu.node'])
    const main = JSON.parse(fs.readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'))
    for (const dir of fs.readdirSync(path.join(PACKAGE, 'npm'))) {
      const { name, version } = JSON.parse(fs.readFileSync(path.join(PACKAGE, 'npm', dir, 'package.json'), 'utf8'))
      assert.equal(main.optionalDependencies[name], main.version, `${name} is not an optional dependency at ${main.version}`)
      assert.equal(version, main.version, `${name} is at ${version}, the main package at ${main.version}`)
    }
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true }))
    run('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(app, packed[0].filename),
      path.join(app, platform[0].filename)], app)
  })
  after(() => fs.rmSync(app, { recursive: true, force: true }))

  const script = (load) => `${load}
const secret = generateSecret()
const webhook = new Webhook([{ secret, label: 'current' }])
const body = JSON.stringify({ id: 'evt_pack', topic: 'order.canceled', data: { id: 7 } })
const headers = webhook.sign('msg_pack', Math.floor(Date.now() / 1000), body)
const event = webhook.verify(body, headers)
let refused = ''
try { webhook.verify(body + ' ', headers) } catch (error) { refused = error instanceof WebhookVerificationError ? error.code : 'wrong class' }
console.log(JSON.stringify({ topic: event.topic, id: event.data.id, refused }))
`
  const expected = { topic: 'order.cancelled', id: '7', refused: 'no_matching_signature' }

  it('works with require()', () => {
    fs.writeFileSync(
      path.join(app, 'cjs.js'),
      script("const { Webhook, generateSecret, WebhookVerificationError } = require('dropship-webhooks')"),
    )
    assert.deepEqual(JSON.parse(run('node', ['cjs.js'], app)), expected)
  })

  it('works with import', () => {
    fs.writeFileSync(
      path.join(app, 'esm.mjs'),
      script("import { Webhook, generateSecret, WebhookVerificationError } from 'dropship-webhooks'"),
    )
    assert.deepEqual(JSON.parse(run('node', ['esm.mjs'], app)), expected)
  })

  it('type-checks a strict TypeScript receiver against the published declarations', () => {
    fs.writeFileSync(
      path.join(app, 'receiver.ts'),
      `import { Webhook, WebhookVerificationError, type Order, type WebhookEvent } from 'dropship-webhooks'
const webhook = new Webhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { secret: 'whsec_dGhpcy1pcy1hLW5ldy1zZWNyZXQtZm9yLXRlc3Rz', expiresAt: new Date() }], { toleranceSeconds: 600 })
export function handle(body: Buffer, headers: Record<string, string>): string {
  try {
    const event: WebhookEvent = webhook.verify(body, headers)
    switch (event.topic) {
      case 'order.created': {
        const order: Order = event.data
        return (order.lines ?? []).map((line) => line.sku ?? line.id).join(',')
      }
      case 'variant.unavailable':
        return event.data.variantIds.join(',')
      default:
        return event.id
    }
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.code
    throw error
  }
}
`,
    )
    run(
      TSC,
      ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
        '--typeRoots', TYPE_ROOTS, '--types', 'node', 'receiver.ts'],
      app,
    )
  })

  // Where no native binary matches (macOS, Windows, musl, arm64 here), the same package loads its WebAssembly build.
  const installed = () => path.join(app, 'node_modules', 'dropship-webhooks')
  const backendOf = (env, load = "require('dropship-webhooks')") =>
    execFileSync('node', ['-e', `console.log(${load}.backend)`], { cwd: app, encoding: 'utf8', env }).trim()
  const VECTORS = path.join(__dirname, 'vectors.test.mjs')
  function vectorsPass(env) {
    // The repository's vector suite, pointed at the installed package; it fails the run on any vector.
    // Without NODE_TEST_CONTEXT the child runner reports as a top-level run would, in TAP on its stdout.
    const { NODE_TEST_CONTEXT: _nested, ...outside } = env
    const output = execFileSync('node', ['--test', '--test-reporter=tap', VECTORS],
      { env: { ...outside, DROPSHIP_WEBHOOKS_MODULE: installed(), DROPSHIP_WEBHOOKS_EXPECT_BACKEND: 'wasm' },
        encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1])
    assert.match(output, /^# fail 0$/m)
    assert.ok(passed > 400, `only ${passed} vectors ran`)
  }

  it('loads the native addon where it matches, and says so', () => {
    assert.equal(backendOf(process.env), 'native')
    assert.equal(backendOf({ ...process.env, DROPSHIP_WEBHOOKS_BACKEND: 'wasm' }), 'wasm')
  })

  it('falls back to WebAssembly on a platform without a binary, and runs every shared vector there', () => {
    // The platform is faked before the first require, as on an arm64 Mac.
    const fake = path.join(app, 'fake-platform.cjs')
    fs.writeFileSync(fake, "Object.defineProperty(process, 'platform', { value: 'darwin' })\n" +
      "Object.defineProperty(process, 'arch', { value: 'arm64' })\n")
    const env = { ...process.env, NODE_OPTIONS: `--require=${fake}` }
    assert.equal(backendOf(env), 'wasm')
    const esm = execFileSync('node', ['--input-type=module', '-e',
      "import { backend, Webhook } from 'dropship-webhooks'; console.log(backend, typeof Webhook)"],
    { cwd: app, encoding: 'utf8', env }).trim()
    assert.equal(esm, 'wasm function')
    vectorsPass(env)
  })

  it('falls back to WebAssembly when the platform package is missing, and runs every shared vector there', () => {
    const platformPackage = path.join(app, 'node_modules', 'dropship-webhooks-linux-x64-gnu')
    const aside = path.join(app, 'platform-package-aside')
    fs.renameSync(platformPackage, aside)
    try {
      assert.equal(backendOf(process.env), 'wasm')
      assert.throws(() => backendOf({ ...process.env, DROPSHIP_WEBHOOKS_BACKEND: 'native' }), /native binding/i)
      vectorsPass(process.env)
    } finally {
      fs.renameSync(aside, platformPackage)
    }
  })
})
