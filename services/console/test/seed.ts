import { randomUUID } from "node:crypto";
import type { Knex } from "@hooklog/db";

/** A catalog row as the catalog service writes it: what the console reads (tests seed it directly, the catalog's own tests cover writing it). */
export interface SeedEvent {
  eventId?: string;
  source: string;
  type: string;
  providerEventId: string;
  receivedAt: Date;
  partitionKey?: string;
  payload?: unknown;
  position?: { topic: string; partition: number; offset: string };
  traceId?: string;
  secretIndex?: number;
}

export async function seedEvent(db: Knex, event: SeedEvent): Promise<string> {
  const eventId = event.eventId ?? randomUUID();
  const payload = event.payload ?? {};
  await db("catalog_events").insert({
    event_id: eventId,
    source: event.source,
    provider: "stripe",
    provider_event_id: event.providerEventId,
    type: event.type,
    origin: "webhook",
    received_at: event.receivedAt,
    verification_scheme: "stripe-v1",
    secret_index: event.secretIndex ?? 0,
    content_type: "application/json",
    headers: JSON.stringify({ "user-agent": "Stripe/1.0" }),
    topic: event.position?.topic ?? `webhooks.${event.source}`,
    partition: event.position?.partition ?? 0,
    offset: event.position?.offset ?? "0",
    partition_key: event.partitionKey ?? null,
    trace_id: event.traceId ?? null,
    payload: JSON.stringify(payload),
    payload_bytes: JSON.stringify(payload).length,
    search: db.raw("to_tsvector('simple', ?)", [`${event.type} ${event.providerEventId} ${JSON.stringify(payload)}`]),
  });
  return eventId;
}

/** A consumer's state of an event as the kit records it, with its attempts. */
export async function seedState(
  db: Knex,
  state: {
    consumer: string;
    eventId: string;
    eventKey: string;
    state: string;
    position?: { topic: string; partition: number; offset: string };
    error?: string;
  },
): Promise<void> {
  const position = state.position ?? { topic: "webhooks.test", partition: 0, offset: "0" };
  await db("consumer_event_states").insert({
    consumer: state.consumer,
    event_key: state.eventKey,
    event_id: state.eventId,
    topic: position.topic,
    partition: position.partition,
    offset: position.offset,
    state: state.state,
    attempts: state.state === "processed" ? 1 : 5,
    last_error: state.error ?? null,
    processed_at: state.state === "processed" ? new Date() : null,
    first_failure_at: state.error ? new Date() : null,
    duration_ms: 12.5,
    updated_at: new Date(),
  });
  await db("consumer_event_attempts").insert({
    consumer: state.consumer,
    event_key: state.eventKey,
    event_id: state.eventId,
    attempt: 1,
    outcome: state.state === "processed" ? "processed" : "failed",
    started_at: new Date(),
    duration_ms: 12.5,
    error: state.error ?? null,
  });
  if (state.state === "processed")
    await db("processed_events")
      .insert({ consumer: state.consumer, event_key: state.eventKey, event_id: state.eventId })
      .onConflict(["consumer", "event_key"])
      .ignore();
}
