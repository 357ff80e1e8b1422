import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { kafkaPid, startKafka, stopKafka } from "@hooklog/infra";
import { eventually } from "@hooklog/testkit";
import { post, postRetryingUnavailable, stripeDelivery, stripeEventBody } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";

// Stops the shared Kafka: only where infra runs it (never against an external cluster).
const managed = kafkaPid() !== undefined;

describe("ingest while Kafka is down", { skip: managed ? false : "Kafka is not run by infra here" }, () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest({ INGEST_PRODUCE_TIMEOUT_MS: "3000" });
  });

  after(async () => {
    if (kafkaPid() === undefined) await startKafka();
    await ingest?.stop();
  });

  it("answers 503 with Retry-After, never 2xx, and accepts again once Kafka is back, losing nothing", async () => {
    const { stripe } = ingest.sources;
    const secret = stripe.secrets[0] as string;
    const during = stripeEventBody();

    await stopKafka();
    const refused = await post(ingest.url, stripe.name, stripeDelivery(during.body, secret));
    assert.equal(refused.status, 503);
    assert.equal((refused.json as { error: { code: string } }).error.code, "kafka_unavailable");
    assert.ok(Number(refused.headers.get("retry-after")) > 0, "Retry-After tells the provider when to retry");

    await startKafka();
    // Providers retry a 503. Until the producer has reconnected (and a send begun during the outage
    // has given up), ingest may still answer 503: never anything else, and then 202 (or 200 duplicate,
    // when a send it answered 503 for landed after all).
    const after = stripeEventBody();
    const { answer: accepted, before: answers } = await postRetryingUnavailable(() => post(ingest.url, stripe.name, stripeDelivery(after.body, secret)));
    // The provider retries the refused event; a late ack of the first attempt makes it a duplicate, never a loss.
    const retried = await post(ingest.url, stripe.name, stripeDelivery(during.body, secret, Math.floor(Date.now() / 1000)));
    // A 503 whose send still landed makes the next attempt a duplicate (200): durable either way.
    assert.ok(
      accepted.status === 202 || (accepted.status === 200 && (accepted.json as { status?: string }).status === "duplicate"),
      `answers after Kafka came back: ${[...answers, accepted.status].join(", ")}`,
    );
    assert.ok(retried.status === 202 || retried.status === 200, `retry answered ${retried.status}`);

    // The send begun during the outage may still land after these answers (then twice, with the retry's):
    // wait until both events are in, then check the topic, read to its end, holds nothing else.
    let read: string[] = [];
    const ids = await eventually(
      "both events in the topic",
      async () => {
        read = (await ingest.readEnvelopes("stripe")).map((record) => record.envelope.providerEventId);
        return read.includes(during.eventId) && read.includes(after.eventId) && read;
      },
      { timeoutMs: 60_000, intervalMs: 500, context: () => `the topic held: ${read.join(", ") || "nothing"}; refused while down: ${during.eventId}` },
    );
    assert.deepEqual(new Set(ids), new Set([during.eventId, after.eventId]), "the topic holds the two events and nothing else");
  });
});
