// What the events show tests post through the real ingest, and how they run the command and read
// its answer: an event as ingest logged it, and the JSON events show should print for it.
import { strict as assert } from "node:assert";
import type { Knex } from "@hooklog/db";
import { SchemaRegistryClient, header } from "@hooklog/kafka";
import { providerModule } from "@hooklog/providers";
import type { WebhookEvent } from "@hooklog/schemas";
import { readTopic, type ReadMessage } from "@hooklog/testkit";
import { runCli, startCli, type CliRun } from "./cli-process.ts";

export interface Posted {
  hubId: string;
  providerEventId: string;
  body: unknown;
  message: ReadMessage;
  envelope: WebhookEvent;
  acceptedAt: Date;
}

/** A Stripe sample delivery through ingest, then its record in the topic and its ledger row. */
export async function postStripeEvent(to: {
  ingestUrl: string;
  source: string;
  secret: string;
  topic: string;
  env: Record<string, string>;
  db: Knex;
}): Promise<Posted> {
  const stripe = providerModule("stripe");
  const delivery = await stripe.sampleDelivery(stripe.sampleTypes[0] as string, { secret: to.secret });
  const response = await fetch(`${to.ingestUrl}/webhooks/${to.source}`, { method: "POST", headers: delivery.headers, body: delivery.rawBody });
  assert.equal(response.status, 202, await response.clone().text());
  const { eventId } = (await response.json()) as { eventId: string };
  const body = JSON.parse(delivery.rawBody.toString("utf8")) as { id: string };
  const messages = await readTopic(to.env.KAFKA_BROKERS as string, to.topic, { toEnd: true });
  const message = messages.find((candidate) => header(candidate.headers, "hooklog-event-id") === eventId);
  assert.ok(message, "ingest wrote the event");
  const envelope = (await new SchemaRegistryClient(to.env.SCHEMA_REGISTRY_URL as string).decode(message.value as Buffer)) as WebhookEvent;
  const row = await to.db("accepted_events").where({ source: to.source, event_id: eventId }).first("accepted_at");
  return { hubId: eventId, providerEventId: body.id, body, message, envelope, acceptedAt: (row as { accepted_at: Date }).accepted_at };
}

/** The JSON events show prints for a posted event, its record timestamp aside. */
export const expectedShown = (source: string, topic: string, posted: Posted, consumerReports: unknown[]) => ({
  event: {
    id: posted.hubId,
    source,
    provider: "stripe",
    providerEventId: posted.providerEventId,
    type: (posted.body as { type: string }).type,
    origin: "webhook",
    receivedAt: new Date(posted.envelope.receivedAt).toISOString(),
    providerTimestamp: posted.envelope.providerTimestamp === null ? null : new Date(posted.envelope.providerTimestamp).toISOString(),
    acceptedAt: posted.acceptedAt.toISOString(),
    contentType: "application/json; charset=utf-8",
    verification: { scheme: "stripe-v1", secretIndex: 0 },
    headers: {},
  },
  eventKey: `${source}:${posted.providerEventId}`,
  position: { topic, partition: posted.message.partition, offset: posted.message.offset, key: posted.message.key?.toString("utf8") ?? null },
  payload: { format: "json", value: posted.body },
  consumers: consumerReports,
  routes: [],
});

/** The command's JSON, its record timestamp checked apart: ingest's producer sets it, between receipt and the ledger's record. */
export async function showEvent(env: Record<string, string>, posted: Posted, args: readonly string[]) {
  const run = await runCli(["events", "show", ...args, "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  const shown = JSON.parse(run.stdout) as ReturnType<typeof expectedShown> & { position: { timestamp: string } };
  const { timestamp, ...position } = shown.position;
  const written = Date.parse(timestamp);
  assert.ok(written >= posted.envelope.receivedAt && written <= posted.acceptedAt.getTime() + 1000, `written at ${timestamp}`);
  return { ...shown, position };
}

/** `hooklog <args>` to its end, or a failure (and the process killed) if it runs longer than `ms`. */
export async function runCliWithin(ms: number, args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const child = startCli(args, env);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([child.exited, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)))]);
  clearTimeout(timer);
  if (code === "timeout") {
    child.process.kill("SIGKILL");
    assert.fail(`hooklog ${args.join(" ")} still running after ${ms / 1000} s; stderr:\n${child.stderr().slice(-2000)}`);
  }
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}
