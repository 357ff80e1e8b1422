// What `hooklog events show <id>` does (commands/events.ts declares it): one event as the hub holds
// it — its envelope and payload, where it is in Kafka, and where each consumer stands with it.
import { SchemaRegistryClient, type Admin } from "@hooklog/kafka";
import { deliveryAttempts, type DeliveryAttempt } from "@hooklog/routes";
import type { Command } from "commander";
import { connectAdmin, kafkaFailure, openDatabase, openKafka, query } from "../connections.ts";
import { consumerStates, eventKeyOf, type ConsumerReport } from "../consumer-state.ts";
import { findInLedger, locateEvent, showPayload, type LocatedEvent, type ShownPayload } from "../event-lookup.ts";
import type { Hub } from "../hub.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";
import { envelopeJson } from "../envelope-json.ts";

export async function showEvent(id: string, options: { source?: string }, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  const shown = await lookUp(hub(), out, id, options.source);
  out.result(renderEvent(shown, out), shown);
}

/** What `events show` prints: with --json, this object on one line. */
export interface ShownEvent {
  event: {
    id: string;
    source: string;
    provider: string;
    providerEventId: string;
    type: string;
    origin: string;
    receivedAt: string;
    providerTimestamp: string | null;
    acceptedAt: string;
    contentType: string;
    verification: { scheme: string; secretIndex: number | null };
    headers: Record<string, string>;
  };
  eventKey: string;
  position: { topic: string; partition: number; offset: string; key: string | null; timestamp: string };
  payload: ShownPayload;
  consumers: ConsumerReport[];
  /** Each route's delivery attempts of it, oldest first (hooklog.config.yaml's routes). */
  routes: ShownAttempt[];
}

export type ShownAttempt = Omit<DeliveryAttempt, "attemptedAt" | "eventId"> & { attemptedAt: string };

async function lookUp(hub: Hub, out: Output, id: string, source: string | undefined): Promise<ShownEvent> {
  const db = openDatabase(hub);
  const kafka = openKafka(hub);
  let admin: Admin | undefined;
  try {
    const entry = await query(hub, () => findInLedger(db, id, source));
    admin = await connectAdmin(hub, kafka);
    const progress = out.progress(`looking for event ${entry.eventId} in ${entry.topic}`);
    let located: LocatedEvent;
    let consumers: ConsumerReport[];
    try {
      located = await locateEvent(kafka, admin, new SchemaRegistryClient(hub.schemaRegistryUrl), entry, progress);
      const position = {
        eventKey: eventKeyOf(located.event),
        topic: located.topic,
        partition: located.partition,
        offset: located.offset,
        messageKey: located.messageKey,
        acceptedAt: entry.acceptedAt,
      };
      consumers = await query(hub, () => consumerStates(kafka, admin as Admin, db, position, progress));
      progress.done(`found ${entry.eventId} at ${located.topic} partition ${located.partition} offset ${located.offset}`);
    } catch (error) {
      progress.done(`gave up looking for ${entry.eventId}`);
      throw error;
    }
    const { event } = located;
    return {
      event: { ...envelopeJson(event), acceptedAt: entry.acceptedAt.toISOString() },
      eventKey: eventKeyOf(event),
      position: {
        topic: located.topic,
        partition: located.partition,
        offset: located.offset,
        key: located.messageKey,
        timestamp: new Date(located.timestamp).toISOString(),
      },
      payload: showPayload(event),
      consumers,
      routes: (await query(hub, () => deliveryAttempts(db, entry.eventId))).map(({ attemptedAt, eventId: _eventId, ...attempt }) => ({
        ...attempt,
        attemptedAt: attemptedAt.toISOString(),
      })),
    };
  } catch (error) {
    throw kafkaFailure(hub, error);
  } finally {
    // Each client closed whatever became of the other: one left open keeps the process from exiting.
    try {
      await admin?.disconnect();
    } finally {
      await db.destroy();
    }
  }
}

function describeState(report: ConsumerReport): string {
  const holds = (hold: { messageKey: string } | null) => (hold ? `, holding key ${hold.messageKey}` : "");
  switch (report.state) {
    case "processed":
      return `processed at ${report.processedAt}`;
    case "parked":
      return `parked since ${report.parkedAt}: key ${report.messageKey} waits behind ${report.behind ?? "an event since applied"}`;
    case "retrying":
      return `failed, in ${report.topic} (attempt ${report.attempt ?? "?"}, due ${report.dueAt ?? "now"})${holds(report.holds)}${report.error ? `: ${report.error}` : ""}`;
    case "dead-lettered":
      return `dead-lettered in ${report.topic} at offset ${report.offset}${holds(report.holds)}${report.error ? `: ${report.error}` : ""}`;
    case "failed":
      return `failed${holds(report.holds)}; no copy left in its retry topics or dead letters`;
    case "not-read":
      return `not read yet (committed offset ${report.committedOffset ?? "none"})`;
    case "passed":
      return "read past it, no record of it (a type it does not handle)";
    default: {
      const unknown: never = report;
      return String(unknown);
    }
  }
}

function describeAttempt(attempt: ShownAttempt): string {
  const target = attempt.request.kind === "http" ? `POST ${attempt.request.url}` : `mail to ${attempt.request.to}`;
  const answer = attempt.response ? `answered ${attempt.response.status}` : "no answer";
  return `${attempt.attemptedAt} ${attempt.outcome} (${target}, ${answer}, ${attempt.durationMs} ms)${attempt.error ? `: ${attempt.error}` : ""}`;
}

export function renderEvent(shown: ShownEvent, out: Pick<Output, "style">): string {
  const { event, position, payload } = shown;
  const field = (name: string, value: string, width = 18) => `  ${out.style("dim", name.padEnd(width))}${value}`;
  const consumerWidth = Math.max(18, ...shown.consumers.map((report) => report.consumer.length + 2));
  const headers = Object.entries(event.headers);
  const lines = [
    `${out.style("bold", `event ${event.id}`)}  ${event.type}`,
    field("source", `${event.source} (provider ${event.provider})`),
    field("provider event id", event.providerEventId),
    field("origin", event.origin),
    field("received", event.receivedAt),
    field("provider time", event.providerTimestamp ?? "(not stated)"),
    field("accepted", event.acceptedAt),
    field("content type", event.contentType),
    field("verified by", `${event.verification.scheme}${event.verification.secretIndex === null ? "" : ` (secret ${event.verification.secretIndex})`}`),
    ...(headers.length === 0 ? [field("headers", "(none)")] : headers.map(([name, value], index) => field(index === 0 ? "headers" : "", `${name}: ${value}`))),
    "",
    out.style("bold", "position"),
    field("topic", position.topic),
    field("partition", String(position.partition)),
    field("offset", position.offset),
    field("key", position.key ?? "(none)"),
    field("written", position.timestamp),
    "",
    out.style("bold", `consumers (event key ${shown.eventKey})`),
    ...(shown.consumers.length === 0
      ? ["  (no consumer has read its topic)"]
      : shown.consumers.map((report) => field(report.consumer, describeState(report), consumerWidth))),
    ...(shown.routes.length === 0
      ? []
      : [
          "",
          out.style("bold", "routes (each delivery attempt)"),
          ...shown.routes.map((attempt) => field(`${attempt.route}/${attempt.destination}`, describeAttempt(attempt), consumerWidth)),
        ]),
    "",
    out.style("bold", "payload"),
    payload.format === "json"
      ? JSON.stringify(payload.value, null, 2)
      : `(${payload.bytes} bytes of ${payload.contentType || "no content type"}, not shown: ${payload.note})`,
  ];
  return lines.join("\n");
}
