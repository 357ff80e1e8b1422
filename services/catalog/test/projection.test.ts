import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { readTopic } from "@hooklog/testkit";
import { catalogHarness, DAY_MS, type CatalogHarness } from "./harness.ts";

// One catalog consumer over two sources and a deliveries topic of this file; each test looks at its own events.
describe("the catalog projects every source's events and every delivery into Postgres", () => {
  let hub: CatalogHarness;

  before(async () => {
    hub = await catalogHarness();
    await hub.start();
  });

  after(async () => {
    await hub?.close();
  });

  const eventRow = (eventId: string) => hub.db("catalog_events").where({ event_id: eventId }).first();

  it("catalogs webhook events of two sources with every field: envelope, log position, partition key, trace id, payload as JSON", async () => {
    const stripePayload = { id: "evt_stripe_1", type: "invoice.paid", data: { object: { id: "in_1", customer: "cus_projection", amount_paid: 4200 } } };
    const [stripe] = await hub.publish(hub.stripe, [
      {
        type: "invoice.paid",
        providerEventId: "evt_stripe_1",
        providerTimestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
        verification: { scheme: "stripe-v1", secretIndex: 1 },
        contentType: "application/json; charset=utf-8",
        headers: { "user-agent": "Stripe/1.0" },
        payload: Buffer.from(JSON.stringify(stripePayload)),
        key: "in_1",
      },
    ]);
    // GitHub's form encoding: the JSON is in the `payload` field.
    const githubPayload = { action: "opened", pull_request: { number: 7, title: "Catalog everything" } };
    const [github] = await hub.publish(hub.github, [
      {
        type: "pull_request.opened",
        origin: "reconciliation",
        verification: { scheme: "github-sha256", secretIndex: 0 },
        contentType: "application/x-www-form-urlencoded",
        payload: Buffer.from(new URLSearchParams({ payload: JSON.stringify(githubPayload) }).toString()),
        key: "repo#7",
      },
    ]);
    assert.ok(stripe && github);
    await hub.caughtUp();
    const positions = new Map(
      [
        ...(await readTopic(hub.brokers.join(","), hub.stripe.topic, { toEnd: true })),
        ...(await readTopic(hub.brokers.join(","), hub.github.topic, { toEnd: true })),
      ].map((message) => [message.key?.toString(), { partition: message.partition, offset: message.offset }]),
    );

    const stripeRow = await eventRow(stripe.event.id);
    assert.deepEqual(
      { ...stripeRow, cataloged_at: undefined, search: undefined },
      {
        event_id: stripe.event.id,
        source: hub.stripe.name,
        provider: "stripe",
        provider_event_id: "evt_stripe_1",
        type: "invoice.paid",
        origin: "webhook",
        received_at: new Date(stripe.event.receivedAt),
        provider_timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
        verification_scheme: "stripe-v1",
        secret_index: 1,
        content_type: "application/json; charset=utf-8",
        headers: { "user-agent": "Stripe/1.0" },
        topic: hub.stripe.topic,
        partition: positions.get("in_1")?.partition,
        offset: positions.get("in_1")?.offset,
        partition_key: "in_1",
        trace_id: stripe.traceId,
        payload: stripePayload,
        payload_text: null,
        payload_base64: null,
        payload_bytes: Buffer.byteLength(JSON.stringify(stripePayload)),
        payload_pruned_at: null,
        cataloged_at: undefined,
        search: undefined,
      },
    );
    const githubRow = await eventRow(github.event.id);
    assert.equal(githubRow.source, hub.github.name);
    assert.equal(githubRow.provider, "github");
    assert.equal(githubRow.origin, "reconciliation");
    assert.equal(githubRow.topic, hub.github.topic);
    assert.equal(githubRow.partition, positions.get("repo#7")?.partition);
    assert.equal(githubRow.offset, positions.get("repo#7")?.offset);
    assert.equal(githubRow.partition_key, "repo#7");
    assert.equal(githubRow.trace_id, github.traceId);
    assert.deepEqual(githubRow.payload, githubPayload, "the form body's JSON, parsed");
    assert.equal(githubRow.secret_index, 0);
  });

  it("keeps a body that is not JSON as its text, and one that is not UTF-8 as base64, without failing either event", async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const [text, binary, badJson] = await hub.publish(hub.stripe, [
      { contentType: "text/plain", payload: Buffer.from("hello catalog-plain-text") },
      { contentType: "application/octet-stream", payload: bytes },
      { contentType: "application/json", payload: Buffer.from("{not json") },
    ]);
    assert.ok(text && binary && badJson);
    await hub.caughtUp();

    const textRow = await eventRow(text.event.id);
    assert.deepEqual([textRow.payload, textRow.payload_text, textRow.payload_base64], [null, "hello catalog-plain-text", null]);
    const binaryRow = await eventRow(binary.event.id);
    assert.deepEqual([binaryRow.payload, binaryRow.payload_text, binaryRow.payload_base64], [null, null, bytes.toString("base64")]);
    assert.equal(binaryRow.payload_bytes, 4);
    const badJsonRow = await eventRow(badJson.event.id);
    assert.deepEqual([badJsonRow.payload, badJsonRow.payload_text], [null, "{not json"]);
    const dead = await readTopic(hub.brokers.join(","), `${hub.consumerName}.dlq`, { toEnd: true });
    assert.equal(dead.length, 0, "no event dead-lettered");
  });

  it("keeps a JSON body jsonb cannot hold (a \\u0000 in a string) as its text", async () => {
    const body = '{"id":"evt_nul","note":"a\\u0000b"}';
    const [event] = await hub.publish(hub.stripe, [{ payload: Buffer.from(body) }]);
    assert.ok(event);
    await hub.caughtUp();
    const row = await eventRow(event.event.id);
    assert.deepEqual([row.payload, row.payload_text], [null, body]);
  });

  it("catalogs an event received before the payload retention without its payload", async () => {
    const [old] = await hub.publish(hub.stripe, [{ receivedAt: Date.now() - 31 * DAY_MS, payload: Buffer.from('{"id":"evt_old","word":"ancient"}') }]);
    assert.ok(old);
    await hub.caughtUp();
    const row = await eventRow(old.event.id);
    assert.equal(row.payload, null);
    assert.ok(row.payload_pruned_at instanceof Date);
  });

  it("writes one row when the same message is read twice", async () => {
    const [event] = await hub.publish(hub.stripe, [{ providerEventId: "evt_twice", key: "twice" }]);
    assert.ok(event);
    // The same envelope again, as a retrying producer would write it.
    await hub.publish(hub.stripe, [{ ...event.event, key: "twice" }]);
    await hub.caughtUp();
    const rows = await hub.db("catalog_events").where({ source: hub.stripe.name, provider_event_id: "evt_twice" });
    assert.equal(rows.length, 1);
  });

  it("catalogs deliveries with every field, keyed by the delivery id", async () => {
    const [accepted, rejected] = await hub.publishDeliveries([
      {
        source: hub.stripe.name,
        receivedAt: Date.UTC(2026, 11, 1, 10, 0, 0),
        requestId: "req-accepted",
        client: "203.0.113.7",
        outcome: "accepted",
        status: 202,
        bodyBytes: 1234,
        verificationScheme: "stripe-v1",
        secretIndex: 1,
        hubEventId: "01a25169-d511-735d-adcc-ea0ba018d8ee",
        providerEventId: "evt_delivered",
        eventType: "invoice.paid",
        headers: { "user-agent": "Stripe/1.0" },
      },
      {
        source: hub.github.name,
        outcome: "rejected",
        status: 401,
        reason: "signature_mismatch",
        verificationFailure: "signature_mismatch",
        bodyBytes: 0,
      },
    ]);
    assert.ok(accepted && rejected);
    await hub.caughtUp();
    const row = await hub.db("catalog_deliveries").where({ delivery_id: accepted.eventId }).first();
    assert.deepEqual(
      { ...row, cataloged_at: undefined },
      {
        delivery_id: accepted.eventId,
        received_at: new Date(Date.UTC(2026, 11, 1, 10, 0, 0)),
        source: hub.stripe.name,
        request_id: "req-accepted",
        client: "203.0.113.7",
        outcome: "accepted",
        status: 202,
        reason: null,
        body_bytes: "1234",
        verification_scheme: "stripe-v1",
        secret_index: 1,
        verification_failure: null,
        hub_event_id: "01a25169-d511-735d-adcc-ea0ba018d8ee",
        provider_event_id: "evt_delivered",
        event_type: "invoice.paid",
        headers: { "user-agent": "Stripe/1.0" },
        cataloged_at: undefined,
      },
    );
    const rejectedRow = await hub.db("catalog_deliveries").where({ delivery_id: rejected.eventId }).first();
    assert.deepEqual(
      [rejectedRow.outcome, rejectedRow.status, rejectedRow.reason, rejectedRow.verification_failure, rejectedRow.hub_event_id],
      ["rejected", 401, "signature_mismatch", "signature_mismatch", null],
    );
  });
});
