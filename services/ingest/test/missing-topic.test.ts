import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { post, standardDelivery, standardEventBody, stripeDelivery, stripeEventBody, type Answer, type Delivery } from "./deliveries.ts";
import { startIngest } from "./harness.ts";
import { sample } from "./metric-sample.ts";

// Long enough that a request waiting on the producer would be noticed, short of the runner's 180 s per test.
const LONG_PRODUCE_TIMEOUT_MS = 150_000;

const errorOf = (answer: Answer): { code: string; message: string } => (answer.json as { error: { code: string; message: string } }).error;

/** Posts the delivery until it is answered other than 503, or `timeoutMs` has passed; the last answer. */
async function postUntilNot503(url: string, source: string, delivery: Delivery, timeoutMs: number): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  let answer = await post(url, source, delivery);
  while (answer.status === 503 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    answer = await post(url, source, delivery);
  }
  return answer;
}

// Each test starts an ingest of its own: readiness is about every source's topic at once.
describe("ingest with a source whose topic does not exist", () => {
  it("answers its events 503 topic_missing with Retry-After without trying Kafka, reports not ready, and keeps the other sources working", async (t) => {
    const ingest = await startIngest({ INGEST_PRODUCE_TIMEOUT_MS: String(LONG_PRODUCE_TIMEOUT_MS) }, { withoutTopics: ["stripe"] });
    t.after(() => ingest.stop());
    const { stripe, standard } = ingest.sources;
    const { body, eventId } = stripeEventBody();
    const requestId = `req-${randomUUID()}`;
    const signed = stripeDelivery(body, stripe.secrets[0] as string);

    const started = performance.now();
    const refused = await post(ingest.url, stripe.name, { ...signed, headers: { ...signed.headers, "x-request-id": requestId } });
    const waitedMs = performance.now() - started;
    const readiness = await fetch(`${ingest.opsUrl}/readyz`);
    const metrics = await (await fetch(`${ingest.opsUrl}/metrics`)).text();
    const other = standardEventBody();
    const otherAnswer = await post(ingest.url, standard.name, standardDelivery(other.body, standard.secrets[0] as string));

    assert.equal(refused.status, 503);
    assert.ok(waitedMs < LONG_PRODUCE_TIMEOUT_MS, `answered after ${Math.round(waitedMs)} ms: it waited for the producer`);
    assert.equal(refused.headers.get("retry-after"), "5");
    assert.equal(errorOf(refused).code, "topic_missing");
    assert.ok(errorOf(refused).message.includes(stripe.topic), `the message names the topic: ${errorOf(refused).message}`);
    assert.ok(!refused.text.includes(eventId), "the answer echoes the body");
    assert.equal(readiness.status, 503);
    assert.deepEqual(await readiness.json(), { status: "not ready", checks: { kafka: true, registry: true, topics: false }, missingTopics: [stripe.topic] });
    assert.equal(sample(metrics, "hooklog_ingest_rejected_total", { source: stripe.name, reason: "topic_missing" }), 1);
    assert.equal(sample(metrics, "hooklog_ingest_batch_phase_seconds_count", { phase: "lookup" }) ?? 0, 0, "no event reached the writer");
    assert.deepEqual(await ingest.ledgerIds("stripe"), []);
    assert.equal(otherAnswer.status, 202);

    const lines = ingest.logLines();
    const atStart = lines.filter((line) => line.topic === stripe.topic && line.level >= 50);
    assert.equal(atStart.length, 1, `one error names the missing topic: ${JSON.stringify(atStart)}`);
    assert.equal(atStart[0]?.source, stripe.name);
    assert.match(String(atStart[0]?.msg), /npm start/);
    const rejection = lines.find((line) => line.msg === "webhook rejected" && line.requestId === requestId);
    assert.deepEqual(rejection && { source: rejection.source, reason: rejection.reason, status: rejection.status }, {
      source: stripe.name,
      reason: "topic_missing",
      status: 503,
    });
    assert.ok(!lines.some((line) => /Kafka did not acknowledge|could not be written to Kafka/.test(line.msg)), "the refusal was logged as a Kafka failure");
    // A produce would have shown in kafkajs's log: it asks for the topic's metadata, and the broker
    // refuses each request with UNKNOWN_TOPIC_OR_PARTITION, whose text is this.
    const refusedMetadata = lines.filter((line) => line.component === "kafkajs" && /does not host this topic-partition/.test(String(line.error)));
    assert.deepEqual(refusedMetadata, [], "a produce to the missing topic was attempted");
  });

  it("accepts the source's events again, without a restart, once its topic is created", async (t) => {
    const ingest = await startIngest({}, { withoutTopics: ["stripe"] });
    t.after(() => ingest.stop());
    const { stripe } = ingest.sources;
    const { body, eventId } = stripeEventBody();
    const delivery = stripeDelivery(body, stripe.secrets[0] as string);

    const refused = await post(ingest.url, stripe.name, delivery);
    await ingest.createTopic("stripe");
    // Nothing asks /readyz meanwhile: the watch's own re-check brings the source back.
    const accepted = await postUntilNot503(ingest.url, stripe.name, delivery, 15_000);
    const readiness = await fetch(`${ingest.opsUrl}/readyz`);
    const records = await ingest.readEnvelopes("stripe");

    assert.equal(errorOf(refused).code, "topic_missing");
    assert.equal(accepted.status, 202, `answered ${accepted.status} ${accepted.text}`);
    assert.equal(readiness.status, 200);
    assert.deepEqual(await readiness.json(), { status: "ready", checks: { kafka: true, registry: true, topics: true } });
    assert.deepEqual(
      records.map((record) => [record.envelope.id, record.envelope.providerEventId]),
      [[(accepted.json as { eventId: string }).eventId, eventId]],
    );
  });

  it("answers 503 topic_missing, not kafka_unavailable, when the topic is deleted while ingest runs, and reports not ready", async (t) => {
    const ingest = await startIngest();
    t.after(() => ingest.stop());
    const { stripe } = ingest.sources;
    const secret = stripe.secrets[0] as string;

    const before = await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, secret));
    await ingest.deleteTopic("stripe");
    const during = await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, secret));
    const readiness = await fetch(`${ingest.opsUrl}/readyz`);

    assert.equal(before.status, 202);
    assert.equal(during.status, 503);
    assert.equal(errorOf(during).code, "topic_missing");
    assert.equal(readiness.status, 503);
    assert.deepEqual(await readiness.json(), { status: "not ready", checks: { kafka: true, registry: true, topics: false }, missingTopics: [stripe.topic] });
  });
});
