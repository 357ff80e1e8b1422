// What other code may import from the catalog: its queries and row types, and its migrations (for a
// reader's tests to prepare the tables without running the service); never the service itself.
export * from "./queries.ts";
export type { CatalogDelivery, CatalogEvent, CatalogEventSummary, CatalogPayload, CatalogPosition, DeliveryOutcome, Page } from "./rows.ts";
export { catalogMigrations } from "./migrations/index.ts";
