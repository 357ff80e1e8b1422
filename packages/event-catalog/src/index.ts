// The event catalog: its tables (migrations, owner "catalog") and its reads. The catalog service
// writes the rows; the console reads them through these.
export * from "./queries.ts";
export type { CatalogDelivery, CatalogEvent, CatalogedEvent, CatalogEventSummary, CatalogPayload, CatalogPosition, DeliveryOutcome, Page } from "./rows.ts";
export { catalogMigrations } from "./migrations/index.ts";
export { eventCounts } from "./event-counts.ts";
export type { EventCount } from "./event-counts.ts";
