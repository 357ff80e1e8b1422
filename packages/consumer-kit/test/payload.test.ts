// payload() reads the body as ingest accepted it: any JSON type, or GitHub's form encoding
// (`payload=<url-encoded JSON>`, "Content type" in https://docs.github.com/en/webhooks/using-webhooks/creating-webhooks).
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SchemaRegistryClient } from "@hooklog/kafka";
import { webhookEventCodec, type WebhookEvent } from "@hooklog/schemas";
import { eventually, uniqueName } from "@hooklog/testkit";
import { createDecoder } from "../src/decode.ts";
import { defineConsumer, startConsumer, type InboundEvent, type RunningConsumer } from "../src/index.ts";
import { kitHarness, type KitHarness } from "./harness.ts";

const pullRequest = {
  action: "opened",
  number: 7,
  pull_request: { number: 7, title: "Ünïcode & spaces + plus", merged: false },
  repository: { full_name: "acme/api" },
};
const formBody = (json: string): Buffer => Buffer.from(new URLSearchParams({ payload: json }).toString());

describe("a webhook event's payload()", () => {
  let harness: KitHarness;
  let decodeAs: (contentType: string, body: Buffer) => Promise<InboundEvent>;
  const running: RunningConsumer[] = [];

  before(async () => {
    harness = await kitHarness();
    const registry = new SchemaRegistryClient(harness.registryUrl);
    const codec = await webhookEventCodec(registry, harness.topic);
    const decode = createDecoder(registry, [{ topic: harness.topic }]);
    decodeAs = async (contentType, body) => {
      const event: WebhookEvent = {
        id: randomUUID(),
        source: harness.source,
        provider: "github",
        providerEventId: randomUUID(),
        type: "pull_request.opened",
        providerTimestamp: null,
        receivedAt: Date.now(),
        origin: "webhook",
        verification: { scheme: "github-sha256", secretIndex: 0 },
        contentType,
        headers: {},
        payload: body,
      };
      return decode(harness.topic, await codec.encode(event), {
        position: { topic: harness.topic, partition: 0, offset: "0" },
        messageKey: undefined,
        rootEventId: undefined,
        traceId: undefined,
      });
    };
  });

  after(async () => {
    for (const consumer of running) await consumer.stop();
    await harness?.close();
  });

  const payloadOf = (inbound: InboundEvent): unknown => {
    assert.equal(inbound.kind, "webhook");
    return inbound.kind === "webhook" ? inbound.payload() : undefined;
  };

  for (const contentType of ["application/json", "application/json; charset=utf-8", "application/vnd.github+json", "application/problem+json"]) {
    it(`parses a ${contentType} body as JSON`, async () => {
      assert.deepEqual(payloadOf(await decodeAs(contentType, Buffer.from(JSON.stringify(pullRequest)))), pullRequest);
    });
  }

  for (const contentType of ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8"]) {
    it(`parses the payload field of a ${contentType} body as JSON`, async () => {
      assert.deepEqual(payloadOf(await decodeAs(contentType, formBody(JSON.stringify(pullRequest)))), pullRequest);
    });
  }

  const unparseable: Array<[string, string, Buffer]> = [
    ["a JSON body that is not JSON", "application/json", Buffer.from("{not json")],
    ["a form body without a payload field", "application/x-www-form-urlencoded", Buffer.from("other=1")],
    ["a form body whose payload field is not JSON", "application/x-www-form-urlencoded", formBody("{not json")],
    ["a content type ingest never accepts", "text/plain", Buffer.from(JSON.stringify(pullRequest))],
  ];
  for (const [what, contentType, body] of unparseable) {
    it(`rejects ${what} with a non-retryable UNPARSEABLE_PAYLOAD error`, async () => {
      const inbound = await decodeAs(contentType, body);
      assert.throws(
        () => payloadOf(inbound),
        (error: Error & { code?: unknown; retryable?: unknown }) => {
          assert.equal(error.code, "UNPARSEABLE_PAYLOAD");
          assert.equal(error.retryable, false);
          assert.match(error.message, new RegExp(contentType.replace("/", "\\/")));
          return true;
        },
      );
    });
  }

  it("hands a form-encoded GitHub pull_request event to the handler as the parsed object", async () => {
    const name = uniqueName("kit-form");
    const seen: unknown[] = [];
    const definition = defineConsumer({
      name,
      subscriptions: [
        {
          topic: harness.topic,
          on: {
            "pull_request.opened": async (event, context) => {
              seen.push(event.payload());
              await context.trx(harness.effects).insert({ event_key: event.key, attempt: context.attempt });
            },
          },
        },
      ],
    });
    const consumer = await startConsumer(definition, {
      kafkaBrokers: harness.brokers,
      schemaRegistryUrl: harness.registryUrl,
      db: harness.db,
      logger: harness.logger,
    });
    running.push(consumer);
    await harness.publish([
      {
        providerEventId: "delivery-form",
        provider: "github",
        type: "pull_request.opened",
        contentType: "application/x-www-form-urlencoded",
        payload: formBody(JSON.stringify(pullRequest)),
      },
    ]);

    await eventually("the form-encoded event handled", async () => (await harness.effectRows()).length > 0);
    assert.deepEqual(await harness.effectRows(), [{ event_key: `${harness.source}:delivery-form`, attempt: 1 }], "handled on its first attempt");
    assert.deepEqual(seen, [pullRequest]);
  });
});
