import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { githubDelivery, githubPullRequestBody, post, stripeDelivery, stripeEventBody } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";

const invalidEventId = (answer: { status: number; json: unknown }): string => {
  assert.equal(answer.status, 400);
  const { error } = answer.json as { error: { code: string; message: string } };
  assert.equal(error.code, "invalid_event_id");
  return error.message;
};

describe("event ids and types are checked at the door", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("answers a 5,000-character X-GitHub-Delivery 400 invalid_event_id while the deliveries sharing its batch are accepted and recorded", async () => {
    const { github } = ingest.sources;
    const secret = github.secrets[0] as string;
    const long = await githubDelivery(githubPullRequestBody().body, secret, "pull_request", "d".repeat(5000));
    const others = await Promise.all(Array.from({ length: 6 }, async () => githubDelivery(githubPullRequestBody().body, secret, "pull_request")));

    const [refused, ...accepted] = await Promise.all([
      post(ingest.url, github.name, long),
      ...others.map((delivery) => post(ingest.url, github.name, delivery)),
    ]);

    assert.match(invalidEventId(refused as { status: number; json: unknown }), /X-GitHub-Delivery|event id/);
    assert.deepEqual(
      accepted.map((answer) => answer.status),
      others.map(() => 202),
    );
    const ids = others.map((delivery) => delivery.headers["x-github-delivery"] as string).sort();
    assert.deepEqual((await ingest.ledgerIds("github")).sort(), ids);
    assert.deepEqual((await ingest.readEnvelopes("github")).map((record) => record.envelope.providerEventId).sort(), ids);
  });

  for (const [what, id] of [
    ["a control character", `evt_${randomBytes(4).toString("hex")}\u0007`],
    ["a NUL character", `evt_${randomBytes(4).toString("hex")}\u0000`],
    ["256 bytes", `evt_${"a".repeat(252)}`],
    ["256 bytes of UTF-8 in 128 characters", "é".repeat(128)],
  ] as const) {
    it(`answers a signed Stripe event whose id holds ${what} 400 invalid_event_id`, async () => {
      const { stripe } = ingest.sources;

      const answer = await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody({ id: id }).body, stripe.secrets[0] as string));

      invalidEventId(answer);
    });
  }

  it("answers a signed Stripe event whose type holds a control character 400 invalid_event_id", async () => {
    const { stripe } = ingest.sources;

    const answer = await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody({ type: "charge.succeeded\n" }).body, stripe.secrets[0] as string));

    assert.match(invalidEventId(answer), /type/);
  });

  it("accepts an id of exactly 255 bytes, the only event of these on the topic", async () => {
    const { stripe } = ingest.sources;
    const id = `evt_${randomUUID().replaceAll("-", "")}`.padEnd(255, "x");

    const answer = await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody({ id }).body, stripe.secrets[0] as string));

    assert.equal(answer.status, 202, answer.text);
    const records = await ingest.readEnvelopes("stripe");
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [id],
    );
    assert.ok((await ingest.ledgerIds("stripe")).includes(id));
  });
});
