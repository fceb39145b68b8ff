// Serves worker.mjs (in the current folder) on workerd through miniflare, on 127.0.0.1:<port>.
// Usage: node run-worker.mjs <miniflare package folder> <port>
import { createRequire } from 'node:module'
import path from 'node:path'

const [miniflareFrom, port] = process.argv.slice(2)
const { Miniflare } = createRequire(path.join(miniflareFrom, 'package.json'))('miniflare')
const mf = new Miniflare({
  modules: true,
  scriptPath: path.resolve('worker.mjs'),
  modulesRules: [
    { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
    { type: 'CompiledWasm', include: ['**/*.wasm'] },
  ],
  host: '127.0.0.1',
  port: Number(port),
})
const url = await mf.ready
console.log(`worker receiver on ${url}`)
const stop = async () => {
  await mf.dispose()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
