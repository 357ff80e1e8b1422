import type { Knex } from "@hooklog/db";
import type { RenderedDelivery } from "./render.ts";

const SHOWN_BODY_BYTES = 4096;

/** A request as it may be shown and kept: secret header values and a Slack URL's path left out, the body cut. */
export type ShownRequest =
  | { kind: "http"; method: "POST"; url: string; headers: Record<string, string>; body: string; bodyBytes: number }
  | { kind: "email"; from: string; to: string; subject: string; text: string };

/** What a destination answered, as far as it is kept. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One attempt of one route's destination to deliver one event. */
export interface DeliveryAttempt {
  route: string;
  destination: string;
  eventId: string;
  attemptedAt: Date;
  outcome: "delivered" | "failed";
  request: ShownRequest;
  response: RecordedResponse | null;
  error: string | null;
  durationMs: number;
}

export function shownRequest(delivery: RenderedDelivery): ShownRequest {
  if (delivery.kind === "email")
    return { kind: "email", from: delivery.from, to: delivery.to, subject: delivery.subject, text: delivery.text.slice(0, SHOWN_BODY_BYTES) };
  const headers = Object.fromEntries(
    Object.entries(delivery.headers).map(([name, value]) => [name, delivery.secretHeaderNames.includes(name) ? "(secret)" : value]),
  );
  return {
    kind: "http",
    method: "POST",
    url: delivery.shownUrl,
    headers,
    body: delivery.body.subarray(0, SHOWN_BODY_BYTES).toString("utf8"),
    bodyBytes: delivery.body.length,
  };
}

// Postgres text and jsonb refuse NUL: a body or an answer holding one is kept with U+FFFD in its place.
const withoutNul = (text: string): string => text.replaceAll("\u0000", "\ufffd");
const jsonWithoutNul = (value: unknown): string => JSON.stringify(value).replaceAll("\\u0000", "\\ufffd");

export async function recordDeliveryAttempt(db: Knex, attempt: Omit<DeliveryAttempt, "attemptedAt">): Promise<void> {
  await db("route_delivery_attempts").insert({
    route: attempt.route,
    destination: attempt.destination,
    event_id: attempt.eventId,
    outcome: attempt.outcome,
    request: jsonWithoutNul(attempt.request),
    response: attempt.response === null ? null : jsonWithoutNul(attempt.response),
    error: attempt.error === null ? null : withoutNul(attempt.error),
    duration_ms: Math.round(attempt.durationMs),
  });
}

/** Deletes attempts older than `hours`, a batch at a time; returns how many went. */
export async function pruneDeliveryAttempts(db: Knex, hours: number, batch = 5000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const gone = await db("route_delivery_attempts")
      .whereIn(
        "id",
        db("route_delivery_attempts")
          .select("id")
          .where("attempted_at", "<", db.raw("now() - make_interval(hours => ?)", [hours]))
          .limit(batch),
      )
      .delete();
    deleted += gone;
    if (gone < batch) return deleted;
  }
}

interface AttemptRow {
  route: string;
  destination: string;
  event_id: string;
  attempted_at: Date;
  outcome: "delivered" | "failed";
  request: ShownRequest;
  response: RecordedResponse | null;
  error: string | null;
  duration_ms: number;
}

/** Every route's attempts for one hub event, oldest first; none when no route took it (or the table is not there yet). */
export async function deliveryAttempts(db: Knex, eventId: string): Promise<DeliveryAttempt[]> {
  if (!(await db.schema.hasTable("route_delivery_attempts"))) return [];
  const rows = (await db("route_delivery_attempts").where({ event_id: eventId }).orderBy("id")) as AttemptRow[];
  return rows.map((row) => ({
    route: row.route,
    destination: row.destination,
    eventId: row.event_id,
    attemptedAt: row.attempted_at,
    outcome: row.outcome,
    request: row.request,
    response: row.response,
    error: row.error,
    durationMs: row.duration_ms,
  }));
}
