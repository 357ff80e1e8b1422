import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { githubDelivery, githubPullRequestBody, post, standardDelivery, standardEventBody, stripeDelivery, stripeEventBody } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";

describe("ingest writes each provider event once however often it is delivered", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("writes an event delivered twice in a row once and answers the redelivery 200 duplicate", async () => {
    const { stripe } = ingest.sources;
    const { body, eventId } = stripeEventBody();

    const first = await post(ingest.url, stripe.name, stripeDelivery(body, stripe.secrets[0] as string));
    // A redelivery is signed anew (a later timestamp), as Stripe does on retry.
    const second = await post(ingest.url, stripe.name, stripeDelivery(body, stripe.secrets[0] as string, Math.floor(Date.now() / 1000) + 1));
    const records = await ingest.readEnvelopes("stripe");

    assert.equal(first.status, 202);
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, { status: "duplicate" });
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [eventId],
    );
  });

  it("writes an event delivered five times at once once, answering one 202 and four 200 duplicate", async () => {
    const { github } = ingest.sources;
    const { body } = githubPullRequestBody();
    const delivery = await githubDelivery(body, github.secrets[0] as string, "pull_request");

    const answers = await Promise.all(Array.from({ length: 5 }, () => post(ingest.url, github.name, delivery)));
    const records = await ingest.readEnvelopes("github");

    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 200, 200, 202]);
    const accepted = answers.find((answer) => answer.status === 202);
    assert.deepEqual(accepted?.json, { status: "accepted", eventId: records[0]?.envelope.id });
    for (const answer of answers.filter((each) => each.status === 200)) assert.deepEqual(answer.json, { status: "duplicate" });
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [delivery.headers["x-github-delivery"]],
    );
  });

  it("still answers a redelivery 200 duplicate after ingest restarts, and the topic keeps one copy", async () => {
    const { standard } = ingest.sources;
    const { body } = standardEventBody();
    const delivery = standardDelivery(body, standard.secrets[0] as string);

    const beforeRestart = await post(ingest.url, standard.name, delivery);
    await ingest.restart();
    const afterRestart = await post(ingest.url, standard.name, delivery);
    const records = await ingest.readEnvelopes("standard");

    assert.equal(beforeRestart.status, 202);
    assert.equal(afterRestart.status, 200);
    assert.deepEqual(afterRestart.json, { status: "duplicate" });
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [delivery.headers["webhook-id"]],
    );
  });
});
