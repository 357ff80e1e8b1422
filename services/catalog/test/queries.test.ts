import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  deliveriesOfEvent,
  deliveryCounts,
  eventsOfEntity,
  getEvent,
  listDeliveries,
  listEvents,
  rejectionCounts,
  secretUsage,
  type CatalogEventSummary,
  type EventCursor,
  type EventFilter,
} from "@hooklog/event-catalog";
import { catalogHarness, type CatalogHarness, type Published } from "./harness.ts";

const MINUTE_MS = 60_000;

// One catalog over a fixed set of events and deliveries, published once; each test queries it.
describe("the catalog's queries", () => {
  let hub: CatalogHarness;
  let sources: string[];
  const word = `zebra${randomBytes(4).toString("hex")}`;
  const customer = `cus_${randomBytes(4).toString("hex")}`;
  const order = `pi_${randomBytes(4).toString("hex")}`;
  // From a whole hour two to three hours ago, so count buckets (aligned to the epoch) start at it; well inside the payload retention.
  const base = Math.floor(Date.now() / (60 * MINUTE_MS)) * 60 * MINUTE_MS - 2 * 60 * MINUTE_MS;
  const at = (minutes: number): number => base + minutes * MINUTE_MS;
  let stripeEvents: Published[];
  let githubEvents: Published[];

  before(async () => {
    hub = await catalogHarness();
    sources = [hub.stripe.name, hub.github.name];
    const stripeBody = (id: string, extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ id, data: { object: { id: order, ...extra } } }));
    // One send per topic: the order's events share a key, so they keep this order in one partition.
    stripeEvents = await hub.publish(hub.stripe, [
      { type: "payment_intent.created", receivedAt: at(0), providerEventId: "evt_q1", payload: stripeBody("evt_q1"), key: order },
      { type: "invoice.paid", receivedAt: at(10), providerEventId: "evt_q2", payload: stripeBody("evt_q2", { customer }), key: order },
      { type: "invoice.paid", receivedAt: at(20), providerEventId: "evt_q3", payload: stripeBody("evt_q3", { note: `the ${word} crossed` }), key: "in_other" },
      { type: "charge.refunded", receivedAt: at(30), providerEventId: "evt_q4", origin: "reconciliation", payload: stripeBody("evt_q4"), key: order },
    ]);
    githubEvents = await hub.publish(hub.github, [
      { type: "push", receivedAt: at(15), providerEventId: "gh_q1", payload: Buffer.from('{"ref":"refs/heads/main"}'), key: "repo" },
      { type: "issues.opened", receivedAt: at(40), providerEventId: "gh_q2", contentType: "text/plain", payload: Buffer.from(`raw ${word}`), key: "repo#1" },
    ]);
    const paid = stripeEvents[1]?.event;
    assert.ok(paid);
    await hub.publishDeliveries([
      {
        source: hub.stripe.name,
        receivedAt: at(10),
        outcome: "accepted",
        status: 202,
        hubEventId: paid.id,
        providerEventId: "evt_q2",
        secretIndex: 0,
        verificationScheme: "stripe-v1",
      },
      {
        source: hub.stripe.name,
        receivedAt: at(11),
        outcome: "duplicate",
        status: 200,
        providerEventId: "evt_q2",
        secretIndex: 1,
        verificationScheme: "stripe-v1",
      },
      {
        source: hub.stripe.name,
        receivedAt: at(12),
        outcome: "duplicate",
        status: 200,
        providerEventId: "evt_q2",
        secretIndex: 0,
        verificationScheme: "stripe-v1",
      },
      {
        source: hub.stripe.name,
        receivedAt: at(13),
        outcome: "rejected",
        status: 400,
        reason: "signature_mismatch",
        verificationFailure: "signature_mismatch",
      },
      {
        source: hub.stripe.name,
        receivedAt: at(14),
        outcome: "rejected",
        status: 400,
        reason: "signature_mismatch",
        verificationFailure: "signature_mismatch",
      },
      { source: hub.github.name, receivedAt: at(31), outcome: "rejected", status: 413, reason: "payload_too_large" },
      { source: hub.github.name, receivedAt: at(32), outcome: "unavailable", status: 503, reason: "kafka_unavailable" },
    ]);
    await hub.start();
    await hub.caughtUp();
  });

  after(async () => {
    await hub?.close();
  });

  /** The provider event ids listEvents answers, newest first, always within this run's sources. */
  const ids = async (filter: EventFilter): Promise<string[]> =>
    (await listEvents(hub.db, { source: sources, ...filter }, { limit: 100 })).items.map((event) => event.providerEventId);

  it("lists this run's events newest first", async () => {
    assert.deepEqual(await ids({}), ["gh_q2", "evt_q4", "evt_q3", "gh_q1", "evt_q2", "evt_q1"]);
  });

  it("filters by source, type and origin", async () => {
    assert.deepEqual(await ids({ source: [hub.github.name] }), ["gh_q2", "gh_q1"]);
    assert.deepEqual(await ids({ type: ["invoice.paid"] }), ["evt_q3", "evt_q2"]);
    assert.deepEqual(await ids({ type: ["invoice.paid", "push"] }), ["evt_q3", "gh_q1", "evt_q2"]);
    assert.deepEqual(await ids({ origin: ["reconciliation"] }), ["evt_q4"]);
  });

  it("finds events by a payload field's value", async () => {
    assert.deepEqual(await ids({ field: { path: ["data", "object", "customer"], value: customer } }), ["evt_q2"]);
    assert.deepEqual(await ids({ field: { path: ["data", "object", "id"], value: order } }), ["evt_q4", "evt_q3", "evt_q2", "evt_q1"]);
    assert.deepEqual(await ids({ field: { path: ["ref"], value: "refs/heads/main" } }), ["gh_q1"]);
    assert.deepEqual(await ids({ field: { path: ["data", "object", "customer"], value: "cus_nobody" } }), []);
  });

  it("finds events by free text in the payload's strings, a text body, the type and the ids", async () => {
    // Without a source filter: the word is this run's own.
    const everywhere = await listEvents(hub.db, { text: word });
    assert.deepEqual(
      everywhere.items.map((event) => event.providerEventId),
      ["gh_q2", "evt_q3"],
    );
    assert.deepEqual(await ids({ text: customer }), ["evt_q2"], "an id with an underscore, as a phrase of its parts");
    assert.deepEqual(await ids({ text: "refunded" }), ["evt_q4"], "a word of the type");
    assert.deepEqual(await ids({ text: "evt_q1" }), ["evt_q1"], "the provider event id");
    const hubId = stripeEvents[0]?.event.id ?? "";
    assert.deepEqual(await ids({ text: hubId }), ["evt_q1"], "the hub event id");
    assert.deepEqual(await ids({ text: `${word} -raw` }), ["evt_q3"], "web search syntax: a word excluded");
  });

  it("finds an event by its provider event id and by its hub id", async () => {
    assert.deepEqual(await ids({ providerEventId: "evt_q3" }), ["evt_q3"]);
    assert.deepEqual(await ids({ eventId: githubEvents[0]?.event.id ?? "" }), ["gh_q1"]);
  });

  it("lists an entity's events by partition key, and in log order through eventsOfEntity", async () => {
    assert.deepEqual(await ids({ partitionKey: order }), ["evt_q4", "evt_q2", "evt_q1"]);
    const entity = await eventsOfEntity(hub.db, order, hub.stripe.name);
    assert.deepEqual(
      entity.map((event) => event.providerEventId),
      ["evt_q1", "evt_q2", "evt_q4"],
    );
    const offsets = entity.map((event) => BigInt(event.position.offset));
    assert.ok(
      offsets.every((offset, index) => index === 0 || offset > (offsets[index - 1] ?? 0n)),
      "offsets ascending",
    );
    assert.deepEqual(await eventsOfEntity(hub.db, order, hub.github.name), []);
  });

  it("filters by a time range: from inclusive, to exclusive", async () => {
    assert.deepEqual(await ids({ from: new Date(at(10)), to: new Date(at(30)) }), ["evt_q3", "gh_q1", "evt_q2"]);
  });

  it("pages newest first with a keyset cursor, without gaps or repeats", async () => {
    const seen: CatalogEventSummary[] = [];
    let before: EventCursor | undefined;
    let pages = 0;
    for (;;) {
      const page = await listEvents(hub.db, { source: sources }, before ? { before, limit: 4 } : { limit: 4 });
      seen.push(...page.items);
      pages += 1;
      if (!page.next) break;
      before = page.next;
    }
    assert.equal(pages, 2);
    assert.deepEqual(
      seen.map((event) => event.providerEventId),
      ["gh_q2", "evt_q4", "evt_q3", "gh_q1", "evt_q2", "evt_q1"],
    );
  });

  it("reads one event in full: headers, position, trace id and its payload in the form it is kept", async () => {
    const paid = stripeEvents[1];
    assert.ok(paid);
    const event = await getEvent(hub.db, paid.event.id);
    assert.ok(event);
    assert.equal(event.traceId, paid.traceId);
    assert.equal(event.partitionKey, order);
    assert.equal(event.position.topic, hub.stripe.topic);
    assert.deepEqual(event.payload, { form: "json", value: { id: "evt_q2", data: { object: { id: order, customer } } } });
    const text = await getEvent(hub.db, githubEvents[1]?.event.id ?? "");
    assert.deepEqual(text?.payload, { form: "text", text: `raw ${word}` });
    assert.equal(await getEvent(hub.db, "no-such-event"), undefined);
  });

  it("lists deliveries by source and outcome, and an event's deliveries: the accepted one and its duplicates", async () => {
    const rejected = await listDeliveries(hub.db, { source: sources, outcome: ["rejected"] });
    assert.deepEqual(
      rejected.items.map((delivery) => [delivery.source, delivery.reason]),
      [
        [hub.github.name, "payload_too_large"],
        [hub.stripe.name, "signature_mismatch"],
        [hub.stripe.name, "signature_mismatch"],
      ],
    );
    const paged = await listDeliveries(hub.db, { source: sources }, { limit: 5 });
    assert.equal(paged.items.length, 5);
    assert.ok(paged.next);
    const rest = await listDeliveries(hub.db, { source: sources }, { before: paged.next, limit: 5 });
    assert.equal(rest.items.length, 2);
    assert.equal(rest.next, null);

    const paid = stripeEvents[1]?.event;
    assert.ok(paid);
    const ofEvent = await deliveriesOfEvent(hub.db, { eventId: paid.id, source: paid.source, providerEventId: paid.providerEventId });
    assert.deepEqual(
      ofEvent.map((delivery) => [delivery.outcome, delivery.verification.secretIndex]),
      [
        ["accepted", 0],
        ["duplicate", 1],
        ["duplicate", 0],
      ],
    );
  });

  it("counts rejections by source and reason, and deliveries by source and outcome, per time bucket", async () => {
    const mine = <T extends { source: string }>(rows: T[]): T[] => rows.filter((row) => sources.includes(row.source));
    const rejections = mine(await rejectionCounts(hub.db, { since: new Date(at(0)), bucketMinutes: 30 }));
    assert.deepEqual(rejections, [
      { bucket: new Date(at(0)), source: hub.stripe.name, reason: "signature_mismatch", count: 2 },
      { bucket: new Date(at(30)), source: hub.github.name, reason: "payload_too_large", count: 1 },
    ]);
    const counts = mine(await deliveryCounts(hub.db, { since: new Date(at(0)), bucketMinutes: 60 }));
    const byKey = Object.fromEntries(
      counts.map((row) => [`${row.bucket.getTime() - at(0)}/${row.source === hub.stripe.name ? "stripe" : "github"}/${row.outcome}`, row.count]),
    );
    assert.deepEqual(byKey, { "0/stripe/accepted": 1, "0/stripe/duplicate": 2, "0/stripe/rejected": 2, "0/github/rejected": 1, "0/github/unavailable": 1 });
  });

  it("says what share of a source's verified deliveries each secret verified", async () => {
    assert.deepEqual(await secretUsage(hub.db, hub.stripe.name, new Date(at(0))), [
      { secretIndex: 0, deliveries: 2, share: 2 / 3 },
      { secretIndex: 1, deliveries: 1, share: 1 / 3 },
    ]);
    assert.deepEqual(await secretUsage(hub.db, hub.github.name, new Date(at(0))), []);
  });
});
