// What other code may import from the catalog: its queries and row types, never its service.
export * from "./queries.ts";
export type { CatalogDelivery, CatalogEvent, CatalogEventSummary, CatalogPayload, CatalogPosition, DeliveryOutcome, Page } from "./rows.ts";
