import {
  type CatalogDelivery,
  type CatalogEvent,
  type CatalogEventSummary,
  type CatalogPayload,
  deliveriesOfEvent,
  eventsOfEntity,
  getEvent,
} from "@hooklog/event-catalog";
import { type ConsumerEventState, eventStates } from "@hooklog/consumer-kit";
import { type DeliveryAttempt, deliveryAttempts } from "@hooklog/routes";
import type { RecordedAction } from "../audit.ts";
import type { ConsoleDeps } from "../deps.ts";
import { notFound } from "../errors.ts";
import { type EffectRecord, effectsOf } from "./effects.ts";

export interface ConsumerOfEvent extends ConsumerEventState {
  effects: EffectRecord[];
}

/** Everything the event page shows of one event. */
export interface EventDetail {
  event: CatalogEvent;
  /** The body: the catalog's copy, or the log's once the catalog pruned it. */
  payload: CatalogPayload;
  payloadFrom: "catalog" | "log" | "unavailable";
  payloadProblem: string | undefined;
  /** The requests that carried it: the accepted one and the provider's redeliveries. */
  deliveries: CatalogDelivery[];
  consumers: ConsumerOfEvent[];
  /** Each route's delivery attempts of it, oldest first. */
  routes: DeliveryAttempt[];
  actions: RecordedAction[];
  /** The other events of its entity, in log order (itself among them). */
  entity: CatalogEventSummary[];
  traceUrl: string | undefined;
  /** How many secrets the source has now: "secret 1 of 2". */
  secretsConfigured: number | undefined;
}

export const traceLink = (template: string, traceId: string | null): string | undefined =>
  traceId ? template.replaceAll("{traceId}", encodeURIComponent(traceId)) : undefined;

export async function eventDetail(deps: ConsoleDeps, eventId: string): Promise<EventDetail> {
  const event = await getEvent(deps.db, eventId);
  if (!event) throw notFound(`No event ${eventId} in the catalog. It may not be cataloged yet; search by the provider's event id.`);
  const [deliveries, states, routes, actions, entity] = await Promise.all([
    deliveriesOfEvent(deps.db, { eventId, source: event.source, providerEventId: event.providerEventId }),
    eventStates(deps.db, eventId),
    deliveryAttempts(deps.db, eventId),
    deps.actions.ofEvent(eventId),
    event.partitionKey ? eventsOfEntity(deps.db, event.partitionKey, event.source, { limit: 200 }) : Promise.resolve([]),
  ]);
  const consumers = await Promise.all(states.map(async (state) => ({ ...state, effects: await effectsOf(deps.db, state.consumer, state.eventKey) })));
  let payload = event.payload;
  let payloadFrom: EventDetail["payloadFrom"] = "catalog";
  let payloadProblem: string | undefined;
  if (payload.form === "pruned") {
    try {
      payload = await deps.payloadFromLog(event.position);
      payloadFrom = "log";
    } catch (error) {
      payloadFrom = "unavailable";
      payloadProblem = `The catalog dropped this payload for its age and the log could not be read now: ${(error as Error).message}`;
    }
  }
  return {
    event,
    payload,
    payloadFrom,
    payloadProblem,
    deliveries,
    consumers,
    routes,
    actions,
    entity,
    traceUrl: traceLink(deps.traceUrl, event.traceId),
    secretsConfigured: deps.sources.find((source) => source.name === event.source)?.secrets.length,
  };
}
