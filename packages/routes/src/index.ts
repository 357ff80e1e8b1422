export { loadRoutes, parseRoutes, routeConsumerName } from "./config.ts";
export type { Destination, EmailDestination, Route, RouteContext, SlackDestination, UrlDestination } from "./config.ts";
export { compileFilter, FilterError } from "./filter.ts";
export type { CompiledFilter } from "./filter.ts";
export { Mapping, MappingError, RouteConfigError } from "./mapping.ts";
export type { EnvelopeFields } from "./mapping.ts";
export { standardWebhooksHeaders } from "./signing.ts";
export { renderDeliveries, renderDelivery, routeTakes } from "./render.ts";
export type { RenderedDelivery, RoutedEvent } from "./render.ts";
