// The texts of a new consumer service's files (scaffold.ts writes them), one function per file.

/** A new consumer's name and the spellings its files use: ORDER_SYNC for settings, orderSync for code. */
export interface ConsumerNames {
  name: string;
  upper: string;
  camel: string;
}

export function consumerNames(name: string): ConsumerNames {
  return {
    name,
    upper: name.toUpperCase().replaceAll("-", "_"),
    camel: name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()),
  };
}

export function packageJsonText({ name }: ConsumerNames): string {
  return `${JSON.stringify(
    {
      name: `@hooklog/${name}`,
      version: "0.1.0",
      private: true,
      type: "module",
      description: `The ${name} consumer.`,
      scripts: {
        start: "node --disable-warning=TimeoutNegativeWarning --import @hooklog/telemetry/register src/main.ts",
        typecheck: "tsc -p tsconfig.json",
        test: "hooklog-test",
      },
      dependencies: { "@hooklog/config": "0.1.0", "@hooklog/consumer-kit": "0.1.0", "@hooklog/telemetry": "0.1.0" },
      devDependencies: { "@hooklog/kafka": "0.1.0", "@hooklog/schemas": "0.1.0", "@hooklog/testkit": "0.1.0" },
    },
    null,
    2,
  )}\n`;
}

export const TSCONFIG_TEXT = `{\n  "extends": "../../tsconfig.json",\n  "include": ["src", "test"]\n}\n`;

export function configText({ name, upper, camel }: ConsumerNames): string {
  return `import { bindHost, loadConfig, z } from "@hooklog/config";

/** ${name}'s settings, validated once at start. */
export function load${camel[0]?.toUpperCase()}${camel.slice(1)}Config(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig("${name}", {
    /** GET /healthz and GET /metrics, on loopback unless ${upper}_HOST says otherwise (0.0.0.0 in a container). */
    ${upper}_PORT: z.coerce.number().int().min(0).max(65535).default(3200),
    ${upper}_HOST: bindHost,
    /** Consumer group hooklog.<name>; retry topics <name>.retry.<n>; dead letters <name>.dlq. */
    ${upper}_CONSUMER_NAME: z.string().default("${name}"),
    ${upper}_TOPIC: z.string().default("webhooks.stripe"),
  }, env);
}
`;
}

export function handlerText({ name, camel }: ConsumerNames): string {
  return `import { defineConsumer, type ConsumerDefinition } from "@hooklog/consumer-kit";

/**
 * What ${name} does with each event type it handles: the kit subscribes to exactly the types named
 * in \`on\`. Database effects go through context.trx (they commit with the processed mark, exactly
 * once); calls to other systems through context.once (never repeated).
 */
export function ${camel}Consumer(options: { name: string; topic: string }): ConsumerDefinition {
  return defineConsumer({
    name: options.name,
    subscriptions: [
      {
        topic: options.topic,
        on: {
          "invoice.paid": async (event, context) => {
            context.logger.info({ type: event.type, key: event.key }, "handled");
          },
        },
      },
    ],
  });
}
`;
}

export function mainText({ name, upper, camel }: ConsumerNames): string {
  return `// Composition root of ${name}: config, then the kit runs the service.
import { runConsumerService } from "@hooklog/consumer-kit";
import { load${camel[0]?.toUpperCase()}${camel.slice(1)}Config } from "./config.ts";
import { ${camel}Consumer } from "./handler.ts";

const config = load${camel[0]?.toUpperCase()}${camel.slice(1)}Config();
await runConsumerService(
  {
    service: "${name}",
    port: config.${upper}_PORT,
    host: config.${upper}_HOST,
    settings: config,
  },
  () => ${camel}Consumer({ name: config.${upper}_CONSUMER_NAME, topic: config.${upper}_TOPIC }),
);
`;
}

/** The service's own test: one event and a copy of it, handled once and skipped once. */
export function testText({ name, upper }: ConsumerNames): string {
  return `import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SchemaRegistryClient, createIdempotentProducer, createKafka, ensureTopics } from "@hooklog/kafka";
import { webhookEventCodec } from "@hooklog/schemas";
import { eventually, startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";

describe("${name}", () => {
  let service: ServiceProcess | undefined;

  after(async () => {
    await service?.stop();
  });

  it("handles an event from its topic once", async () => {
    const stack = await testStack();
    const topic = uniqueName("webhooks.${name}");
    const consumerName = uniqueName("${name}");
    const kafka = createKafka({ clientId: "${name}-test", brokers: stack.kafkaBrokers.split(",") });
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    service = await startServiceProcess("${name}", {
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      DATABASE_URL: stack.databaseUrl,
      ${upper}_CONSUMER_NAME: consumerName,
      ${upper}_TOPIC: topic,
    }, "${upper}_PORT", { directory: join(import.meta.dirname, "..") });

    const codec = await webhookEventCodec(new SchemaRegistryClient(stack.schemaRegistryUrl), topic);
    const event = {
      id: randomUUID(), source: "test", provider: "stripe" as const, providerEventId: randomUUID(), type: "invoice.paid",
      providerTimestamp: null, receivedAt: Date.now(), origin: "webhook" as const, verification: { scheme: "stripe-v1", secretIndex: 0 },
      contentType: "application/json", headers: {}, payload: Buffer.from("{}"),
    };
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    // The same event twice: the second copy is skipped.
    await producer.send({ topic, acks: -1, messages: [{ value: await codec.encode(event) }, { value: await codec.encode({ ...event, id: randomUUID() }) }] });
    await producer.disconnect();

    const processed = new RegExp(\`hooklog_consumer_processed_total\\\\{consumer="\${consumerName}"\\\\} 1\`);
    const skipped = new RegExp(\`hooklog_consumer_duplicates_skipped_total\\\\{consumer="\${consumerName}"\\\\} 1\`);
    const url = service.url;
    const metrics = await eventually("the event handled and its copy skipped", async () => {
      const text = await (await fetch(\`\${url}/metrics\`)).text();
      return processed.test(text) && skipped.test(text) && text;
    }, { timeoutMs: 60_000 });
    assert.match(metrics, processed);
    assert.match(metrics, skipped);
  });
});
`;
}
