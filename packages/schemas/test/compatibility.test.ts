import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import avro from "avsc";
import { SchemaRegistryClient, createRecordCodec, wireSchemaId } from "@hooklog/kafka";
import { testStack, uniqueName } from "@hooklog/testkit";
import { checkSchemas, latestSchema, loadSchemaCatalog, WEBHOOK_EVENT, type WebhookEvent } from "../src/index.ts";

const v1 = latestSchema(WEBHOOK_EVENT).schema;

/** v1 plus one field: the BACKWARD-compatible way to grow the envelope. */
function v2WithDefault(): string {
  const schema = JSON.parse(v1) as { fields: unknown[] };
  schema.fields.push({ name: "tenant", type: "string", default: "default" });
  return JSON.stringify(schema);
}

/** avsc decodes records into class instances; compare their data only. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const sample: WebhookEvent = {
  id: "01HZX",
  source: "stripe",
  provider: "stripe",
  providerEventId: "evt_1",
  type: "invoice.paid",
  providerTimestamp: 1_700_000_000_000,
  receivedAt: 1_700_000_001_000,
  origin: "webhook",
  verification: { scheme: "stripe-v1", secretIndex: 0 },
  contentType: "application/json",
  headers: { "user-agent": "Stripe/1.0" },
  payload: Buffer.from('{"id":"evt_1"}'),
};

describe("schema evolution through the registry", () => {
  let client: SchemaRegistryClient;

  before(async () => {
    client = new SchemaRegistryClient((await testStack()).schemaRegistryUrl);
  });

  it("every file in schemas/ is a valid Avro schema named after its record", () => {
    const catalog = loadSchemaCatalog();
    assert.ok(catalog.some((entry) => entry.record === WEBHOOK_EVENT && entry.version === 1));
  });

  it("registers the schemas under <topic>-value subjects", async () => {
    const topic = uniqueName("webhooks.check");
    const results = await checkSchemas(client, new Map([[WEBHOOK_EVENT, [topic]]]));
    assert.deepEqual(
      results.map((result) => [result.subject, result.problem]),
      [[`${topic}-value`, undefined]],
    );
    assert.deepEqual(await client.subjectVersions(`${topic}-value`), [1]);
  });

  it("accepts a v2 that adds a field with a default, and v1 and v2 readers read each other's data", async () => {
    const subject = `${uniqueName("evolution")}-value`;
    const writerV1 = await createRecordCodec<WebhookEvent>(client, subject, v1);
    const writerV2 = await createRecordCodec<WebhookEvent & { tenant: string }>(client, subject, v2WithDefault());
    assert.notEqual(writerV1.schemaId, writerV2.schemaId);
    assert.deepEqual(await client.subjectVersions(subject), [1, 2]);

    const readerV1 = await createRecordCodec<WebhookEvent>(client, subject, v1, { readerSchema: v1 });
    const readerV2 = await createRecordCodec<WebhookEvent & { tenant: string }>(client, subject, v2WithDefault(), { readerSchema: v2WithDefault() });

    const v2Message = await writerV2.encode({ ...sample, tenant: "acme" });
    const v1Message = await writerV1.encode(sample);
    assert.equal(wireSchemaId(v2Message), writerV2.schemaId);

    const v1ReadsV2 = await readerV1.decode(v2Message);
    assert.equal("tenant" in v1ReadsV2, false);
    assert.deepEqual(plain(v1ReadsV2), plain(sample));
    const v2ReadsV1 = await readerV2.decode(v1Message);
    assert.equal(v2ReadsV1.tenant, "default");
    assert.ok(v2ReadsV1.payload.equals(sample.payload));
  });

  it("compiles a reader once and resolves each writer's schema once, however many messages it decodes", async () => {
    const subject = `${uniqueName("reader-once")}-value`;
    const writerV1 = await createRecordCodec<WebhookEvent>(client, subject, v1);
    const writerV2 = await createRecordCodec<WebhookEvent & { tenant: string }>(client, subject, v2WithDefault());
    const reader = await createRecordCodec<WebhookEvent>(client, subject, v1, { readerSchema: v1 });
    const messages = [await writerV1.encode(sample), await writerV2.encode({ ...sample, tenant: "acme" })];
    // The first decode of each writer id fetches and compiles what it needs.
    for (const message of messages) await reader.decode(message);

    const forSchema = avro.Type.forSchema;
    const createResolver = avro.Type.prototype.createResolver;
    let compiled = 0;
    let resolved = 0;
    avro.Type.forSchema = (...args: Parameters<typeof forSchema>) => {
      compiled += 1;
      return forSchema(...args);
    };
    avro.Type.prototype.createResolver = function (this: avro.Type, ...args: Parameters<typeof createResolver>) {
      resolved += 1;
      return createResolver.apply(this, args);
    };
    try {
      for (let round = 0; round < 50; round += 1) {
        for (const message of messages) assert.equal((await reader.decode(message)).providerEventId, sample.providerEventId);
      }
    } finally {
      avro.Type.forSchema = forSchema;
      avro.Type.prototype.createResolver = createResolver;
    }
    assert.equal(compiled, 0, "no reader schema compiled again");
    assert.equal(resolved, 0, "no resolver built again");
  });

  it("encodes as the wire format says, for a value past avsc's 1 KiB buffer, past the encoder's scratch buffer and past what that keeps", async () => {
    const subject = `${uniqueName("encode-sizes")}-value`;
    const codec = await createRecordCodec<WebhookEvent>(client, subject, v1);
    const type = avro.Type.forSchema(JSON.parse(v1) as avro.Schema);
    for (const size of [10, 2000, 40_000, 2 * 1024 * 1024, 10]) {
      const value = { ...sample, payload: Buffer.alloc(size, 7) };
      const message = await codec.encode(value);
      const expected = Buffer.concat([Buffer.from([0]), Buffer.alloc(4), type.toBuffer(value)]);
      expected.writeInt32BE(codec.schemaId, 1);
      assert.ok(message.equals(expected), `the ${size}-byte payload's message`);
      assert.equal(((await codec.decode(message)) as WebhookEvent).payload.length, size);
    }
    await assert.rejects(
      codec.encode({ ...sample, source: 42 } as unknown as WebhookEvent),
      { name: "ConfluentSchemaRegistryValidationError", message: /invalid "string": 42/ },
      "a value off the schema is refused as the library refuses it",
    );
  });

  it("refuses an incompatible change", async () => {
    const topic = uniqueName("incompatible");
    await checkSchemas(client, new Map([[WEBHOOK_EVENT, [topic]]]));
    const broken = JSON.parse(v1) as { fields: Array<{ name: string; type: unknown }> };
    broken.fields.push({ name: "tenant", type: "string" }); // no default: v2 cannot read v1 data
    const brokenSchema = JSON.stringify(broken);
    avro.Type.forSchema(JSON.parse(brokenSchema) as avro.Schema);

    const verdict = await client.checkCompatibility(`${topic}-value`, brokenSchema);
    assert.equal(verdict.compatible, false);
    const results = await checkSchemas(client, new Map([[WEBHOOK_EVENT, [topic]]]), [
      ...loadSchemaCatalog(),
      { record: WEBHOOK_EVENT, version: 2, file: "hooklog.WebhookEvent.v2.avsc", schema: brokenSchema },
    ]);
    assert.equal(results.at(-1)?.version, 2);
    assert.ok(results.at(-1)?.problem, "the incompatible version is reported");
    await assert.rejects(client.registerAvro(`${topic}-value`, brokenSchema), (error: { code?: string }) => error.code === "SCHEMA_INCOMPATIBLE");
    assert.deepEqual(await client.subjectVersions(`${topic}-value`), [1]);
  });
});
