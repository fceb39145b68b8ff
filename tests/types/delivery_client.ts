// A client of the delivery service typed from its OpenAPI document (`examples/delivery-service/openapi.d.ts`, made by
// openapi-typescript in `make generate`): it creates an endpoint and posts an event. `make generate-check` type-checks
// it, so a change to the API's shapes that breaks a typed client fails the build.
import type { components, paths } from '../../examples/delivery-service/openapi'

type Schemas = components['schemas']
type CreateEndpoint = Schemas['CreateEndpoint']
type CreatedEndpoint = paths['/v1/accounts/{account}/endpoints']['post']['responses'][201]['content']['application/json']
type CreateEvent = paths['/v1/accounts/{account}/events']['post']['requestBody']['content']['application/json']
type EventAccepted = paths['/v1/accounts/{account}/events']['post']['responses'][202]['content']['application/json']
type ApiErrorBody = Schemas['ErrorBody']

class DeliveryApiError extends Error {
  constructor(readonly status: number, readonly body: ApiErrorBody) {
    super(`${body.error.code}: ${body.error.message}`)
  }
}

async function send<T>(base: string, key: string, method: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new DeliveryApiError(response.status, (await response.json()) as ApiErrorBody)
  return (await response.json()) as T
}

export async function subscribeAndPost(base: string, key: string, account: string, receiver: string): Promise<string> {
  const endpoint: CreateEndpoint = { url: receiver, topics: ['order.created'], rateLimit: 50, burstLimit: 10 }
  const created = await send<CreatedEndpoint>(base, key, 'POST', `/v1/accounts/${account}/endpoints`, endpoint)
  // The secret is shown once: a receiver verifies with it.
  const secret: string = created.secret.value
  const health: string = created.health.status
  const event: CreateEvent = { topic: 'order.created', data: { id: 'ord_1001' }, id: 'evt_typed_1' }
  const accepted = await send<EventAccepted>(base, key, 'POST', `/v1/accounts/${account}/events`, event)
  const queued: number = accepted.deliveries
  return `${created.id} ${health} ${secret.length} ${accepted.id} ${queued} ${accepted.duplicate}`
}
