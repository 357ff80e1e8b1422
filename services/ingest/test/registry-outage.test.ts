// The registry down or hanging before a source's schema is registered: ingest is pointed at a relay in
// front of the real registry, which the test closes, makes hang, or lets through.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { TcpRelay, testStack } from "@hooklog/testkit";
import { post, postRetryingUnavailable, stripeDelivery, stripeEventBody } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";

const PRODUCE_TIMEOUT_MS = 2000;

describe("ingest while the schema registry cannot register a source's schema", () => {
  let relay: TcpRelay;
  let ingest: IngestHarness;

  before(async () => {
    const { schemaRegistryUrl } = await testStack();
    const target = new URL(schemaRegistryUrl);
    relay = await TcpRelay.open({ host: target.hostname, port: Number(target.port) }, "refuse");
    // Closed as ingest starts: warming the codecs fails, and every source starts unregistered.
    ingest = await startIngest({
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${relay.port}${target.pathname}`,
      INGEST_PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS),
    });
  });

  after(async () => {
    await relay?.close();
    await ingest?.stop();
  });

  it("answers 503 registry_unavailable with Retry-After when the registry refuses connections, writes nothing, and reports not ready", async () => {
    const { stripe } = ingest.sources;
    const event = stripeEventBody();

    const refused = await post(ingest.url, stripe.name, stripeDelivery(event.body, stripe.secrets[0] as string));

    assert.equal(refused.status, 503);
    assert.equal((refused.json as { error: { code: string } }).error.code, "registry_unavailable");
    assert.ok(Number(refused.headers.get("retry-after")) > 0, "Retry-After tells the provider when to retry");
    const ready = await fetch(`${ingest.opsUrl}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { checks: { registry: boolean } }).checks.registry, false);
    assert.deepEqual(await ingest.readEnvelopes("stripe"), []);
    assert.deepEqual(await ingest.ledgerIds("stripe"), []);
  });

  it("answers 503 registry_unavailable within the produce timeout when the registry takes the connection and never answers", async () => {
    const { stripe } = ingest.sources;
    await relay.set("hang");

    const started = Date.now();
    const hung = await post(ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, stripe.secrets[0] as string));
    const waitedMs = Date.now() - started;

    assert.equal(hung.status, 503);
    assert.equal((hung.json as { error: { code: string } }).error.code, "registry_unavailable");
    // Bounded by the produce timeout, not by the registry client's own 10 s: the provider gets an answer.
    assert.ok(waitedMs >= PRODUCE_TIMEOUT_MS && waitedMs < 9000, `answered after ${waitedMs} ms`);
    const lines = ingest.logLines().filter((line) => line.msg === "schema registry did not answer in time");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.source, stripe.name);
  });

  it("accepts the provider's retry once the registry answers again, and the topic holds that one event, byte for byte", async () => {
    const { stripe } = ingest.sources;
    const secret = stripe.secrets[0] as string;
    await relay.set("forward");
    const event = stripeEventBody();

    // Until a registration started while the registry hung has given up, the answer may still be 503.
    const { answer, before: refused } = await postRetryingUnavailable(() => post(ingest.url, stripe.name, stripeDelivery(event.body, secret)));

    assert.equal(answer.status, 202, `answers once the registry was back: ${[...refused, answer.status].join(", ")}`);
    const records = await ingest.readEnvelopes("stripe");
    assert.deepEqual(
      records.map((record) => record.envelope.providerEventId),
      [event.eventId],
    );
    assert.deepEqual(records[0]?.envelope.payload, Buffer.from(event.body, "utf8"));
    assert.equal((await fetch(`${ingest.opsUrl}/readyz`)).status, 200);
  });
});
