'use strict'
// The JS API of dropship-webhooks over a native backend: the napi addon (this package) or the WebAssembly module
// (dropship-webhooks-wasm, which builds an ES module from this file). It converts JS values (bodies, header
// containers, options) and turns the core's errors into Error subclasses; every rule lives in the Rust core.
// Runtime-neutral: the Express and Fastify helpers touch Node APIs only when they are used.

/** Builds the API over `native`, an object with the entry points both backends export under the same names. */
function createApi(native) {
  // The core's defaults, exported as constants.
  const {
    toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
    failureWindowSeconds: DEFAULT_FAILURE_WINDOW_SECONDS,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  } =
    JSON.parse(native.defaultsJson())
  const RELEVANT_HEADERS = new Set(native.relevantHeaders())
  // The names the native entry points take by position, in the core's order (RELEVANT_HEADERS).
  const [H0, H1, H2, H3, H4, H5, H6] = native.relevantHeaders()
  const DECODER = new TextDecoder()
  const ENCODER = new TextEncoder()
  // The Node addon takes header values by position (converting names costs more than looking them up in JS); the
  // WebAssembly module copies every string into its memory either way, and takes them listed only.
  const BY_POSITION = typeof native.NativeWebhook.prototype.verify === 'function'
  // The WebAssembly build says so (it can take the host's HMAC); the native addon does not have the entry point.
  const backend = typeof native.acceptsHostMac === 'function' ? 'wasm' : 'native'
  const HOST_MAC = backend === 'wasm' && native.acceptsHostMac() ? hostMac() : undefined
  // Where such a backend finds no synchronous HMAC (browsers, workerd without nodejs_compat), the async methods use
  // the runtime's crypto.subtle: the core says what to sign, the runtime signs, the core decides.
  const SUBTLE = !HOST_MAC && typeof native.NativeWebhook.prototype.tagRequest === 'function'
    ? globalThis.crypto?.subtle
    : undefined
  // Below this many body bytes the module's own SHA-256 beats a crypto.subtle round trip (a Worker at 1 KiB: 55k/s
  // against 30k/s; at 16 KiB crypto.subtle is ahead).
  const SUBTLE_MIN_BYTES = 2048
  const ERROR_KINDS = new Map(JSON.parse(native.errorKindsJson()))
  const INSPECT = Symbol.for('nodejs.util.inspect.custom')

  /**
   * Base class of every error this package throws; `code` is the stable code shared by all languages, `status` the
   * HTTP status to answer with (401 verification, 400 payload, 500 `payload_not_raw`).
   */
  class WebhookError extends Error {
    constructor(message, code, status = 400) {
      super(message)
      this.name = 'WebhookError'
      this.code = code
      this.status = status
    }
  }

  /** Headers, secrets, timestamp or signature: the request cannot be trusted. */
  class WebhookVerificationError extends WebhookError {
    constructor(message, code, status = 401) {
      super(message, code, status)
      this.name = 'WebhookVerificationError'
    }
  }

  /** The body: not raw bytes, not JSON, or not an event of the expected shape. */
  class WebhookPayloadError extends WebhookError {
    constructor(message, code, status = 400) {
      super(message, code, status)
      this.name = 'WebhookPayloadError'
    }
  }

  /** Rebuilds a native error as the class its code belongs to; anything else passes through untouched. */
  function translate(error) {
    const known = error && ERROR_KINDS.get(error.code)
    if (known === undefined) return error
    const [kind, status] = known
    const Class = kind === 'verification' ? WebhookVerificationError : kind === 'payload' ? WebhookPayloadError : WebhookError
    const translated = new Class(error.message, error.code, status)
    Error.captureStackTrace?.(translated, translate)
    return translated
  }

  function call(fn) {
    try {
      return fn()
    } catch (error) {
      throw translate(error)
    }
  }

  /** Bodies cross as bytes or strings; an already-parsed value is refused with `payload_not_raw`. */
  function rawBody(body) {
    if (typeof body === 'string' || body instanceof Uint8Array) return body
    if (body instanceof ArrayBuffer) return new Uint8Array(body)
    if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
    const found = body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body === 'object' ? 'object' : typeof body
    return call(() => native.payloadNotRaw(found))
  }

  /** Any header container as flat [name, value, …], keeping only the names the schemes read (any case). */
  function headerList(headers) {
    const flat = []
    if (headers == null) return flat
    const push = (name, value) => {
      if (value === undefined || value === null) return
      if (Array.isArray(value)) {
        for (const item of value) flat.push(name, String(item))
      } else {
        flat.push(name, String(value))
      }
    }
    if (typeof headers.get === 'function' && typeof headers.has === 'function' && !(headers instanceof Map)) {
      // Fetch Headers: lookups are case-insensitive by specification.
      for (const name of RELEVANT_HEADERS) push(name, headers.get(name))
      return flat
    }
    const entries = headers instanceof Map || Array.isArray(headers) ? headers : Object.entries(headers)
    for (const [name, value] of entries) {
      if (typeof name === 'string' && RELEVANT_HEADERS.has(name.toLowerCase())) push(name, value)
    }
    return flat
  }

  /**
   * The runtime's synchronous HMAC-SHA256 for a backend that takes one (the WebAssembly module: native SHA-256 is
   * several times faster than SHA-256 in wasm): `node:crypto` in Node, Bun, Deno, and workerd with `nodejs_compat`.
   * Elsewhere (browsers) undefined, and the module computes it.
   */
  function hostMac() {
    let crypto
    try {
      crypto = globalThis.process?.getBuiltinModule?.('node:crypto')
    } catch {
      return undefined
    }
    if (!crypto || typeof crypto.createHmac !== 'function') return undefined
    return (key, ...parts) => {
      const mac = crypto.createHmac('sha256', key)
      for (const part of parts) mac.update(part)
      return mac.digest()
    }
  }

  /** A plain header object (Node's IncomingHttpHeaders, a literal): looked up by lowercase name, by position. */
  function isPlainHeaders(headers) {
    return headers !== null && typeof headers === 'object' && !(headers instanceof Map) && !Array.isArray(headers) &&
      typeof headers.get !== 'function'
  }

  /** Thrown by `single` for a header given several times: the core picks among them, from the listed form. */
  const SEVERAL = Symbol('several values')

  /** A header object's value under a lowercase name, as text (a repeated header leaves the fast path). */
  function single(value) {
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') return value
    if (Array.isArray(value)) throw SEVERAL
    return String(value)
  }

  /**
   * Runs the native check `byPosition` with the header values by position when the headers are a plain object
   * (spares converting names), or `listed` with them listed by name in any case otherwise. A plain object whose
   * names are not lowercase comes back `missing_header` by position, and one with a repeated header (an array) is
   * not passed by position at all: both are then read again, listed in any case, and the core decides which header
   * counts. (Method names, not closures: nothing is allocated per call.)
   */
  function withHeaders(target, byPosition, listed, raw, headers, now) {
    if (!BY_POSITION || !isPlainHeaders(headers)) return call(() => target[listed](raw, headerList(headers), now))
    try {
      return target[byPosition](raw, now, single(headers[H0]), single(headers[H1]), single(headers[H2]),
        single(headers[H3]), single(headers[H4]), single(headers[H5]), single(headers[H6]))
    } catch (error) {
      if (error !== SEVERAL && (!error || error.code !== 'missing_header')) throw translate(error)
      return call(() => target[listed](raw, headerList(headers), now))
    }
  }

  /**
   * A raw body's text (when the canonical event is the body itself): the text of the UTF-8 bytes that were verified.
   * A string crosses to the native side as UTF-8, where a lone surrogate becomes U+FFFD, so such a string is read
   * through the same conversion.
   */
  function textOf(raw) {
    if (typeof raw === 'string') {
      return typeof raw.isWellFormed !== 'function' || raw.isWellFormed() ? raw : DECODER.decode(ENCODER.encode(raw))
    }
    if (typeof Buffer === 'function' && Buffer.isBuffer(raw)) return raw.toString()
    return DECODER.decode(raw)
  }

  /** The signature check's answer as the API gives it (the WebAssembly module answers an array, the addon an object). */
  function signatureReport(verified) {
    if (Array.isArray(verified)) {
      return { id: verified[0] ?? null, timestamp: verified[1] ?? null, secretIndex: verified[2], secretLabel: verified[3] ?? null }
    }
    return {
      id: verified.id ?? null,
      timestamp: verified.timestamp ?? null,
      secretIndex: verified.secretIndex,
      secretLabel: verified.secretLabel ?? null,
    }
  }

  /**
   * A time as unix seconds: a number, a `Date`, or (absent) `fallback`; anything else is `invalid_option` naming it
   * (`name` null: passed on as it is, for the native layer's own, more precise error).
   */
  function unixSeconds(value, fallback, name = 'now') {
    if (value === undefined || value === null) return fallback
    if (value instanceof Date) value = Math.floor(value.getTime() / 1000)
    if (name !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      const got = value instanceof Date || typeof value === 'number' ? String(value) : typeof value
      // The core's wording for `invalid_option`, as the other bindings raise it.
      throw translate(Object.assign(new Error(`the option \`${name}\` is invalid: it must be unix seconds (a number, 0 or more) or a Date; got ${got}`),
        { code: 'invalid_option' }))
    }
    return value
  }

  function nowSeconds(options) {
    return unixSeconds(options && options.now, Math.floor(Date.now() / 1000))
  }

  /** Secrets as the native layer takes them: a string, a list of strings and/or `{ secret, expiresAt?, label? }`. */
  function secretList(secrets) {
    const list = Array.isArray(secrets) ? secrets : [secrets]
    return list.map((entry) => {
      if (typeof entry === 'string') return { secret: entry }
      if (entry && typeof entry.secret === 'string') {
        const spec = { secret: entry.secret }
        // The native layer names the secret's position (`invalid_secret`, "#1").
        const expiresAt = unixSeconds(entry.expiresAt, undefined, null)
        if (expiresAt !== undefined) spec.expiresAt = expiresAt
        if (entry.label !== undefined && entry.label !== null) spec.label = String(entry.label)
        return spec
      }
      throw new WebhookVerificationError(
        'each secret must be a string or an object { secret, expiresAt?, label? }',
        'invalid_secret',
      )
    })
  }

  /**
   * Reads a request body to its end, or stops at `limit` bytes: past it the promise rejects with `tooLarge()` and
   * the rest is discarded as it arrives, never kept.
   */
  function collect(stream, limit, tooLarge) {
    return new Promise((resolve, reject) => {
      const chunks = []
      let length = 0
      const onData = (chunk) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        length += bytes.length
        if (length > limit) {
          stream.off('data', onData)
          stream.off('end', onEnd)
          chunks.length = 0
          stream.resume()
          return reject(tooLarge())
        }
        chunks.push(bytes)
      }
      const onEnd = () => resolve(Buffer.concat(chunks))
      stream.on('data', onData)
      stream.on('end', onEnd)
      stream.on('error', reject)
    })
  }

  /** A Fetch body stream read to its end, or cancelled past `limit` bytes (rejecting with `tooLarge()`). */
  async function readStream(stream, limit, tooLarge) {
    if (stream == null) return new Uint8Array(0)
    const reader = stream.getReader()
    const chunks = []
    let length = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      length += value.byteLength
      if (length > limit) {
        await reader.cancel().catch(() => {})
        throw tooLarge()
      }
      chunks.push(value)
    }
    if (chunks.length === 1) return chunks[0]
    const body = new Uint8Array(length)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.byteLength
    }
    return body
  }

  /**
   * Building a native webhook derives every secret's HMAC key (and, in WebAssembly, allocates in the module's
   * memory). Receivers often build a `Webhook` per request with the same secrets, so the last few native objects
   * are kept by their exact settings and shared: they never change after construction. A setting that fails is
   * not kept, so it fails again.
   */
  const recentNatives = new Map()
  const RECENT_NATIVES = 8

  /** `{ native, options }`: the native webhook and the scheme and tolerance it took (the core's defaults filled in). */
  function nativeWebhook(specs, settings) {
    const key = `${settings}\u0000${specs}`
    let found = recentNatives.get(key)
    if (found === undefined) {
      const built = call(() => HOST_MAC
        ? new native.NativeWebhook(specs, settings, HOST_MAC)
        : new native.NativeWebhook(specs, settings))
      found = { native: built, options: JSON.parse(built.optionsJson()) }
      if (recentNatives.size >= RECENT_NATIVES) recentNatives.delete(recentNatives.keys().next().value)
    } else {
      recentNatives.delete(key)
    }
    recentNatives.set(key, found)
    return found
  }

  /** Verifies webhooks with one or more secrets; see the README for the whole API. */
  class Webhook {
    #native
    #scheme
    #tolerance
    #bodyLimit
    /** crypto.subtle keys by secret index, imported when an async method first needs them. */
    #subtleKeys = []
    /** The router: handlers by topic, and those for events no topic handler takes (`onAny`). */
    #handlers = new Map()
    #fallback = []

    constructor(secrets, options = {}) {
      const settings = optionsText({
        scheme: options.scheme,
        toleranceSeconds: options.toleranceSeconds,
        bodyLimitBytes: options.bodyLimitBytes,
      })
      const built = nativeWebhook(optionsText(secretList(secrets)), settings)
      this.#native = built.native
      this.#scheme = built.options.scheme
      this.#tolerance = built.options.toleranceSeconds
      this.#bodyLimit = built.options.bodyLimitBytes
    }

    get scheme() {
      return this.#scheme
    }

    get toleranceSeconds() {
      return this.#tolerance
    }

    get bodyLimitBytes() {
      return this.#bodyLimit
    }

    /**
     * Every check made before the body is needed (headers present and well formed, timestamp within the
     * tolerance, a secret active), with the errors `verify` would throw: call it before reading a body.
     */
    checkHeaders(headers, options) {
      call(() => this.#native.checkBeforeBody(headerList(headers), 0, nowSeconds(options)))
    }

    /**
     * What the framework helpers do before reading a body: `checkHeaders`, then the declared `Content-Length`
     * against `bodyLimitBytes` (`payload_too_large`).
     */
    #checkBeforeBody(headers, options) {
      const declared = Number(typeof headers?.get === 'function' ? headers.get('content-length') : headers?.['content-length'])
      const length = Number.isSafeInteger(declared) && declared >= 0 ? declared : 0
      call(() => this.#native.checkBeforeBody(headerList(headers), length, nowSeconds(options)))
    }

    /**
     * The core's refusal of a body found over the limit while reading it (headers that passed before):
     * `payload_too_large`, or what else the request fails by now.
     */
    #tooLarge(headers, options) {
      try {
        call(() => this.#native.checkBeforeBody(headerList(headers), this.#bodyLimit + 1, nowSeconds(options)))
      } catch (error) {
        return error
      }
      return new WebhookPayloadError('the body is over the limit', 'payload_too_large', 413)
    }

    /** Checks the signature and parses the body into a typed event. */
    verify(body, headers, options) {
      const raw = rawBody(body)
      const json = withHeaders(this.#native, 'verify', 'verifyListed', raw, headers, nowSeconds(options))
      // No JSON back: the body is already the canonical event.
      return JSON.parse(json ?? textOf(raw))
    }

    /** Checks the signature only: `{ id, timestamp, secretIndex, secretLabel }`. */
    verifySignature(body, headers, options) {
      const raw = rawBody(body)
      return signatureReport(withHeaders(this.#native, 'verifySignature', 'verifySignatureListed', raw, headers,
        nowSeconds(options)))
    }

    /**
     * `verify` for async code: the same checks and answer. Where the runtime's only HMAC is `crypto.subtle`
     * (browsers, workerd without nodejs_compat) the tags are computed there instead of in WebAssembly.
     */
    async verifyAsync(body, headers, options) {
      const signed = this.#subtleFits(body) && await this.#subtleTags(body, headers, options)
      if (!signed) return this.verify(body, headers, options)
      const { bytes, list, now, tags } = signed
      const json = call(() => this.#native.verifyListed(bytes, list, now, tags))
      return JSON.parse(json ?? textOf(bytes))
    }

    /** `verifySignature` for async code (see `verifyAsync`). */
    async verifySignatureAsync(body, headers, options) {
      const signed = this.#subtleFits(body) && await this.#subtleTags(body, headers, options)
      if (!signed) return this.verifySignature(body, headers, options)
      const { bytes, list, now, tags } = signed
      return signatureReport(call(() => this.#native.verifySignatureListed(bytes, list, now, tags)))
    }

    /** Whether crypto.subtle signs this body (a string's length in UTF-16 units stands in for its bytes). */
    #subtleFits(body) {
      const size = typeof body === 'string' ? body.length : body?.byteLength
      return SUBTLE !== undefined && size >= SUBTLE_MIN_BYTES
    }

    /**
     * The tags crypto.subtle computes for the core's tag request, or undefined if crypto.subtle fails (the module
     * then computes them itself). The core's checks that need no tag throw here.
     */
    async #subtleTags(body, headers, options) {
      const raw = rawBody(body)
      // Both sides sign the same bytes: a string is encoded once, here.
      const bytes = typeof raw === 'string' ? ENCODER.encode(raw) : raw
      const list = headerList(headers)
      const now = nowSeconds(options)
      const [prefix, ...secrets] = call(() => this.#native.tagRequest(list, bytes.length, now))
      // No signature could be a tag: the core refuses without tags, so neither copy nor sign the body.
      if (secrets.length === 0) return { bytes, list, now, tags: new Uint8Array(0) }
      const content = new Uint8Array(prefix.length + bytes.length)
      content.set(prefix)
      content.set(bytes, prefix.length)
      let signed
      try {
        signed = await Promise.all(secrets.map(async (index) => SUBTLE.sign('HMAC', await this.#subtleKey(index), content)))
      } catch {
        return undefined
      }
      const tags = new Uint8Array(32 * signed.length)
      signed.forEach((tag, position) => tags.set(new Uint8Array(tag), 32 * position))
      return { bytes, list, now, tags }
    }

    /** The secret's key imported into crypto.subtle once, on first use. */
    #subtleKey(index) {
      this.#subtleKeys[index] ??= SUBTLE.importKey('raw', this.#native.secretKey(index), { name: 'HMAC', hash: 'SHA-256' },
        false, ['sign'])
      return this.#subtleKeys[index]
    }

    /** The headers to send with a body: one signature per active secret. */
    sign(id, timestamp, body) {
      const raw = rawBody(body)
      const flat = call(() => this.#native.sign(String(id), unixSeconds(timestamp, undefined, 'timestamp'), raw))
      const headers = {}
      for (let index = 0; index < flat.length; index += 2) headers[flat[index]] = flat[index + 1]
      return headers
    }

    /** Verifies a Fetch `Request` (Next.js route handlers, Hono, Workers, Deno, Bun). Reads its body. */
    async verifyRequest(request, options) {
      // What cannot pass is refused before the body is read; then at most bodyLimitBytes of it is read.
      this.#checkBeforeBody(request.headers, options)
      if (request.bodyUsed) return call(() => native.payloadNotRaw('Request whose body was already read'))
      const body = await readStream(request.body, this.#bodyLimit, () => this.#tooLarge(request.headers, options))
      return this.verifyAsync(body, request.headers, options)
    }

    /**
     * Adds a handler for a topic of the catalog (or several): `dispatch` and `handle` call it with the verified event.
     * A name outside the catalog is a mistake in the receiver (a typo would never be called), so it throws.
     */
    on(topic, handler) {
      const names = typeof topic === 'string' ? [topic] : Array.from(topic ?? [])
      if (typeof handler !== 'function') throw new TypeError('on(topic, handler): the handler must be a function')
      if (names.length === 0) throw new TypeError('on(topic, handler): name at least one topic')
      for (const name of names) {
        if (!TOPIC_NAMES.has(name)) {
          throw new TypeError(`on(): ${JSON.stringify(name)} is not a topic of the catalog (see \`topics\`); onAny() takes every other event`)
        }
      }
      for (const name of names) {
        if (!this.#handlers.has(name)) this.#handlers.set(name, [])
        this.#handlers.get(name).push(handler)
      }
      return this
    }

    /** Adds a handler for every event no `on` handler takes: other topics, and topics newer than this version. */
    onAny(handler) {
      if (typeof handler !== 'function') throw new TypeError('onAny(handler): the handler must be a function')
      this.#fallback.push(handler)
      return this
    }

    /**
     * Calls the handlers of the event's topic one after another (awaiting each), or the `onAny` handlers when the
     * topic has none; resolves to how many ran. A handler's error rejects it, and the handlers after it don't run.
     */
    async dispatch(event) {
      const handlers = this.#handlers.get(event?.topic) ?? this.#fallback
      for (const handler of handlers) await handler(event)
      return handlers.length
    }

    /**
     * Verifies and dispatches: resolves to the answer to give the sender — 204 once every handler has finished, the
     * error's status and `{ error, message }` when the request is refused. A handler's error is not an answer: it
     * rejects, so the server answers 500 and reports it (the sender retries later).
     */
    async handle(body, headers, options) {
      let event
      try {
        event = await this.verifyAsync(body, headers, options)
      } catch (error) {
        if (error instanceof WebhookError) return refusal(error)
        throw error
      }
      await this.dispatch(event)
      return { status: 204, headers: {}, body: '', event }
    }

    /**
     * A Fetch handler (Workers, Deno.serve, Bun.serve, Next.js route handlers, Hono): verifies the `Request`,
     * dispatches, and answers 204, or the refusal's status with `{ error, message }`. A handler's error rejects, so
     * the runtime answers 500 and logs it.
     */
    fetchHandler(options) {
      return async (request) => {
        let event
        try {
          event = await this.verifyRequest(request, options)
        } catch (error) {
          if (!(error instanceof WebhookError)) throw error
          const answer = refusal(error)
          return new Response(answer.body, { status: answer.status, headers: answer.headers })
        }
        await this.dispatch(event)
        return new Response(null, { status: 204 })
      }
    }

    /**
     * An Express handler: `express()`'s checks, then `dispatch`, then 204. A handler's error goes to `next(error)`
     * (Express answers 500 and logs it, or the app's error middleware takes it).
     */
    expressHandler(options = {}) {
      const verifying = this.express(options)
      return (req, res, next) =>
        verifying(req, res, (error) => {
          if (error) return next(error)
          this.dispatch(req.webhook).then(() => {
            if (!res.headersSent) res.status(204).end()
          }, next)
        })
    }

    /** Express middleware: verifies, sets `req.webhook` to the event, or answers 401/400 with `{ error, message }`. */
    express(options = {}) {
      return (req, res, next) => {
        const refuse = (error) => {
          if (!(error instanceof WebhookError)) return next(error)
          if (options.onError) return options.onError(error, req, res, next)
          return res.status(error.status ?? 400).json({ error: error.code, message: error.message })
        }
        const handle = (body) => {
          try {
            req.webhook = this.verify(body, req.headers, options)
          } catch (error) {
            return refuse(error)
          }
          return next()
        }
        // A body parser ran (body-parser marks `_body`) or left bytes/text: use what it produced. A parsed object is
        // refused by the core with `payload_not_raw`, whose message names express.json() as the usual culprit.
        const consumed = req._body === true || req.readableEnded
        if (req.body !== undefined && (consumed || typeof req.body === 'string' || req.body instanceof Uint8Array)) {
          return handle(req.body)
        }
        if (consumed) return handle(req.body ?? null)
        // Nothing read yet: refuse what cannot pass before reading a byte (headers, timestamp, declared length),
        // then read at most bodyLimitBytes. A refused connection is closed rather than drained.
        try {
          this.#checkBeforeBody(req.headers, options)
        } catch (error) {
          res.set('Connection', 'close')
          return refuse(error)
        }
        collect(req, this.#bodyLimit, () => this.#tooLarge(req.headers, options)).then(handle, (error) => {
          if (error instanceof WebhookError) res.set('Connection', 'close')
          refuse(error)
        })
      }
    }

    /**
     * A Fastify plugin with its own raw-body parser (encapsulated, so the app's JSON parsing is untouched) that
     * routes POST, PUT and PATCH on the plugin's prefix to `handler(event, request, reply)` — or, without a handler,
     * to `dispatch` and a 204.
     */
    fastify(handler, options = {}) {
      const webhook = this
      // `fastify(options)` or `fastify()`: without a handler of its own the plugin is the router's (dispatch, 204).
      if (handler !== undefined && handler !== null && typeof handler !== 'function') [handler, options] = [undefined, handler]
      handler ??= async (event, _request, reply) => {
        await webhook.dispatch(event)
        return reply.code(204).send()
      }
      const refuse = (reply, error) => reply.code(error.status ?? 400).send({ error: error.code, message: error.message })
      return async function dropshipWebhooks(instance) {
        // Inside this plugin only: every content type arrives as the raw Buffer (the built-in JSON parser would win
        // over a '*' parser, so the defaults are removed first), at most bodyLimitBytes of it.
        instance.removeAllContentTypeParsers()
        instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: webhook.#bodyLimit },
          (_request, body, done) => done(null, body))
        instance.setErrorHandler((error, request, reply) => {
          if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
            return refuse(reply.header('connection', 'close'), webhook.#tooLarge(request.headers, options))
          }
          return reply.send(error)
        })
        instance.route({
          method: ['POST', 'PUT', 'PATCH'],
          url: options.url ?? '/',
          bodyLimit: webhook.#bodyLimit,
          // Before the body is read: what cannot pass is refused without reading it.
          onRequest: async (request, reply) => {
            try {
              webhook.#checkBeforeBody(request.headers, options)
            } catch (error) {
              if (!(error instanceof WebhookError)) throw error
              return refuse(reply.header('connection', 'close'), error)
            }
          },
          handler: async (request, reply) => {
            let event
            try {
              event = webhook.verify(request.body ?? new Uint8Array(0), request.headers, options)
            } catch (error) {
              if (!(error instanceof WebhookError)) throw error
              return refuse(reply, error)
            }
            return handler(event, request, reply)
          },
        })
      }
    }

    [INSPECT]() {
      return `Webhook { scheme: '${this.#scheme}', toleranceSeconds: ${this.#tolerance}, bodyLimitBytes: ${this.#bodyLimit}, secrets: <redacted> }`
    }

    toJSON() {
      return { scheme: this.#scheme, toleranceSeconds: this.#tolerance, bodyLimitBytes: this.#bodyLimit }
    }
  }

  /** A new `whsec_` secret: 32 bytes from the platform's CSPRNG, or the 24–64 random bytes given. */
  function generateSecret(random) {
    const bytes = random === undefined ? globalThis.crypto.getRandomValues(new Uint8Array(32)) : rawBody(random)
    return call(() => native.generateSecretFrom(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes))
  }

  /** Parses a body into a typed event without checking any signature (tests, replays). */
  function parseEvent(body) {
    const raw = rawBody(body)
    return JSON.parse(call(() => native.parseEventJson(raw)))
  }

  function deepFreeze(value) {
    if (value && typeof value === 'object') {
      for (const item of Object.values(value)) deepFreeze(item)
      Object.freeze(value)
    }
    return value
  }

  const topics = deepFreeze(JSON.parse(native.topicsJson()))
  const TOPIC_NAMES = new Set(topics.map((topic) => topic.name))

  /** The answer to a refused request: the error's status and `{ error, message }` as JSON. */
  function refusal(error) {
    return {
      status: error.status ?? 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: error.code, message: error.message }),
      error,
    }
  }
  const retrySchedule = deepFreeze(JSON.parse(native.retryScheduleJson()))

  /**
   * An option set as the native layer reads it: JSON text (the core's options layer names a bad field). Numbers
   * JSON cannot carry (NaN, ±Infinity, bigint) go as their text, so they are refused with the field named rather
   * than dropped to `null` (which would mean "the default").
   */
  function optionsText(options) {
    if (options === undefined || options === null) return undefined
    return JSON.stringify(options, (_key, value) =>
      (typeof value === 'number' && !Number.isFinite(value)) || typeof value === 'bigint' ? String(value) : value,
    )
  }

  /** Milliseconds to wait after `failures` failed attempts, or null once retries are used up. */
  function nextRetryDelay(failures, random = Math.random(), schedule) {
    return call(() => native.nextRetryDelay(failures, random, optionsText(schedule))) ?? null
  }

  /** Milliseconds a `Retry-After` header asks for (clamped), or null if absent or unreadable. */
  function retryAfterDelay(header, now, schedule) {
    const at = unixSeconds(now, Math.floor(Date.now() / 1000))
    return call(() => native.retryAfterDelay(header ?? null, at, optionsText(schedule))) ?? null
  }

  /** A health state as the native layer reads it (`failingSince` may be a Date). */
  function healthText(state) {
    if (!state) return undefined
    return optionsText({ status: state.status, failingSince: unixSeconds(state.failingSince, null, 'failingSince') })
  }

  const health = Object.freeze({
    HEALTHY: deepFreeze(JSON.parse(native.healthRecordSuccess())),
    /** After a failed delivery at `at` (unix seconds). */
    recordFailure(state, at, windowSeconds = DEFAULT_FAILURE_WINDOW_SECONDS) {
      return JSON.parse(call(() => native.healthRecordFailure(healthText(state), unixSeconds(at, undefined, 'at'), windowSeconds)))
    },
    /** After a delivery the endpoint accepted. */
    recordSuccess(state) {
      return JSON.parse(call(() => native.healthRecordSuccess(healthText(state))))
    },
    /** The owner re-activated the endpoint. */
    reactivate(state) {
      return JSON.parse(call(() => native.healthReactivate(healthText(state))))
    },
  })

  /** Rate limit step (GCRA): `{ nextTatUs }` if a request may go now, else `{ waitUs }`; rate 0 = unlimited. */
  function rateLimitCheck(rate, tatUs, nowUs) {
    return JSON.parse(call(() => native.rateLimitCheck(rate, tatUs, nowUs)))
  }

  /** Whether one more request may start while `inFlight` run; burst 0 = unlimited. */
  function burstAllows(burst, inFlight) {
    return call(() => native.burstAllows(burst, inFlight))
  }

  /** Checks an endpoint configuration; returns it normalized or throws `invalid_endpoint` / `invalid_secret`. */
  function validateEndpoint(config, options = {}) {
    const spec = { ...config, secrets: secretList(config.secrets ?? []) }
    return JSON.parse(call(() => native.validateEndpointJson(optionsText(spec), Boolean(options.allowInsecureLoopback))))
  }

  return {
    backend,
    Webhook,
    WebhookError,
    WebhookVerificationError,
    WebhookPayloadError,
    generateSecret,
    parseEvent,
    topics,
    retrySchedule,
    nextRetryDelay,
    retryAfterDelay,
    health,
    rateLimitCheck,
    burstAllows,
    validateEndpoint,
    DEFAULT_TOLERANCE_SECONDS,
    DEFAULT_FAILURE_WINDOW_SECONDS,
    DEFAULT_BODY_LIMIT_BYTES,
  }
}

module.exports = { createApi }
