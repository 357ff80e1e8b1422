import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  GITHUB_USER_AGENT,
  githubDelivery,
  githubPullRequestBody,
  hmacDelivery,
  post,
  standardDelivery,
  standardEventBody,
  stripeDelivery,
  stripeEventBody,
} from "./deliveries.ts";
import { startIngest, type IngestHarness, type TopicRecord } from "./harness.ts";

const SIGNATURE_HEADERS = ["stripe-signature", "x-hub-signature-256", "webhook-signature", "x-signature"];

function only(records: TopicRecord[]): TopicRecord {
  assert.equal(records.length, 1, `expected exactly one event on the topic, found ${records.length}`);
  return records[0] as TopicRecord;
}

function assertNoSignatureHeaders(headers: Record<string, string>): void {
  for (const name of Object.keys(headers)) assert.ok(!SIGNATURE_HEADERS.includes(name) && !/signature/i.test(name), `header ${name} was kept`);
}

// Each test posts to a source and topic of its own, so they run side by side.
describe("ingest accepts verified webhooks and writes them to Kafka", { concurrency: true }, () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("answers a Stripe event signed by stripe's library 202 and writes its exact bytes, keyed by the charge id", async () => {
    const { stripe } = ingest.sources;
    const { body, eventId, objectId } = stripeEventBody();
    const delivery = stripeDelivery(body, stripe.secrets[0] as string);

    const answer = await post(ingest.url, stripe.name, delivery);
    const record = only(await ingest.readEnvelopes("stripe"));

    assert.equal(answer.status, 202);
    assert.deepEqual(answer.json, { status: "accepted", eventId: record.envelope.id });
    assert.match(record.envelope.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "event ids are UUIDv7");
    assert.equal(record.key, objectId);
    assert.deepEqual(record.envelope.payload, Buffer.from(body, "utf8"));
    assert.equal(record.envelope.source, stripe.name);
    assert.equal(record.envelope.provider, "stripe");
    assert.equal(record.envelope.providerEventId, eventId);
    assert.equal(record.envelope.type, "charge.succeeded");
    assert.equal(record.envelope.origin, "webhook");
    assert.deepEqual({ ...record.envelope.verification }, { scheme: "stripe-v1", secretIndex: 0 });
    assert.equal(record.envelope.contentType, "application/json; charset=utf-8");
    // Stripe's Events API, reconciliation's path, has no delivery headers: a Stripe event keeps none.
    assert.deepEqual({ ...record.envelope.headers }, {});
    assert.equal(record.headers["hooklog-event-id"]?.toString(), record.envelope.id);
  });

  it("answers a GitHub pull_request signed by octokit 202 and writes it as pull_request.opened, keyed by owner/repo#number", async () => {
    const { github } = ingest.sources;
    const { body, repository, number } = githubPullRequestBody();
    const deliveryId = randomUUID();
    const delivery = await githubDelivery(body, github.secrets[0] as string, "pull_request", deliveryId);

    const answer = await post(ingest.url, github.name, delivery);
    const record = only(await ingest.readEnvelopes("github"));

    assert.equal(answer.status, 202);
    assert.deepEqual(answer.json, { status: "accepted", eventId: record.envelope.id });
    assert.equal(record.key, `${repository}#${number}`);
    assert.deepEqual(record.envelope.payload, Buffer.from(body, "utf8"));
    assert.equal(record.envelope.provider, "github");
    assert.equal(record.envelope.providerEventId, deliveryId);
    assert.equal(record.envelope.type, "pull_request.opened");
    assert.equal(record.envelope.origin, "webhook");
    assert.deepEqual({ ...record.envelope.verification }, { scheme: "github-sha256", secretIndex: 0 });
    assert.equal(record.envelope.headers["user-agent"], GITHUB_USER_AGENT);
    assert.equal(record.envelope.headers["x-github-event"], "pull_request");
    assert.equal(record.envelope.headers["x-github-delivery"], deliveryId);
    assertNoSignatureHeaders(record.envelope.headers);
  });

  it("answers a Standard Webhooks event signed by the standardwebhooks library 202 and writes it keyed by data.id", async () => {
    const { standard } = ingest.sources;
    const { body, objectId } = standardEventBody();
    const delivery = standardDelivery(body, standard.secrets[0] as string);

    const answer = await post(ingest.url, standard.name, delivery);
    const record = only(await ingest.readEnvelopes("standard"));

    assert.equal(answer.status, 202);
    assert.deepEqual(answer.json, { status: "accepted", eventId: record.envelope.id });
    assert.equal(record.key, objectId);
    assert.deepEqual(record.envelope.payload, Buffer.from(body, "utf8"));
    assert.equal(record.envelope.provider, "standard-webhooks");
    assert.equal(record.envelope.providerEventId, delivery.headers["webhook-id"]);
    assert.equal(record.envelope.type, "invoice.paid");
    assert.equal(record.envelope.origin, "webhook");
    assert.equal(record.envelope.providerTimestamp, Number(delivery.headers["webhook-timestamp"]) * 1000);
    assert.deepEqual({ ...record.envelope.verification }, { scheme: "standard-webhooks-v1", secretIndex: 0 });
    assert.equal(record.envelope.headers["user-agent"], "Svix-Webhooks/1.62");
    assert.equal(record.envelope.headers["webhook-id"], delivery.headers["webhook-id"]);
    assertNoSignatureHeaders(record.envelope.headers);
  });

  it("accepts events signed with either of two rotating secrets and records which secret verified each", async () => {
    const { rotating } = ingest.sources;
    const [current, previous] = rotating.secrets as [string, string];
    const signedWithCurrent = stripeEventBody();
    const signedWithPrevious = stripeEventBody();

    const answers = [
      await post(ingest.url, rotating.name, stripeDelivery(signedWithCurrent.body, current)),
      await post(ingest.url, rotating.name, stripeDelivery(signedWithPrevious.body, previous)),
    ];
    const records = await ingest.readEnvelopes("rotating");

    assert.deepEqual(
      answers.map((answer) => answer.status),
      [202, 202],
    );
    const secretIndexById = new Map(records.map((record) => [record.envelope.providerEventId, record.envelope.verification.secretIndex]));
    assert.deepEqual(Object.fromEntries(secretIndexById), { [signedWithCurrent.eventId]: 0, [signedWithPrevious.eventId]: 1 });
  });

  it("accepts a request to the generic hmac source signed with signHmac, with a timestamp header", async () => {
    const { hmac } = ingest.sources;
    const body = JSON.stringify({ id: `acme-${randomUUID()}`, type: "order.shipped", order: { id: 981 } });
    const delivery = hmacDelivery(body, hmac.secrets[0] as string);

    const answer = await post(ingest.url, hmac.name, delivery);
    const record = only(await ingest.readEnvelopes("hmac"));

    assert.equal(answer.status, 202);
    assert.deepEqual(answer.json, { status: "accepted", eventId: record.envelope.id });
    assert.deepEqual(record.envelope.payload, Buffer.from(body, "utf8"));
    assert.equal(record.envelope.provider, "hmac");
    assert.equal(record.envelope.providerEventId, (JSON.parse(body) as { id: string }).id);
    assert.equal(record.envelope.type, "order.shipped");
    assert.equal(record.envelope.providerTimestamp, Number(delivery.headers["x-timestamp"]) * 1000);
    assert.deepEqual({ ...record.envelope.verification }, { scheme: "hmac-sha256", secretIndex: 0 });
    assert.equal(record.envelope.headers["user-agent"], "acme-sender/2.1");
    assertNoSignatureHeaders(record.envelope.headers);
  });
});
