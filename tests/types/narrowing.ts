// Compile-time checks of the generated declarations (bindings-js/events.d.ts): `tsc --noEmit --strict` runs this in
// `make generate-check`. A failed narrowing, a wrong field type or a stale union makes it fail to compile.
import type {
  EventsByTopic,
  Order,
  OrderCreatedEvent,
  Product,
  RmaReturn,
  Topic,
  UnknownEvent,
  VariantRefs,
  WebhookEvent,
} from "../../bindings-js/events";

export function handle(event: WebhookEvent): string {
  switch (event.topic) {
    case "order.created": {
      const order: Order = event.data; // narrowed: data is an Order
      // @ts-expect-error lines is optional: absent when the sender left it out
      const unchecked: number = order.lines[0].quantity;
      const quantity: number = order.lines?.[0]?.quantity ?? unchecked;
      const city: string | null = order.shipTo?.city ?? null;
      // @ts-expect-error an order has no variants: data is narrowed to Order, not Product
      const variants: Product["variants"] = event.data.variants;
      return `${order.id} ${quantity} ${city} ${String(variants)}`;
    }
    case "variant.unavailable": {
      const refs: VariantRefs = event.data;
      return refs.variantIds.join(",");
    }
    case "rma.returnReceived": {
      const data: RmaReturn = event.data;
      return data.return?.trackingNumber ?? data.rma.id;
    }
    default: {
      // Every other known topic, plus topics this version does not know.
      const rest: Exclude<WebhookEvent, EventsByTopic["order.created"]> = event;
      return rest.id;
    }
  }
}

export function unknownTopicsStayOpaque(event: UnknownEvent): unknown {
  // @ts-expect-error an unknown event's data is not typed
  const order: Order = event.data;
  return order;
}

export const topic: Topic = "proposal.collaboratorAdded";
// @ts-expect-error not a topic
export const notATopic: Topic = "order.shipped";
export const sample: OrderCreatedEvent["topic"] = "order.created";

// The router (bindings-js/index.d.ts): a handler's event is typed by the topic it is registered for.
import type { Webhook } from "../../bindings-js/index";

export function route(webhook: Webhook): void {
  webhook
    .on("order.created", (event) => {
      const order: Order = event.data;
      // @ts-expect-error an order.created handler gets an order, not a product
      const variants: Product["variants"] = event.data.variants;
      return [order.id, variants];
    })
    .on(["product.selected", "product.inventoryChanged"], async (event) => {
      const product: Product = event.data;
      return product.id;
    })
    .onAny((event) => event.topic);
  // @ts-expect-error not a topic of the catalog
  webhook.on("order.shipped", () => undefined);
}

export async function answer(webhook: Webhook, body: string, headers: Record<string, string>): Promise<number> {
  const answer = await webhook.handle(body, headers);
  if (answer.error) return answer.error.status;
  const event: WebhookEvent = answer.event;
  return event.id.length;
}
