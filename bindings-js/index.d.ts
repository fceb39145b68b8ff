// Type declarations of the dropship-webhooks Node.js package. Event and payload types are generated from the Rust
// types into ./events.d.ts (`make generate`).

import type { EventsByTopic, Topic, TopicInfo, WebhookErrorCode, WebhookEvent } from './events'

export * from './events'

/** Unix seconds, or a Date. */
export type Timestamp = number | Date

/** One secret: a `whsec_…` string (Standard Webhooks) or any string (fabric), with an optional expiry and label. */
export interface SecretInput {
  secret: string
  /** The secret stops signing and verifying at this time (unix seconds or Date). */
  expiresAt?: Timestamp | null
  /** Reported as `secretLabel` when this secret matched. */
  label?: string | null
}

/** One secret string, or several secrets (strings and/or objects) during a rotation. */
export type Secrets = string | ReadonlyArray<string | SecretInput>

/** The raw request body, exactly as received. */
export type RawBody = Buffer | Uint8Array | ArrayBuffer | ArrayBufferView | string

/** Request headers: Node's `req.headers`, a Fetch `Headers`, a `Map`, or `[name, value]` pairs. Any case. */
export type HeadersInput =
  | Record<string, string | ReadonlyArray<string> | number | undefined>
  | Headers
  | Map<string, string | ReadonlyArray<string>>
  | ReadonlyArray<readonly [string, string]>

export interface WebhookOptions {
  /** `"standard"` (Standard Webhooks, default) or `"fabric"` (`fabric-dropship-signature`). */
  scheme?: 'standard' | 'fabric'
  /** How far the message timestamp may be from now, both ways, in seconds. Default 300. */
  toleranceSeconds?: number
  /**
   * The longest body verified, in bytes (default 1 MiB): longer ones are `payload_too_large` (413), refused after
   * the header checks and before any HMAC. The Express and Fastify helpers stop reading a body at this length.
   */
  bodyLimitBytes?: number
}

export interface VerifyOptions {
  /** The time to check against (unix seconds or Date); default: the current time. */
  now?: Timestamp
}

/** What a signature check reports. */
export interface VerifiedSignature {
  /** The message id (`webhook-id`); null for the fabric scheme. */
  id: string | null
  /** The message timestamp (unix seconds); null for the fabric scheme. */
  timestamp: number | null
  /** Index of the matching secret in the list given to the constructor. */
  secretIndex: number
  /** Label of the matching secret, if it has one. */
  secretLabel: string | null
}

/** The headers to send with a signed body. */
export type SignedHeaders = Record<string, string>

/** Base class of every error this package throws. */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode
  /** The HTTP status to answer with: 401 verification, 400 payload, 413 `payload_too_large`, 500 `payload_not_raw`. */
  readonly status: number
  constructor(message: string, code: WebhookErrorCode, status?: number)
}
/** Headers, secrets, timestamp or signature: the request cannot be trusted. */
export class WebhookVerificationError extends WebhookError {}
/** The body: not raw bytes, not JSON, or not an event of the expected shape. */
export class WebhookPayloadError extends WebhookError {}

export interface ExpressOptions extends VerifyOptions {
  /** Called instead of the default 401/400/500 JSON answer. */
  onError?: (error: WebhookError, req: any, res: any, next: (error?: unknown) => void) => void
}

export interface FastifyOptions extends VerifyOptions {
  /** The route inside the plugin's prefix; default `/`. */
  url?: string
}

/** A handler of one topic's events (`webhook.on`); may return a promise, which is awaited. */
export type TopicHandler<T extends Topic> = (event: EventsByTopic[T]) => unknown

/**
 * What `handle` resolves to: the answer to give the sender. 204 when every handler finished; a refusal's status
 * (401, 400, 413, 500 for `payload_not_raw`) with `{ error, message }` as JSON and the error itself.
 */
export type WebhookAnswer =
  | { status: 204; headers: Record<string, never>; body: ''; event: WebhookEvent; error?: undefined }
  | { status: number; headers: { 'content-type': 'application/json' }; body: string; event?: undefined; error: WebhookError }

/** Verifies (and signs) webhooks with one or more active secrets. */
export class Webhook {
  constructor(secrets: Secrets, options?: WebhookOptions)
  readonly scheme: 'standard' | 'fabric'
  readonly toleranceSeconds: number
  readonly bodyLimitBytes: number
  /**
   * Every check made before the body is needed (headers present and well formed, timestamp within the tolerance, a
   * secret active), throwing what `verify` would: call it before reading a request's body.
   */
  checkHeaders(headers: HeadersInput, options?: VerifyOptions): void
  /** Checks the signature and parses the body: `switch (event.topic)` narrows `event.data`. */
  verify(body: RawBody, headers: HeadersInput, options?: VerifyOptions): WebhookEvent
  /** Checks the signature without parsing the body (for any Standard Webhooks sender). */
  verifySignature(body: RawBody, headers: HeadersInput, options?: VerifyOptions): VerifiedSignature
  /**
   * `verify` for async code: the same checks, answer and error codes. In the WebAssembly package, where the runtime's
   * only HMAC is `crypto.subtle` (browsers, Workers without nodejs_compat), the signatures are computed there.
   */
  verifyAsync(body: RawBody, headers: HeadersInput, options?: VerifyOptions): Promise<WebhookEvent>
  /** `verifySignature` for async code (see `verifyAsync`). */
  verifySignatureAsync(body: RawBody, headers: HeadersInput, options?: VerifyOptions): Promise<VerifiedSignature>
  /** The headers to send: one signature per secret active at `timestamp`. */
  sign(id: string, timestamp: Timestamp, body: RawBody): SignedHeaders
  /**
   * Adds a handler for a topic of the catalog (or several); the event arrives typed for it. A name outside the
   * catalog throws a TypeError (a typo would never be called). Handlers of one topic run in the order added.
   */
  on<T extends Topic>(topic: T | ReadonlyArray<T>, handler: TopicHandler<T>): this
  /** Adds a handler for every event no `on` handler takes: other topics, and topics newer than this version. */
  onAny(handler: (event: WebhookEvent) => unknown): this
  /**
   * Calls the handlers of the event's topic one after another (awaiting each), or the `onAny` handlers when the
   * topic has none; resolves to how many ran. A handler's error rejects it.
   */
  dispatch(event: WebhookEvent): Promise<number>
  /**
   * Verifies and dispatches; resolves to the answer to give. A handler's error rejects (never swallowed): the
   * server answers 500 and the sender retries.
   */
  handle(body: RawBody, headers: HeadersInput, options?: VerifyOptions): Promise<WebhookAnswer>
  /**
   * A Fetch handler (Workers, Deno.serve, Bun.serve, Next.js route handlers, Hono): verify, dispatch, 204; a refusal
   * answers its status with `{ error, message }`; a handler's error rejects (the runtime answers 500 and logs it).
   */
  fetchHandler(options?: VerifyOptions): (request: Request) => Promise<Response>
  /**
   * An Express handler: the `express()` checks, then `dispatch`, then 204. A handler's error goes to `next(error)`.
   */
  expressHandler(options?: ExpressOptions): (req: any, res: any, next: (error?: unknown) => void) => void
  /** Verifies a Fetch `Request` (Next.js route handlers, Hono, Workers, Deno, Bun); reads its body (as `verifyAsync`). */
  verifyRequest(request: Request, options?: VerifyOptions): Promise<WebhookEvent>
  /**
   * Express middleware: sets `req.webhook` to the event, or answers 401 / 400 / 413 / 500 with `{ error, message }`.
   * The headers and the declared length are checked before the body is read, and at most `bodyLimitBytes` is read.
   * For Node and Bun servers (both packages); edge runtimes use `verifyRequest`.
   */
  express(options?: ExpressOptions): (req: any, res: any, next: (error?: unknown) => void) => void
  /**
   * A Fastify plugin (own raw-body parser, at most `bodyLimitBytes`, headers checked before the body is read)
   * routing POST/PUT/PATCH on its prefix to `handler`. Node and Bun.
   */
  fastify(
    handler: (event: WebhookEvent, request: any, reply: any) => unknown,
    options?: FastifyOptions,
  ): (instance: any) => Promise<void>
  /** The Fastify plugin routed to `dispatch`, answering 204 (a handler's error goes to Fastify: 500, logged). */
  fastify(options?: FastifyOptions): (instance: any) => Promise<void>
}

/** A new `whsec_` secret from 32 CSPRNG bytes, or from the 24–64 random bytes given. */
export function generateSecret(random?: Uint8Array): string

/** Parses a body into a typed event without checking any signature (tests, replays). */
export function parseEvent(body: RawBody): WebhookEvent

/** The topic catalog. */
export const topics: ReadonlyArray<TopicInfo>

/** How senders retry; every field in milliseconds except the counts. */
export interface RetrySchedule {
  baseDelayMs: number
  factor: number
  maxDelayMs: number
  maxRetries: number
  jitterPercent: number
  minRetryAfterMs: number
}

/** The default schedule: 30 s doubling to a 2 h cap, ten retries, ±20 % jitter. */
export const retrySchedule: Readonly<RetrySchedule>

/** Milliseconds to wait after `failures` failed attempts (with jitter from `random` in [0, 1)), or null to give up. */
export function nextRetryDelay(failures: number, random?: number, schedule?: Partial<RetrySchedule>): number | null

/** Milliseconds a `Retry-After` header asks for, clamped to the schedule; null if absent or unreadable. */
export function retryAfterDelay(
  header: string | null | undefined,
  now?: Timestamp,
  schedule?: Partial<RetrySchedule>,
): number | null

/** An endpoint's health. */
export interface EndpointHealth {
  status: 'HEALTHY' | 'FAILED'
  /** The first failure of the current streak (unix seconds), while failing. */
  failingSince: number | null
}

export const health: {
  readonly HEALTHY: Readonly<EndpointHealth>
  /** After a failed delivery at `at`; FAILED once failing for `windowSeconds` (default 3 days). */
  recordFailure(state: EndpointHealth | null, at: Timestamp, windowSeconds?: number): EndpointHealth
  /** After a delivery the endpoint accepted. */
  recordSuccess(state: EndpointHealth | null): EndpointHealth
  /** The owner re-activated the endpoint: HEALTHY with a fresh streak. */
  reactivate(state: EndpointHealth | null): EndpointHealth
}

/** One step of the rate limiter (GCRA); rate 0 = unlimited. */
export function rateLimitCheck(rate: number, tatUs: number, nowUs: number): { nextTatUs: number } | { waitUs: number }

/** Whether one more request may start while `inFlight` run; burst 0 = unlimited. */
export function burstAllows(burst: number, inFlight: number): boolean

/** An endpoint configuration as a user submits it. */
export interface EndpointInput {
  url: string
  topics: ReadonlyArray<string>
  method?: 'POST' | 'PUT' | 'PATCH' | string
  rateLimit?: number
  burstLimit?: number
  scheme?: 'standard' | 'fabric'
  secrets: ReadonlyArray<string | SecretInput>
}

/** A valid endpoint configuration, normalized. */
export interface EndpointConfig {
  url: string
  host: string
  topics: string[]
  method: 'POST' | 'PUT' | 'PATCH'
  rateLimit: number
  burstLimit: number
}

/** Checks an endpoint configuration (https, publicly routable, known topics, method, limits, secrets). */
export function validateEndpoint(config: EndpointInput, options?: { allowInsecureLoopback?: boolean }): EndpointConfig

export const DEFAULT_TOLERANCE_SECONDS: 300
export const DEFAULT_FAILURE_WINDOW_SECONDS: 259200
export const DEFAULT_BODY_LIMIT_BYTES: 1048576

/**
 * Which build of the core runs: `'native'` (the addon for this platform) or `'wasm'` (the WebAssembly build, where no
 * native binary matches the platform, or when `DROPSHIP_WEBHOOKS_BACKEND=wasm` asks for it). Same API, same codes.
 */
export const backend: 'native' | 'wasm'
