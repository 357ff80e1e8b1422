import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { githubDelivery, githubPullRequestBody, hmacDelivery, post } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";

describe("a signed body replayed under an id the signature does not cover is a duplicate", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("answers a GitHub body posted again under a new X-GitHub-Delivery 200 duplicate, and writes it once", async () => {
    const { github } = ingest.sources;
    const captured = await githubDelivery(githubPullRequestBody().body, github.secrets[0] as string, "pull_request");

    const first = await post(ingest.url, github.name, captured);
    const replayed = await post(ingest.url, github.name, { ...captured, headers: { ...captured.headers, "x-github-delivery": randomUUID() } });

    assert.equal(first.status, 202, first.text);
    assert.equal(replayed.status, 200, replayed.text);
    assert.deepEqual(replayed.json, { status: "duplicate" });
    const records = await ingest.readEnvelopes("github");
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [captured.headers["x-github-delivery"]],
    );
  });

  it("answers a generic HMAC body posted again under a new x-webhook-id 200 duplicate, and writes it once", async () => {
    const { hmac } = ingest.sources;
    const signed = hmacDelivery(JSON.stringify({ type: "order.created", order: randomBytes(6).toString("hex") }), hmac.secrets[0] as string);
    const firstId = `wh_${randomBytes(8).toString("hex")}`;

    const first = await post(ingest.url, hmac.name, { ...signed, headers: { ...signed.headers, "x-webhook-id": firstId } });
    const replayed = await post(ingest.url, hmac.name, { ...signed, headers: { ...signed.headers, "x-webhook-id": `wh_${randomBytes(8).toString("hex")}` } });

    assert.equal(first.status, 202, first.text);
    assert.deepEqual(replayed.json, { status: "duplicate" });
    const records = await ingest.readEnvelopes("hmac");
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [firstId],
    );
  });

  it("still accepts two GitHub deliveries whose bodies differ, and a redelivery of the first is a duplicate by its id", async () => {
    const { github } = ingest.sources;
    const one = await githubDelivery(githubPullRequestBody({ action: "closed" }).body, github.secrets[0] as string, "pull_request");
    const two = await githubDelivery(githubPullRequestBody({ action: "closed" }).body, github.secrets[0] as string, "pull_request");

    const answers = [await post(ingest.url, github.name, one), await post(ingest.url, github.name, two), await post(ingest.url, github.name, one)];

    assert.deepEqual(
      answers.map((answer) => answer.status),
      [202, 202, 200],
    );
  });
});
