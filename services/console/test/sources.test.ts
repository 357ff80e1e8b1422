import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { secretEnvVar, type SourceConfig } from "@hooklog/sources";
import { uniqueName } from "@hooklog/testkit";
import { ALICE, type ConsoleUnderTest, signIn, startConsole } from "./harness.ts";

const NEW_SECRET = "whsec_new-secret-value-0000000001";
const OLD_SECRET = "whsec_old-secret-value-0000000002";

describe("the sources area", () => {
  let console_: ConsoleUnderTest;
  const name = uniqueName("src");
  const source: SourceConfig = {
    name,
    provider: "stripe",
    toleranceSeconds: 300,
    topic: `webhooks.${name}`,
    partitions: 3,
    maxBodyBytes: 1_048_576,
    replicationFactor: undefined,
    minInSyncReplicas: undefined,
    rateLimit: { requestsPerSecond: 50, burst: 100 },
    eventTypes: ["charge.succeeded"],
    contentEncodings: [],
    options: undefined,
    secretEnvVar: secretEnvVar(name),
    secrets: [NEW_SECRET, OLD_SECRET],
  };
  // Two 10-minute buckets an hour ago: 3 accepted (2 by the new secret, 1 by the old), then 1 accepted by the new and 2 rejected.
  const bucket = Math.floor((Date.now() - 3_600_000) / 600_000) * 600_000;
  const rows = [
    { minute: 1, outcome: "accepted", secretIndex: 0 },
    { minute: 2, outcome: "accepted", secretIndex: 0 },
    { minute: 3, outcome: "accepted", secretIndex: 1 },
    { minute: 11, outcome: "accepted", secretIndex: 0 },
    { minute: 12, outcome: "rejected", secretIndex: null },
    { minute: 13, outcome: "rejected", secretIndex: null },
  ];

  before(async () => {
    console_ = await startConsole({ overrides: { sources: [source] } });
    await console_.db("catalog_deliveries").insert(
      rows.map((row) => ({
        delivery_id: randomUUID(),
        received_at: new Date(bucket + row.minute * 60_000),
        source: name,
        request_id: randomUUID(),
        client: "203.0.113.7",
        outcome: row.outcome,
        status: row.outcome === "accepted" ? 202 : 401,
        reason: row.outcome === "accepted" ? null : "signature_mismatch",
        body_bytes: 100,
        verification_scheme: row.secretIndex === null ? null : "stripe-v1",
        secret_index: row.secretIndex,
        headers: "{}",
      })),
    );
  });
  after(async () => {
    await console_.close();
  });

  type View = {
    window: { bucketMinutes: number };
    sources: Array<{
      settings: Record<string, unknown>;
      deliveries: Record<string, Array<{ bucket: string; count: number }>>;
      secrets: Array<{ secretIndex: number; deliveries: number; share: number }>;
    }>;
  };

  it("shows a source's settings and how many secrets it has, never their values", async () => {
    const response = await fetch(`${console_.url}/api/sources`, { headers: { authorization: `Bearer ${ALICE.token}` } });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.doesNotMatch(text, /whsec_/);
    const view = JSON.parse(text) as View;
    assert.deepEqual(view.sources[0]?.settings, {
      name,
      provider: "stripe",
      topic: `webhooks.${name}`,
      partitions: 3,
      maxBodyBytes: 1_048_576,
      toleranceSeconds: 300,
      rateLimit: { requestsPerSecond: 50, burst: 100 },
      eventTypes: ["charge.succeeded"],
      contentEncodings: [],
      optionNames: [],
      secretEnvVar: secretEnvVar(name),
      secretsConfigured: 2,
    });
  });

  it("counts deliveries per bucket by outcome, and each secret's share of the verified ones", async () => {
    const response = await fetch(`${console_.url}/api/sources?hours=3&bucketMinutes=10`, { headers: { authorization: `Bearer ${ALICE.token}` } });
    const view = (await response.json()) as View;
    assert.equal(view.window.bucketMinutes, 10);
    const [ours] = view.sources;
    assert.deepEqual(ours?.deliveries.accepted, [
      { bucket: new Date(bucket).toISOString(), count: 3 },
      { bucket: new Date(bucket + 600_000).toISOString(), count: 1 },
    ]);
    assert.deepEqual(ours?.deliveries.rejected, [{ bucket: new Date(bucket + 600_000).toISOString(), count: 2 }]);
    assert.deepEqual(ours?.deliveries.duplicate, []);
    assert.deepEqual(ours?.secrets, [
      { secretIndex: 0, deliveries: 3, share: 0.75 },
      { secretIndex: 1, deliveries: 1, share: 0.25 },
    ]);
  });

  it("refuses a window or bucket out of range", async () => {
    for (const [parameters, message] of [
      ["hours=0", /hours: a whole number of hours from 1 to 24/],
      ["bucketMinutes=61", /bucketMinutes: a whole number of minutes from 1 to 60/],
    ] as const) {
      const response = await fetch(`${console_.url}/api/sources?${parameters}`, { headers: { authorization: `Bearer ${ALICE.token}` } });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, message);
    }
  });

  it("renders the page: settings, a deliveries chart and the rotation's advice, no secret", async () => {
    const { cookie } = await signIn(console_.url, ALICE.token);
    const page = await fetch(`${console_.url}/sources?hours=3`, { headers: { cookie } }).then((response) => response.text());
    assert.doesNotMatch(page, /whsec_/);
    assert.match(page, new RegExp(secretEnvVar(name)));
    assert.match(page, /2 configured/);
    assert.match(page, /<svg class="chart"[^>]*>.*<polyline/s);
    assert.match(page, /75\.0 %/);
    assert.match(page, /still verified by an older secret/);
  });
});
