// One metadata record per request to POST /webhooks/:source on the deliveries topic: its answer and
// what was learnt of it, never the body or a signature; queued, never awaited; bounded per source.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import type { Delivery as DeliveryRecord } from "@hooklog/schemas";
import { githubDelivery, githubPullRequestBody, post, stripeDelivery, stripeEventBody, type Delivery } from "./deliveries.ts";
import { FILTERED_TYPE, startIngest, type IngestHarness } from "./harness.ts";
import { sample } from "./metric-sample.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const withRequestId = (delivery: Delivery, requestId: string): Delivery => ({ ...delivery, headers: { ...delivery.headers, "x-request-id": requestId } });

async function metrics(ingest: IngestHarness): Promise<string> {
  return (await fetch(`${ingest.opsUrl}/metrics`)).text();
}

/** A metric without labels. */
function unlabelled(text: string, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

const written = async (ingest: IngestHarness, source: string): Promise<number> =>
  sample(await metrics(ingest), "hooklog_ingest_delivery_records_written_total", { source }) ?? 0;

/** The records of `requestId`, once `count` of them are on the topic. */
async function recordsOf(ingest: IngestHarness, requestId: string, count = 1): Promise<DeliveryRecord[]> {
  return eventually(`${count} delivery record(s) of request ${requestId}`, async () => {
    const found = (await ingest.readDeliveries()).filter(({ delivery }) => delivery.requestId === requestId);
    return found.length >= count ? found.map(({ delivery }) => delivery) : undefined;
  });
}

/** The one record of `requestId`, keyed by its source. */
async function onlyRecordOf(ingest: IngestHarness, requestId: string): Promise<DeliveryRecord> {
  const records = (await ingest.readDeliveries()).filter(({ delivery }) => delivery.requestId === requestId);
  assert.equal(records.length, 1, `exactly one record of ${requestId}, found ${records.length}`);
  const [record] = records as [{ key: string | undefined; delivery: DeliveryRecord }];
  assert.equal(record.key, record.delivery.source, "keyed by source");
  return record.delivery;
}

describe("ingest writes one delivery record per request", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("records an accepted delivery: verification, provider event id, type, hub event id and audit headers, in its event's own produce request", async () => {
    const { github } = ingest.sources;
    const requestId = randomUUID();
    const { body } = githubPullRequestBody();
    const delivery = withRequestId(await githubDelivery(body, github.secrets[0] as string, "pull_request"), requestId);
    const requestsBefore = unlabelled(await metrics(ingest), "hooklog_ingest_produce_requests_total");
    const writtenBefore = await written(ingest, github.name);

    const answer = await post(ingest.url, github.name, delivery);
    await eventually("the record written", async () => (await written(ingest, github.name)) === writtenBefore + 1);
    const requestsAfter = unlabelled(await metrics(ingest), "hooklog_ingest_produce_requests_total");

    assert.equal(answer.status, 202);
    assert.equal(requestsAfter - requestsBefore, 1, "the event and its record went in one produce request");
    const [envelope] = (await ingest.readEnvelopes("github")).map((record) => record.envelope);
    const record = await onlyRecordOf(ingest, requestId);
    assert.match(record.eventId, UUID_V7);
    assert.ok(Math.abs(Number(record.receivedAt) - Date.now()) < 60_000);
    assert.deepEqual(
      { ...record, eventId: "", receivedAt: 0, headers: { ...record.headers } },
      {
        eventId: "",
        receivedAt: 0,
        source: github.name,
        requestId,
        client: "127.0.0.1",
        outcome: "accepted",
        status: 202,
        reason: null,
        bodyBytes: Buffer.byteLength(body),
        verificationScheme: "github-sha256",
        secretIndex: 0,
        verificationFailure: null,
        hubEventId: (answer.json as { eventId: string }).eventId,
        providerEventId: envelope?.providerEventId,
        eventType: "pull_request.opened",
        headers: { ...envelope?.headers },
      },
    );
    assert.ok(Object.keys(record.headers).length > 0, "GitHub's audit headers are kept");
    assert.ok(!("x-hub-signature-256" in record.headers));
  });

  it("records a provider's redelivery as a duplicate of its event, tied by the provider event id", async () => {
    const { stripe } = ingest.sources;
    const { body, eventId } = stripeEventBody();
    const delivery = stripeDelivery(body, stripe.secrets[0] as string);
    const [firstId, againId] = [randomUUID(), randomUUID()];

    const first = await post(ingest.url, stripe.name, withRequestId(delivery, firstId));
    const again = await post(ingest.url, stripe.name, withRequestId(delivery, againId));
    await recordsOf(ingest, againId);

    assert.deepEqual([first.status, again.status], [202, 200]);
    const record = await onlyRecordOf(ingest, againId);
    assert.equal(record.outcome, "duplicate");
    assert.equal(record.status, 200);
    assert.equal(record.providerEventId, eventId);
    assert.equal(record.eventType, "charge.succeeded");
    assert.equal(record.hubEventId, null);
    assert.equal(record.verificationScheme, "stripe-v1");
    assert.equal((await onlyRecordOf(ingest, firstId)).providerEventId, eventId);
  });

  it("records a signature failure with its reason, and neither the body nor the signature", async () => {
    const { stripe } = ingest.sources;
    const requestId = randomUUID();
    const marker = `secret-body-${randomUUID()}`;
    const { body } = stripeEventBody({ note: marker });
    const delivery = withRequestId(stripeDelivery(body, "whsec_not_the_source_secret"), requestId);

    const answer = await post(ingest.url, stripe.name, delivery);
    await recordsOf(ingest, requestId);

    assert.equal(answer.status, 401);
    const record = await onlyRecordOf(ingest, requestId);
    assert.equal(record.outcome, "rejected");
    assert.equal(record.status, 401);
    assert.equal(record.reason, "signature_mismatch");
    assert.equal(record.verificationFailure, "signature_mismatch");
    assert.equal(record.verificationScheme, null);
    assert.equal(record.providerEventId, null);
    assert.equal(record.bodyBytes, Buffer.byteLength(body));
    assert.ok(!("stripe-signature" in record.headers));
    const serialized = JSON.stringify(record);
    assert.ok(!serialized.includes(marker), "no body bytes");
    assert.ok(!serialized.includes(delivery.headers["stripe-signature"] as string), "no signature");
  });

  it("records a request to an unknown source as source (unknown)", async () => {
    const requestId = randomUUID();
    const { body } = stripeEventBody();

    const answer = await post(ingest.url, "no-such-source", withRequestId(stripeDelivery(body, "whsec_x"), requestId));
    await recordsOf(ingest, requestId);

    assert.equal(answer.status, 404);
    const record = await onlyRecordOf(ingest, requestId);
    assert.deepEqual(
      [record.source, record.outcome, record.status, record.reason, record.bodyBytes, { ...record.headers }],
      ["(unknown)", "rejected", 404, "unknown_source", 0, {}],
    );
  });

  it("records a verified event of a type the source does not take as ignored", async () => {
    const { filtered } = ingest.sources;
    const requestId = randomUUID();
    const { body, eventId } = stripeEventBody();

    const answer = await post(ingest.url, filtered.name, withRequestId(stripeDelivery(body, filtered.secrets[0] as string), requestId));
    await recordsOf(ingest, requestId);

    assert.equal(answer.status, 200);
    assert.notEqual(FILTERED_TYPE, "charge.succeeded");
    const record = await onlyRecordOf(ingest, requestId);
    assert.deepEqual(
      [record.outcome, record.status, record.reason, record.providerEventId, record.eventType, record.verificationScheme, record.hubEventId],
      ["ignored", 200, null, eventId, "charge.succeeded", "stripe-v1", null],
    );
  });
});

describe("delivery records under a flood and without their topic", () => {
  it("writes a source's records up to INGEST_DELIVERY_LOG_RATE and counts the rest as dropped (rate); every request is answered as ever", async () => {
    const ingest = await startIngest({ INGEST_DELIVERY_LOG_RATE: "0.01" });
    try {
      const { stripe } = ingest.sources;
      const answers = [];
      for (let index = 0; index < 3; index += 1) {
        const { body } = stripeEventBody();
        answers.push((await post(ingest.url, stripe.name, stripeDelivery(body, stripe.secrets[0] as string))).status);
      }
      await eventually("the one record within the rate written", async () => (await written(ingest, stripe.name)) === 1);

      assert.deepEqual(answers, [202, 202, 202]);
      assert.equal(sample(await metrics(ingest), "hooklog_ingest_delivery_records_dropped_total", { source: stripe.name, reason: "rate" }), 2);
      assert.equal((await ingest.readDeliveries()).length, 1);
    } finally {
      await ingest.stop();
    }
  });

  it("accepts events while the deliveries topic is missing: records are counted as dropped and the topic logged once", async () => {
    const ingest = await startIngest({}, { withoutDeliveryTopic: true });
    try {
      const { stripe } = ingest.sources;
      const answers = [];
      for (let index = 0; index < 2; index += 1) {
        const { body } = stripeEventBody();
        answers.push((await post(ingest.url, stripe.name, stripeDelivery(body, stripe.secrets[0] as string))).status);
      }

      assert.deepEqual(answers, [202, 202]);
      assert.equal((await ingest.readEnvelopes("stripe")).length, 2);
      assert.equal(sample(await metrics(ingest), "hooklog_ingest_delivery_records_dropped_total", { source: stripe.name, reason: "write_failed" }), 2);
      assert.equal(ingest.logLines().filter((line) => line.msg.includes(`topic ${ingest.deliveryTopic} does not exist`)).length, 1);
    } finally {
      await ingest.stop();
    }
  });

  it("accepts events after the deliveries topic is deleted under it: the records that rode with them are counted as failed, the outage logged once", async () => {
    const ingest = await startIngest();
    try {
      const { stripe } = ingest.sources;
      const postOne = async () => {
        const { body } = stripeEventBody();
        return (await post(ingest.url, stripe.name, stripeDelivery(body, stripe.secrets[0] as string))).status;
      };
      assert.equal(await postOne(), 202);
      await eventually("the first record written", async () => (await written(ingest, stripe.name)) === 1);

      await ingest.deleteDeliveryTopic();
      const answers = [await postOne(), await postOne(), await postOne()];

      assert.deepEqual(answers, [202, 202, 202]);
      // The request that found the topic gone is sent again without its records: Kafka may have
      // appended its events already, and such a copy is what consumers absorb.
      const envelopes = (await ingest.readEnvelopes("stripe")).map((record) => record.envelope.providerEventId);
      assert.equal(new Set(envelopes).size, 4);
      assert.ok(envelopes.length <= 5, `at most one copy: ${envelopes.length} envelopes`);
      assert.equal(sample(await metrics(ingest), "hooklog_ingest_delivery_records_dropped_total", { source: stripe.name, reason: "write_failed" }), 3);
      const outage = ingest
        .logLines()
        .filter((line) => line.msg.startsWith("delivery records could not be written") || line.msg.includes(`topic ${ingest.deliveryTopic} does not exist`));
      assert.ok(outage.length >= 1 && outage.length <= 2, `the outage logged once (and the missing topic once): ${outage.map((line) => line.msg).join(" | ")}`);
    } finally {
      await ingest.stop();
    }
  });
});
