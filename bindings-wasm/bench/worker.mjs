// The Worker side of the workerd benchmark (worker.bench.mjs): each request runs `n` verifications of one signed
// body with one contender and answers when done; the caller times requests from outside, since a Worker's clock
// stands still during CPU work.
import { Webhook } from '../dist/workerd.mjs'
import standardWebhooks from '../../bindings-js/node_modules/standardwebhooks/dist/index.js'

const encoder = new TextEncoder()

/** What a careful developer writes for a Worker: headers, tolerance, crypto.subtle HMAC per v1 entry, JSON.parse. */
async function subtleVerifier(secret) {
  const raw = Uint8Array.from(atob(secret.slice('whsec_'.length)), (char) => char.charCodeAt(0))
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  return async (text, headers) => {
    const id = headers['webhook-id']
    const timestamp = headers['webhook-timestamp']
    const signatures = headers['webhook-signature']
    if (!id || !timestamp || !signatures) throw new Error('missing header')
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > 300) throw new Error('timestamp')
    const content = encoder.encode(`${id}.${timestamp}.${text}`)
    for (const entry of signatures.split(' ')) {
      const [version, signature] = entry.split(',')
      if (version !== 'v1') continue
      const given = Uint8Array.from(atob(signature), (char) => char.charCodeAt(0))
      if (await crypto.subtle.verify('HMAC', key, given, content)) return JSON.parse(text)
    }
    throw new Error('no matching signature')
  }
}

let contenders

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const size = url.searchParams.get('size')
    const n = Number(url.searchParams.get('n'))
    const { text, headers } = env.CASES[size]
    contenders ??= {
      ours: ((webhook) => (body, hs) => webhook.verify(body, hs))(new Webhook(env.SECRET)),
      oursAsync: ((webhook) => (body, hs) => webhook.verifyAsync(body, hs))(new Webhook(env.SECRET)),
      subtle: await subtleVerifier(env.SECRET),
      standardwebhooks: ((webhook) => (body, hs) => webhook.verify(body, hs))(new standardWebhooks.Webhook(env.SECRET)),
    }
    const verify = contenders[url.searchParams.get('contender')]
    const body = encoder.encode(text)
    let last
    for (let i = 0; i < n; i++) last = await verify(url.searchParams.get('contender').startsWith('ours') ? body : text, headers)
    return Response.json({ n, topic: last?.topic ?? null })
  },
}
