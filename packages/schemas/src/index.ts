export { loadSchemaCatalog, latestSchema, schemasDir } from "./catalog.ts";
export type { SchemaFile } from "./catalog.ts";
export { WEBHOOK_EVENT, webhookEventCodec } from "./webhook-event.ts";
export type { WebhookEvent, WebhookProvider, EventOrigin } from "./webhook-event.ts";
export { checkSchemas, schemaBindings } from "./check.ts";
export type { SubjectResult } from "./check.ts";
export { DELIVERY } from "./delivery.ts";
export type { Delivery, DeliveryOutcome } from "./delivery.ts";
