import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { HEADERS, retryTopic } from "@hooklog/consumer-kit";
import { migrateLatest } from "@hooklog/db";
import { recordDeliveryAttempt, routesMigrations } from "@hooklog/routes";
import { createKafka, ensureTopics, SchemaRegistryClient } from "@hooklog/kafka";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { eventually, readTopic, testStack, uniqueName } from "@hooklog/testkit";
import { ALICE, type ConsoleUnderTest, signIn, startConsole } from "./harness.ts";
import { seedEvent, seedState } from "./seed.ts";

interface ListAnswer {
  items: Array<{ eventId: string; consumers: Array<{ consumer: string; state: string }> }>;
  next: string | null;
  searchedAs: string | null;
}

describe("the events list, an event's page and its actions", () => {
  let console_: ConsoleUnderTest;
  const source = uniqueName("src");
  const fulfillment = uniqueName("ful");
  const alerts = uniqueName("alr");
  const customer = uniqueName("cus");
  const entity = uniqueName("in");
  const t0 = Date.now() - 60_000;
  const ids = { paid: "", updated: "", other: "" };
  const providerIds = { paid: uniqueName("evt"), updated: uniqueName("evt"), other: uniqueName("evt") };
  const auth = { authorization: `Bearer ${ALICE.token}` };
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${console_.url}${path}`, { headers: auth });
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = (path: string, body: unknown = {}) =>
    fetch(`${console_.url}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });

  before(async () => {
    console_ = await startConsole();
    const { db } = console_;
    ids.paid = await seedEvent(db, {
      source,
      type: "invoice.paid",
      providerEventId: providerIds.paid,
      receivedAt: new Date(t0),
      partitionKey: entity,
      payload: { data: { object: { customer, amount_paid: 2000, memo: "blue lantern" } } },
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      secretIndex: 1,
    });
    ids.updated = await seedEvent(db, {
      source,
      type: "invoice.updated",
      providerEventId: providerIds.updated,
      receivedAt: new Date(t0 + 1000),
      partitionKey: entity,
      position: { topic: `webhooks.${source}`, partition: 0, offset: "1" },
    });
    ids.other = await seedEvent(db, { source, type: "charge.refunded", providerEventId: providerIds.other, receivedAt: new Date(t0 + 2000) });
    await seedState(db, { consumer: fulfillment, eventId: ids.paid, eventKey: `${source}:${providerIds.paid}`, state: "processed" });
    await seedState(db, {
      consumer: alerts,
      eventId: ids.paid,
      eventKey: `${source}:${providerIds.paid}`,
      state: "dead_lettered",
      error: "Slack answered 500",
    });
    await seedState(db, { consumer: fulfillment, eventId: ids.other, eventKey: `${source}:${providerIds.other}`, state: "retrying", error: "timeout" });
    await migrateLatest(db, [routesMigrations]);
    const request = {
      kind: "http" as const,
      method: "POST" as const,
      url: "https://example.test/orders",
      headers: { authorization: "(secret)" },
      body: "{}",
      bodyBytes: 2,
    };
    await recordDeliveryAttempt(db, {
      route: "paid-orders",
      destination: "orders",
      eventId: ids.paid,
      outcome: "failed",
      request,
      response: { status: 503, headers: {}, body: "down" },
      error: "answered 503: <down>",
      durationMs: 12,
    });
    await recordDeliveryAttempt(db, {
      route: "paid-orders",
      destination: "orders",
      eventId: ids.paid,
      outcome: "delivered",
      request,
      response: { status: 204, headers: {}, body: "" },
      error: null,
      durationMs: 7,
    });
    await db("effect_calls").insert({
      consumer: fulfillment,
      idempotency_key: `${fulfillment}:${source}:${providerIds.paid}`,
      effect: "slack.post",
      result: JSON.stringify({ ts: "1733.0001" }),
      attempts: 1,
      completed_at: new Date(),
    });
    for (const [outcome, hub] of [
      ["accepted", ids.paid],
      ["duplicate", null],
    ] as const)
      await db("catalog_deliveries").insert({
        delivery_id: randomUUID(),
        received_at: new Date(t0 + (hub ? 0 : 5000)),
        source,
        request_id: uniqueName("req"),
        client: "127.0.0.1",
        outcome,
        status: hub ? 202 : 200,
        body_bytes: 321,
        verification_scheme: "stripe-v1",
        secret_index: 1,
        hub_event_id: hub,
        provider_event_id: providerIds.paid,
        event_type: "invoice.paid",
        headers: JSON.stringify({}),
      });
  });
  after(async () => {
    await console_.close();
  });

  it("lists a source's events newest first, each with every consumer's state", async () => {
    const { status, body } = await get<ListAnswer>(`/api/events?source=${source}`);
    assert.equal(status, 200);
    assert.deepEqual(
      body.items.map((event) => event.eventId),
      [ids.other, ids.updated, ids.paid],
    );
    assert.deepEqual(
      body.items[2]?.consumers,
      [
        { consumer: alerts, state: "dead_lettered" },
        { consumer: fulfillment, state: "processed" },
      ].sort((a, b) => a.consumer.localeCompare(b.consumer)),
    );
  });

  it("filters by consumer state: dead-lettered, retrying, or any consumer failing", async () => {
    const ofState = async (state: string) => (await get<ListAnswer>(`/api/events?source=${source}&state=${state}`)).body.items.map((event) => event.eventId);
    assert.deepEqual(await ofState("dead_lettered"), [ids.paid]);
    assert.deepEqual(await ofState("retrying"), [ids.other]);
    assert.deepEqual(await ofState("failing"), [ids.other, ids.paid]);
  });

  it("searches one box by provider event id, hub id, entity, payload field and free text, saying what it searched as", async () => {
    const search = async (q: string) => {
      const { body } = await get<ListAnswer>(`/api/events?source=${source}&q=${encodeURIComponent(q)}`);
      return { ids: body.items.map((event) => event.eventId), as: body.searchedAs };
    };
    assert.deepEqual(await search(providerIds.paid), { ids: [ids.paid], as: "provider event id" });
    assert.deepEqual(await search(ids.updated), { ids: [ids.updated], as: "hub event id" });
    assert.deepEqual(await search(entity), { ids: [ids.updated, ids.paid], as: "entity" });
    assert.deepEqual(await search(`data.object.customer = ${customer}`), { ids: [ids.paid], as: "field" });
    assert.deepEqual(await search("data.object.amount_paid = 2000"), { ids: [ids.paid], as: "field" });
    assert.deepEqual(await search("lantern"), { ids: [ids.paid], as: "text" });
  });

  it("pages with a next link that keeps the filter", async () => {
    const first = await get<ListAnswer>(`/api/events?source=${source}&limit=2`);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.next);
    const second = await get<ListAnswer>(first.body.next);
    assert.deepEqual(
      second.body.items.map((event) => event.eventId),
      [ids.paid],
    );
    assert.equal(second.body.next, null);
  });

  it("answers a filter it cannot read with 400 saying what it takes", async () => {
    for (const [query, expected] of [
      ["state=stuck", /state=stuck is not one of failing, dead_lettered, retrying/],
      ["from=yesterday", /from=yesterday is not a time/],
      ["limit=0", /limit is a whole number from 1 to 500/],
      ["origin=carrier-pigeon", /origin=carrier-pigeon is not one of webhook, reconciliation, replay/],
      ["before=nonsense", /before= is the `next` cursor/],
    ] as const) {
      const { status, body } = await get<{ error: { code: string; message: string } }>(`/api/events?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.error.code, "bad_input");
      assert.match(body.error.message, expected);
    }
  });

  it("shows an event whole: envelope, consumers with attempts and effects, deliveries and redeliveries, the entity in log order, the trace link", async () => {
    const { status, body } = await get<{
      event: { eventId: string; verification: { secretIndex: number } };
      payload: { form: string; value: unknown };
      consumers: Array<{ consumer: string; state: string; attempts: unknown[]; effects: Array<{ effect: string; result: unknown }> }>;
      deliveries: Array<{ outcome: string }>;
      entity: Array<{ eventId: string }>;
      traceUrl: string;
      routes: Array<{ route: string; destination: string; outcome: string; response: { status: number } | null }>;
    }>(`/api/events/${ids.paid}`);
    assert.equal(status, 200);
    assert.deepEqual(
      body.routes.map((attempt) => [attempt.route, attempt.destination, attempt.outcome, attempt.response?.status]),
      [
        ["paid-orders", "orders", "failed", 503],
        ["paid-orders", "orders", "delivered", 204],
      ],
    );
    assert.equal(body.event.verification.secretIndex, 1);
    assert.deepEqual(body.payload, { form: "json", value: { data: { object: { customer, amount_paid: 2000, memo: "blue lantern" } } } });
    const byName = new Map(body.consumers.map((consumer) => [consumer.consumer, consumer]));
    assert.equal(byName.get(fulfillment)?.state, "processed");
    assert.deepEqual(
      byName.get(fulfillment)?.effects.map((effect) => [effect.effect, effect.result]),
      [["slack.post", { ts: "1733.0001" }]],
    );
    assert.equal(byName.get(alerts)?.state, "dead_lettered");
    assert.equal(byName.get(alerts)?.attempts.length, 1);
    assert.deepEqual(
      body.deliveries.map((delivery) => delivery.outcome),
      ["accepted", "duplicate"],
    );
    assert.deepEqual(
      body.entity.map((event) => event.eventId),
      [ids.paid, ids.updated],
    );
    assert.equal(body.traceUrl, "http://127.0.0.1:9411/zipkin/traces/4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal((await get(`/api/events/${randomUUID()}`)).status, 404);
  });

  it("renders the event page with each consumer's state and the action that fits it, the payload escaped", async () => {
    const { cookie } = await signIn(console_.url, ALICE.token);
    const page = await (await fetch(`${console_.url}/events/${ids.paid}`, { headers: { cookie } })).text();
    assert.match(page, new RegExp(`data-testid="state-${alerts}">dead lettered<`));
    assert.match(page, new RegExp(`data-testid="redeliver-${alerts}"`));
    assert.match(page, new RegExp(`data-testid="rerun-${fulfillment}"[^>]*`));
    assert.match(page, /its outside effects will be made again: slack.post/);
    assert.match(page, /secret 2/);
    assert.match(page, /data-testid="route-attempts"/);
    assert.match(page, /paid-orders\/orders/);
    assert.match(page, /answered 503: &lt;down&gt;/, "a destination's answer is escaped");
    assert.doesNotMatch(page, /<script>(?!<\/script>)/);
    const list = await (await fetch(`${console_.url}/events`, { headers: { cookie } })).text();
    assert.match(list, /<div data-testid="arrivals"><svg class="chart"/);
    assert.match(list, /Events per minute per source, last hour/);
  });

  it("refuses actions that do not fit the state, and a re-run without its confirmation", async () => {
    const paid = `/api/events/${ids.paid}/consumers`;
    const noConfirm = await post(`${paid}/${fulfillment}/rerun`, {});
    assert.equal(noConfirm.status, 400);
    assert.match(((await noConfirm.json()) as { error: { message: string } }).error.message, /send \{"confirm": true\}/);
    assert.equal((await post(`${paid}/${fulfillment}/redeliver`)).status, 409);
    // A retrying event has its copy in a retry topic: a second one would fork its retries.
    const retrying = await post(`/api/events/${ids.other}/consumers/${fulfillment}/redeliver`);
    assert.equal(retrying.status, 409);
    assert.match(((await retrying.json()) as { error: { message: string } }).error.message, /retries this event on its own; redeliver is for a dead letter/);
    assert.equal((await post(`${paid}/${alerts}/rerun`, { confirm: true })).status, 409);
    assert.equal((await post(`${paid}/nobody-${randomUUID().slice(0, 8)}/redeliver`)).status, 404);
  });

  it("force re-runs a processed event: its mark and once records are cleared, it is sent to the consumer's retry from its position, and the action is recorded under the token's name", async () => {
    const stack = await testStack();
    const kafka = createKafka({ clientId: "console-test", brokers: stack.kafkaBrokers.split(",") });
    const consumer = uniqueName("rerun");
    const topic = uniqueName("webhooks.rerun");
    await ensureTopics(kafka, [
      { name: topic, partitions: 1, replicationFactor: 1, minInSyncReplicas: 1 },
      { name: retryTopic(consumer, 1), partitions: 1, replicationFactor: 1, minInSyncReplicas: 1 },
    ]);
    const codec = await webhookEventCodec(new SchemaRegistryClient(stack.schemaRegistryUrl), topic);
    const providerEventId = uniqueName("evt");
    const eventId = randomUUID();
    const envelope: WebhookEvent = {
      id: eventId,
      source,
      provider: "stripe",
      providerEventId,
      type: "invoice.paid",
      providerTimestamp: null,
      receivedAt: Date.now(),
      origin: "webhook",
      verification: { scheme: "stripe-v1", secretIndex: 0 },
      contentType: "application/json",
      headers: {},
      payload: Buffer.from("{}"),
    };
    const producer = kafka.producer();
    await producer.connect();
    const [written] = await producer.send({ topic, messages: [{ key: "in_1", value: await codec.encode(envelope) }] });
    await producer.disconnect();
    const position = { topic, partition: 0, offset: String(written?.baseOffset ?? "0") };
    await seedEvent(console_.db, { eventId, source, type: "invoice.paid", providerEventId, receivedAt: new Date(), position });
    const eventKey = `${source}:${providerEventId}`;
    await seedState(console_.db, { consumer, eventId, eventKey, state: "processed", position });
    await console_
      .db("effect_calls")
      .insert({ consumer, idempotency_key: `${consumer}:${eventKey}`, effect: "slack.post", result: "{}", attempts: 1, completed_at: new Date() });

    const answer = await post(`/api/events/${eventId}/consumers/${consumer}/rerun`, { confirm: true });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.match(((await answer.json()) as { summary: string }).summary, /effects cleared: slack.post/);

    const [resent] = await readTopic(stack.kafkaBrokers, retryTopic(consumer, 1), { count: 1 });
    assert.equal(resent?.headers[HEADERS.eventKey]?.toString(), eventKey);
    assert.equal(await console_.db("processed_events").where({ consumer, event_key: eventKey }).first(), undefined);
    assert.equal(
      await console_
        .db("effect_calls")
        .where({ consumer, idempotency_key: `${consumer}:${eventKey}` })
        .first(),
      undefined,
    );
    const { body } = await get<{ actions: Array<{ actor: string; action: string; consumer: string }>; consumers: Array<{ state: string }> }>(
      `/api/events/${eventId}`,
    );
    assert.deepEqual(
      body.actions.map(({ actor, action, consumer: which }) => ({ actor, action, consumer: which })),
      [{ actor: "alice", action: "rerun", consumer }],
    );
    assert.equal(body.consumers[0]?.state, "rerun_requested");
  });

  it("streams a new event of the filter to a following page, and not the ones it already showed", async () => {
    const controller = new AbortController();
    const response = await fetch(`${console_.url}/api/events/stream?source=${source}`, { headers: auth, signal: controller.signal });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body?.getReader();
    assert.ok(reader);
    let text = "";
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString("utf8");
      }
    })().catch(() => undefined);
    const arrived = await seedEvent(console_.db, { source, type: "invoice.created", providerEventId: uniqueName("evt"), receivedAt: new Date() });
    await eventually("the new event on the stream", () => text.includes(`"id":"${arrived}"`), { timeoutMs: 10_000 });
    assert.doesNotMatch(text, new RegExp(ids.paid));
    controller.abort();
    await reading;
  });

  it("ends a session's live stream once the session signs out", async () => {
    const { cookie, csrf } = await signIn(console_.url, ALICE.token);
    const response = await fetch(`${console_.url}/api/events/stream?source=${source}`, { headers: { cookie } });
    assert.equal(response.status, 200);
    const reader = response.body?.getReader();
    assert.ok(reader);
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    const out = await fetch(`${console_.url}/signout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    assert.equal(out.status, 303);
    assert.equal(await ended, true);
  });
});
