import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { post, stripeDelivery, stripeEventBody } from "./deliveries.ts";
import { startIngest, type IngestHarness, type LogLine } from "./harness.ts";
import { sample } from "./metric-sample.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("ingest reports its health, metrics and rejections", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("answers /healthz 200 ok on both ports", async () => {
    for (const base of [ingest.url, ingest.opsUrl]) {
      const response = await fetch(`${base}/healthz`);

      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: "ok" });
    }
  });

  it("serves /metrics and /readyz on the operations port only: the public port answers them 404", async () => {
    for (const path of ["/metrics", "/readyz"]) {
      const response = await fetch(`${ingest.url}${path}`);

      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, "not_found");
      assert.equal((await fetch(`${ingest.opsUrl}${path}`)).status, 200, path);
    }
  });

  it("answers a webhook path with another method than POST 405, naming POST", async () => {
    const response = await fetch(`${ingest.url}/webhooks/${ingest.sources.stripe.name}`);

    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST");
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "method_not_allowed");
  });

  it("answers /readyz 200 with Kafka, the registry and the sources' topics checked", async () => {
    const response = await fetch(`${ingest.opsUrl}/readyz`);

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ready", checks: { kafka: true, registry: true, topics: true } });
  });

  it("counts accepted events by source and rejections by source and reason in /metrics", async () => {
    const { stripe } = ingest.sources;
    const good = stripeEventBody();
    await post(ingest.url, stripe.name, stripeDelivery(good.body, stripe.secrets[0] as string));
    await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, "whsec_not-the-secret"));
    await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, "whsec_not-the-secret"));
    await post(ingest.url, stripe.name, { ...stripeDelivery(stripeEventBody().body, stripe.secrets[0] as string), headers: { "content-type": "text/plain" } });

    const response = await fetch(`${ingest.opsUrl}/metrics`);
    const metrics = await response.text();

    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(sample(metrics, "hooklog_ingest_accepted_total", { source: stripe.name }), 1);
    assert.equal(sample(metrics, "hooklog_ingest_rejected_total", { source: stripe.name, reason: "signature_mismatch" }), 2);
    assert.equal(sample(metrics, "hooklog_ingest_verification_failures_total", { source: stripe.name, reason: "signature_mismatch" }), 2);
    assert.equal(sample(metrics, "hooklog_ingest_rejected_total", { source: stripe.name, reason: "unsupported_content_type" }), 1);
    assert.equal(sample(metrics, "hooklog_ingest_received_total", { source: stripe.name }), 4);
  });

  it("logs a source's first rejection with source, reason, request id and client, and never the secret, the signature or the body", async () => {
    // Sources with no rejection yet: a source's later rejections within the interval are summed up in one line.
    const { rotating, small, github } = ingest.sources;
    const marker = `do-not-log-${randomBytes(6).toString("hex")}`;
    const requestId = `req-${randomUUID()}`;
    const forged = stripeDelivery(stripeEventBody({ note: marker }).body, "whsec_forged");
    const stale = stripeDelivery(stripeEventBody({ note: marker }).body, small.secrets[0] as string, Math.floor(Date.now() / 1000) - 400);

    await post(ingest.url, rotating.name, { ...forged, headers: { ...forged.headers, "x-request-id": requestId } });
    await post(ingest.url, small.name, stale);
    await post(ingest.url, github.name, { body: JSON.stringify({ note: marker }), headers: { "content-type": "application/json" } });

    const rejections = ingest.logLines().filter((line) => line.msg === "webhook rejected");
    const ofRequest = (predicate: (line: LogLine) => boolean): LogLine => {
      const found = rejections.find(predicate);
      assert.ok(found, `no matching rejection was logged among ${JSON.stringify(rejections)}`);
      return found;
    };
    const forgedLine = ofRequest((line) => line.requestId === requestId);
    assert.equal(forgedLine.source, rotating.name);
    assert.equal(forgedLine.reason, "signature_mismatch");
    assert.equal(forgedLine.status, 401);
    assert.equal(forgedLine.client, "127.0.0.1");
    const staleLine = ofRequest((line) => line.reason === "timestamp_too_old");
    assert.equal(staleLine.source, small.name);
    assert.match(String(staleLine.requestId), UUID);
    const unsignedLine = ofRequest((line) => line.source === github.name);
    assert.equal(unsignedLine.reason, "missing_signature");
    assert.match(String(unsignedLine.requestId), UUID);

    const logged = ingest.logText();
    for (const source of Object.values(ingest.sources))
      for (const secret of source.secrets) assert.ok(!logged.includes(secret), `a secret of ${source.name} was logged`);
    assert.ok(!logged.includes(marker), "a posted body was logged");
    assert.ok(!logged.includes(forged.headers["stripe-signature"] as string), "a signature header was logged");
    assert.ok(!logged.includes(stale.headers["stripe-signature"] as string), "a signature header was logged");
  });
});
