import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import type { ServiceProcess } from "@hooklog/testkit";
import { inBatches, postStripeWebhook, startIngestProcess, startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, webhookBody, type MockStripe, type StripeEventObject } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_backfill_51Hx";

describe("a Stripe source whose ingest lost 40 of 250 webhooks", () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe">;
  let ingest: ServiceProcess;
  let events: StripeEventObject[];
  let lost: StripeEventObject[];
  let checkpoint: Date;

  before(async () => {
    const now = Math.floor(Date.now() / 1000);
    events = stripeEvents(250, { newestAt: now - 5, spacingSeconds: 7 });
    // Every sixth event's webhook never reaches ingest (40 of 250), spread over all three pages.
    lost = events.filter((_, index) => index % 6 === 3).slice(0, 40);
    stripe = await startMockStripe({ apiKey: API_KEY, events });
    harness = await startReconciliation({ stripe: { provider: "stripe" } }, { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url });
    ingest = await startIngestProcess(harness.env);
    const delivered = events.filter((event) => !lost.includes(event)).reverse();
    const answers = await inBatches(delivered, 25, (event) => postStripeWebhook(ingest.url, harness.sources.stripe, webhookBody(event)));
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([202]), "ingest accepts the 210 webhooks that arrive");
    checkpoint = new Date((events.at(-1)?.created ?? now) * 1000 - 60_000);
    await harness.setCheckpoint("stripe", checkpoint);
  });

  after(async () => {
    await ingest?.stop();
    await harness?.stop();
    await stripe?.close();
  });

  it("a run writes exactly the 40 lost events to the topic, once each, with origin reconciliation", async () => {
    const result = await harness.service.reconcile(harness.sources.stripe.name);
    const records = await harness.readEnvelopes("stripe");

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.deepEqual(
      { eventsSeen: result.eventsSeen, gapsFound: result.gapsFound, backfilled: result.backfilled },
      { eventsSeen: 250, gapsFound: 40, backfilled: 40 },
    );
    assert.equal(new Set(records.map((record) => record.envelope.providerEventId)).size, 250);
    const backfilled = records.filter((record) => record.envelope.origin === "reconciliation");
    assert.deepEqual(backfilled.map((record) => record.envelope.providerEventId).sort(), lost.map((event) => event.id).sort());
    // Written oldest first, as the webhooks would have come: in each partition, in order of creation.
    for (const partition of new Set(backfilled.map((record) => record.partition))) {
      const created = backfilled.filter((record) => record.partition === partition).map((record) => record.envelope.providerTimestamp ?? 0);
      assert.deepEqual(
        created,
        created.toSorted((a, b) => a - b),
      );
    }
  });

  it("each backfilled envelope carries the API's event object, its facts and verification by api", async () => {
    const records = await harness.readEnvelopes("stripe");
    const event = lost[0] as StripeEventObject;
    const record = records.find((each) => each.envelope.providerEventId === event.id);

    assert.ok(record);
    assert.equal(record.key, event.data.object.id, "partitioned by data.object.id, as ingest does");
    assert.equal(record.envelope.source, harness.sources.stripe.name);
    assert.equal(record.envelope.provider, "stripe");
    assert.equal(record.envelope.type, event.type);
    assert.equal(record.envelope.providerTimestamp, event.created * 1000);
    assert.deepEqual({ ...record.envelope.verification }, { scheme: "api", secretIndex: null });
    assert.equal(record.envelope.contentType, "application/json");
    assert.deepEqual(JSON.parse(record.envelope.payload.toString("utf8")), event);
    assert.equal(record.headers["hooklog-event-id"], record.envelope.id);
  });

  it("pages the Events API from the checkpoint minus the overlap, 100 at a time with starting_after, authenticated by the key", () => {
    const pages = stripe.requests.filter((request) => request.path === "/v1/events");
    const expectedGte = String(Math.floor((checkpoint.getTime() - 10 * 60_000) / 1000));

    assert.equal(pages.length, 3);
    assert.deepEqual(
      pages.map((request) => [...request.query].sort()),
      [
        [
          ["created[gte]", expectedGte],
          ["limit", "100"],
        ],
        [
          ["created[gte]", expectedGte],
          ["limit", "100"],
          ["starting_after", events[99]?.id],
        ],
        [
          ["created[gte]", expectedGte],
          ["limit", "100"],
          ["starting_after", events[199]?.id],
        ],
      ],
    );
    for (const request of pages) assert.equal(request.authorization, `Bearer ${API_KEY}`);
  });

  it("logs the run and advances the checkpoint to the window's end", async () => {
    const rows = await harness.runRows("stripe");
    const row = rows[0];

    assert.ok(row);
    assert.deepEqual(
      { eventsSeen: row.events_seen, gapsFound: row.gaps_found, backfilled: row.backfilled, errors: row.errors },
      { eventsSeen: 250, gapsFound: 40, backfilled: 40, errors: [] },
    );
    assert.equal(row.window_start.getTime(), checkpoint.getTime() - 10 * 60_000);
    assert.ok(row.finished_at && row.duration_ms !== null);
    assert.equal((await harness.checkpoint("stripe"))?.getTime(), row.window_end.getTime());
  });

  it("a second run over the same window writes nothing", async () => {
    const result = await harness.service.reconcile(harness.sources.stripe.name, { since: new Date(checkpoint.getTime() - 10 * 60_000) });
    const records = await harness.readEnvelopes("stripe");

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.deepEqual(
      { eventsSeen: result.eventsSeen, gapsFound: result.gapsFound, backfilled: result.backfilled },
      { eventsSeen: 250, gapsFound: 0, backfilled: 0 },
    );
    assert.equal(records.length, 250);
  });

  it("the 40 lost webhooks arriving late are all answered 200 duplicate, and the topic keeps 250 events", async () => {
    const answers = await inBatches(lost, 20, (event) => postStripeWebhook(ingest.url, harness.sources.stripe, webhookBody(event)));
    const records = await harness.readEnvelopes("stripe");

    assert.deepEqual(
      answers.map((answer) => answer.status),
      lost.map(() => 200),
    );
    for (const answer of answers) assert.deepEqual(answer.json, { status: "duplicate" });
    assert.equal(records.length, 250);
  });
});
