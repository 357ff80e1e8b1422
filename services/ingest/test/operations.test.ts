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

  it("answers /healthz 200 ok", async () => {
    const response = await fetch(`${ingest.url}/healthz`);

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ok" });
  });

  it("answers /readyz 200 with Kafka, the registry and the sources' topics checked", async () => {
    const response = await fetch(`${ingest.url}/readyz`);

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

    const response = await fetch(`${ingest.url}/metrics`);
    const metrics = await response.text();

    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(sample(metrics, "hooklog_ingest_accepted_total", { source: stripe.name }), 1);
    assert.equal(sample(metrics, "hooklog_ingest_rejected_total", { source: stripe.name, reason: "signature_mismatch" }), 2);
    assert.equal(sample(metrics, "hooklog_ingest_rejected_total", { source: stripe.name, reason: "unsupported_content_type" }), 1);
    assert.equal(sample(metrics, "hooklog_ingest_received_total", { source: stripe.name }), 4);
  });

  it("logs each rejection with source, reason and request id, and never the secret, the signature or the body", async () => {
    const { stripe, github } = ingest.sources;
    const marker = `do-not-log-${randomBytes(6).toString("hex")}`;
    const requestId = `req-${randomUUID()}`;
    const forged = stripeDelivery(stripeEventBody({ note: marker }).body, "whsec_forged");
    const stale = stripeDelivery(stripeEventBody({ note: marker }).body, stripe.secrets[0] as string, Math.floor(Date.now() / 1000) - 400);

    await post(ingest.url, stripe.name, { ...forged, headers: { ...forged.headers, "x-request-id": requestId } });
    await post(ingest.url, stripe.name, stale);
    await post(ingest.url, github.name, { body: JSON.stringify({ note: marker }), headers: { "content-type": "application/json" } });

    const rejections = ingest.logLines().filter((line) => line.msg === "webhook rejected");
    const ofRequest = (predicate: (line: LogLine) => boolean): LogLine => {
      const found = rejections.find(predicate);
      assert.ok(found, `no matching rejection was logged among ${JSON.stringify(rejections)}`);
      return found;
    };
    const forgedLine = ofRequest((line) => line.requestId === requestId);
    assert.equal(forgedLine.source, stripe.name);
    assert.equal(forgedLine.reason, "signature_mismatch");
    assert.equal(forgedLine.status, 401);
    const staleLine = ofRequest((line) => line.reason === "timestamp_too_old");
    assert.equal(staleLine.source, stripe.name);
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
