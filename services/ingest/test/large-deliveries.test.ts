import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { githubDelivery, post, stripeDelivery, stripeEventBody } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";

const MIB = 1024 * 1024;

/** A GitHub push delivery of about `bytes`, as a large monorepo push makes them. */
function pushBody(bytes: number): string {
  const repository = `octo-org/monorepo-${randomBytes(4).toString("hex")}`;
  const head = { id: randomBytes(20).toString("hex"), message: "Vendor the generated clients", added: [] as string[] };
  const skeleton = JSON.stringify({ ref: "refs/heads/main", head_commit: head, repository: { full_name: repository }, sender: { login: "octocat" } });
  let length = skeleton.length;
  for (let index = 0; length < bytes; index++) {
    const path = `clients/generated/v${index}/${randomBytes(24).toString("hex")}.ts`;
    head.added.push(path);
    length += path.length + 3; // the quotes and the comma
  }
  return JSON.stringify({ ref: "refs/heads/main", head_commit: head, repository: { full_name: repository }, sender: { login: "octocat" } });
}

describe("ingest takes every delivery its source's maxBodyBytes allows", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  for (const size of [1.5 * MIB, 25 * MIB - 4096]) {
    it(`accepts a ${(size / MIB).toFixed(1)} MiB GitHub push and writes it byte for byte`, async () => {
      const { large } = ingest.sources;
      const body = pushBody(size);
      const delivery = await githubDelivery(body, large.secrets[0] as string, "push");

      const answer = await post(ingest.url, large.name, delivery);
      assert.equal(answer.status, 202, answer.text);
      const records = await ingest.readEnvelopes("large", { timeoutMs: 60_000 });
      const record = records.find((candidate) => candidate.envelope.providerEventId === delivery.headers["x-github-delivery"]);
      assert.ok(record, "the push is in the topic");
      assert.equal(record.envelope.payload.length, Buffer.byteLength(body));
      assert.ok(record.envelope.payload.equals(Buffer.from(body, "utf8")), "the payload is the delivery's bytes");
    });
  }

  it("answers a 2 MiB push and 40 small Stripe events sent alongside it each by their own outcome", async () => {
    const { large, stripe } = ingest.sources;
    const small = Array.from({ length: 40 }, () => stripeEventBody());
    const bigDelivery = await githubDelivery(pushBody(2 * MIB), large.secrets[0] as string, "push");
    const answers = await Promise.all([
      post(ingest.url, large.name, bigDelivery),
      ...small.map((event) => post(ingest.url, stripe.name, stripeDelivery(event.body, stripe.secrets[0] as string))),
    ]);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      answers.map(() => 202),
    );
    const onStripe = await ingest.readEnvelopes("stripe");
    assert.deepEqual(onStripe.map((record) => record.envelope.providerEventId).sort(), small.map((event) => event.eventId).sort());
  });
});

describe("a topic whose max.message.bytes an operator lowered below its source's limit", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("refuses only the events too large for it, 413 record_too_large, while every other event of the same batches is accepted", async () => {
    const { stripe, rotating } = ingest.sources;
    // Lowered while ingest runs: ingest learns it from the first refusal.
    await ingest.alterTopic("stripe", { "max.message.bytes": "4096", "retention.ms": "-1" });
    const tooLarge = stripeEventBody({ data: { object: { id: `ch_${randomBytes(6).toString("hex")}`, object: "charge", notes: "x".repeat(8192) } } });
    const fitting = Array.from({ length: 20 }, () => stripeEventBody());
    const elsewhere = Array.from({ length: 20 }, () => stripeEventBody());

    const round = async (): Promise<number[]> => {
      const answers = await Promise.all([
        post(ingest.url, stripe.name, stripeDelivery(tooLarge.body, stripe.secrets[0] as string)),
        ...fitting.map((event) => post(ingest.url, stripe.name, stripeDelivery(event.body, stripe.secrets[0] as string))),
        ...elsewhere.map((event) => post(ingest.url, rotating.name, stripeDelivery(event.body, rotating.secrets[0] as string))),
      ]);
      const [refused] = answers;
      assert.equal(refused?.status, 413, refused?.text);
      assert.equal((refused?.json as { error: { code: string } } | undefined)?.error.code, "record_too_large");
      return answers.slice(1).map((answer) => answer.status);
    };
    // First round: ingest learns of the limit from Kafka's refusal; the second: before any batch.
    assert.deepEqual(
      await round(),
      Array.from({ length: 40 }, () => 202),
    );
    const again = await round();
    assert.deepEqual(
      again,
      Array.from({ length: 40 }, () => 200),
      "the others are duplicates now",
    );

    // Every partition keeps accepting afterwards.
    const later = Array.from({ length: 12 }, () => stripeEventBody());
    const laterAnswers = await Promise.all(later.map((event) => post(ingest.url, stripe.name, stripeDelivery(event.body, stripe.secrets[0] as string))));
    assert.deepEqual(
      laterAnswers.map((answer) => answer.status),
      later.map(() => 202),
    );

    // Each event answered 202 is in its topic and nothing else is; the one refused 413 is not.
    const onStripe = new Set((await ingest.readEnvelopes("stripe")).map((record) => record.envelope.providerEventId));
    assert.deepEqual(onStripe, new Set([...fitting, ...later].map((event) => event.eventId)));
    const onRotating = new Set((await ingest.readEnvelopes("rotating")).map((record) => record.envelope.providerEventId));
    assert.deepEqual(onRotating, new Set(elsewhere.map((event) => event.eventId)));
  });
});
