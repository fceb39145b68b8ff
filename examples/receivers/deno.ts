// Deno: `WEBHOOK_SECRET=whsec_… deno run --allow-net --allow-env deno.ts`
import { Webhook, WebhookError } from "dropship-webhooks-wasm";

const webhook = new Webhook(Deno.env.get("WEBHOOK_SECRET") ?? "");
const port = Number(Deno.env.get("PORT") ?? 8000);

Deno.serve({ hostname: "127.0.0.1", port }, async (request: Request) => {
  try {
    const event = await webhook.verifyRequest(request);
    return Response.json({ received: event.id });
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error;
    return Response.json({ error: error.code }, { status: error.status });
  }
});
