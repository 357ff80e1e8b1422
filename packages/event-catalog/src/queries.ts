// The catalog's query API, for the console and any other reader: events and deliveries.
export { eventsCatalogedSince, eventsOfEntity, fieldDocument, getEvent, listEvents } from "./event-queries.ts";
export type { EventCursor, EventFilter, EventPageRequest } from "./event-queries.ts";
export { deliveriesOfEvent, deliveryCounts, listDeliveries, rejectionCounts, secretUsage } from "./delivery-queries.ts";
export type { CountWindow, DeliveryCount, DeliveryCursor, DeliveryFilter, DeliveryPageRequest, RejectionCount, SecretUsage } from "./delivery-queries.ts";
export { CatalogQueryError, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./query-errors.ts";
