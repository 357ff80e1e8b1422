// Finds one event of the log: ingest's ledger (accepted_events) names its topic and when it was
// accepted, and the topic is read from a little before then until the envelope with its id comes.
import type { Knex } from "@hooklog/db";
import { EVENT_HEADERS, KafkaUnavailableError, header, type Admin, type Kafka, type SchemaRegistryClient } from "@hooklog/kafka";
import { parseWebhookPayload } from "@hooklog/consumer-kit";
import { WEBHOOK_EVENT, latestSchema, type WebhookEvent } from "@hooklog/schemas";
import { CliError, UsageError } from "./errors.ts";
import type { Progress } from "./output.ts";
import { offsetsAt, scanTopics } from "./topic-scan.ts";

/** What the ledger keeps of an accepted event. */
export interface LedgerEntry {
  source: string;
  eventId: string;
  topic: string;
  origin: string;
  acceptedAt: Date;
}

export interface LocatedEvent {
  event: WebhookEvent;
  topic: string;
  partition: number;
  offset: string;
  /** The partition key: the entity the event is about, which the kit's order per key follows. */
  messageKey: string | null;
  /** The record's Kafka timestamp (ms). */
  timestamp: number;
}

/** The payload as a person reads it: the provider's JSON, or what it is when it is not JSON. */
export type ShownPayload = { format: "json"; value: unknown } | { format: "bytes"; bytes: number; contentType: string; note: string };

// The record's Kafka timestamp is the producer's clock when ingest sent it: before the ledger's
// accepted_at, by the batch's round trip, and by any skew between the two clocks.
export const SCAN_MARGIN_MS = 2 * 60_000;

/** The ledger entry of `id` (a hub event id or a provider event id), narrowed to `source` when given. */
export async function findInLedger(db: Knex, id: string, source: string | undefined): Promise<LedgerEntry> {
  const rows = (await db("accepted_events")
    .where((where) => where.where("event_id", id).orWhere("provider_event_id", id))
    .modify((builder) => {
      if (source !== undefined) builder.where("source", source);
    })
    .select("source", "event_id", "topic", "origin", "accepted_at")
    .orderBy("source")) as Array<{
    source: string;
    event_id: string;
    topic: string;
    origin: string;
    accepted_at: Date;
  }>;
  // An event whose signature does not cover its id has a second ledger row (its signed content's key), with the same event id.
  const byEventId = new Map(rows.map((row) => [row.event_id, row]));
  const entries = [...byEventId.values()].map((row) => ({
    source: row.source,
    eventId: row.event_id,
    topic: row.topic,
    origin: row.origin,
    acceptedAt: row.accepted_at,
  }));
  const [entry, ...others] = entries;
  if (!entry) {
    throw new CliError(
      `no event has id ${JSON.stringify(id)} in the ledger${source === undefined ? "" : ` of source ${source}`}`,
      "give the hub event id ingest answered with, or the provider's event id; the ledger forgets events after its retention (INGEST_DEDUP_RETENTION_HOURS), so an older event is only in its topic: read webhooks.<source> from around when it arrived",
    );
  }
  if (others.length > 0) {
    throw new UsageError(
      `${entries.length} events have provider event id ${JSON.stringify(id)}: in sources ${entries.map((candidate) => candidate.source).join(", ")}`,
      `name the one you mean with --source <name>, or give its hub event id`,
    );
  }
  return entry;
}

/** Reads the entry's topic from a little before it was accepted until the envelope with its id; a CliError when the topic no longer holds it. */
export async function locateEvent(kafka: Kafka, admin: Admin, registry: SchemaRegistryClient, entry: LedgerEntry, progress: Progress): Promise<LocatedEvent> {
  const from = entry.acceptedAt.getTime() - SCAN_MARGIN_MS;
  const starts = await offsetsAt(admin, entry.topic, from);
  const readerSchema = JSON.parse(latestSchema(WEBHOOK_EVENT).schema) as object;
  let found: LocatedEvent | undefined;
  await scanTopics(kafka, admin, new Map([[entry.topic, starts]]), {
    onProgress: (read, total) => progress.update(`reading ${entry.topic}: ${read} of ${total} message(s) since ${new Date(from).toISOString()}`),
    onMessage: async ({ topic, partition, message }) => {
      // The writer puts the event id in a header: only the match is decoded.
      const idHeader = header(message.headers, EVENT_HEADERS.eventId);
      if (idHeader !== undefined && idHeader !== entry.eventId) return false;
      if (!message.value) return false;
      const event = await decodeEnvelope(registry, readerSchema, { topic, partition, offset: message.offset, value: message.value });
      if (event.id !== entry.eventId) return false;
      found = { event, topic, partition, offset: message.offset, messageKey: message.key?.toString("utf8") ?? null, timestamp: Number(message.timestamp) };
      return true;
    },
  });
  if (!found) {
    throw new CliError(
      `event ${entry.eventId} is in the ledger (accepted ${entry.acceptedAt.toISOString()} to ${entry.topic}) but not in ${entry.topic} from ${new Date(from).toISOString()} to its end`,
      `the topic's retention may have deleted it, or the producer's clock was far off: check ${entry.topic}'s retention.ms and its earliest offsets`,
    );
  }
  return found;
}

/** The envelope in a record; a CliError naming the record when it is not one, the registry's own error when it did not answer. */
async function decodeEnvelope(
  registry: SchemaRegistryClient,
  readerSchema: object,
  record: { topic: string; partition: number; offset: string; value: Buffer },
): Promise<WebhookEvent> {
  try {
    return (await registry.decode(record.value, { readerSchema })) as WebhookEvent;
  } catch (error) {
    // An unreachable registry is said by the command as such (kafkaFailure); anything else is this record's fault.
    if (error instanceof KafkaUnavailableError) throw error;
    throw new CliError(
      `the record at ${record.topic} partition ${record.partition} offset ${record.offset} cannot be decoded as a webhook event: ${(error as Error).message}`,
      `check that SCHEMA_REGISTRY_URL (${registry.url}) is the registry the hub wrote it with; read the raw record with a Kafka tool to see what it holds`,
      { cause: error },
    );
  }
}

export function showPayload(event: WebhookEvent): ShownPayload {
  try {
    return { format: "json", value: parseWebhookPayload(event.contentType, event.payload) };
  } catch (error) {
    return { format: "bytes", bytes: event.payload.length, contentType: event.contentType, note: (error as Error).message };
  }
}
