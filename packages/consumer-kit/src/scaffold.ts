// npm run new:consumer -- <name> [--into <folder>]: a working consumer service under services/<name>
// (or <folder>/<name>) that passes its own test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
/** Where new consumers go unless told otherwise: the workspace's services/ folder. */
export const SERVICES_FOLDER = join(repoRoot, "services");

export function scaffoldFiles(name: string): Record<string, string> {
  const upper = name.toUpperCase().replaceAll("-", "_");
  const camel = name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  return {
    "package.json": `${JSON.stringify(
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
    )}\n`,
    "tsconfig.json": `{\n  "extends": "../../tsconfig.json",\n  "include": ["src", "test"]\n}\n`,
    "src/config.ts": `import { loadConfig, z } from "@hooklog/config";

/** ${name}'s settings, validated once at start. */
export function load${camel[0]?.toUpperCase()}${camel.slice(1)}Config(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig("${name}", {
    ${upper}_PORT: z.coerce.number().int().min(0).max(65535).default(3200),
    /** Consumer group hooklog.<name>; retry topics <name>.retry.<n>; dead letters <name>.dlq. */
    ${upper}_CONSUMER_NAME: z.string().default("${name}"),
    ${upper}_TOPIC: z.string().default("webhooks.stripe"),
  }, env);
}
`,
    "src/handler.ts": `import { defineConsumer, type ConsumerDefinition } from "@hooklog/consumer-kit";

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
`,
    "src/main.ts": `// Composition root of ${name}: config, then the kit runs the service.
import { runConsumerService } from "@hooklog/consumer-kit";
import { load${camel[0]?.toUpperCase()}${camel.slice(1)}Config } from "./config.ts";
import { ${camel}Consumer } from "./handler.ts";

const config = load${camel[0]?.toUpperCase()}${camel.slice(1)}Config();
await runConsumerService(
  {
    service: "${name}",
    port: config.${upper}_PORT,
    settings: config,
  },
  () => ${camel}Consumer({ name: config.${upper}_CONSUMER_NAME, topic: config.${upper}_TOPIC }),
);
`,
    [`test/${name}.test.ts`]: `import { strict as assert } from "node:assert";
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
`,
  };
}

/** Writes consumer `name`'s files into `<servicesFolder>/<name>` and returns that folder. */
export function writeScaffold(name: string, servicesFolder: string = SERVICES_FOLDER): string {
  const folder = join(servicesFolder, name);
  for (const [path, content] of Object.entries(scaffoldFiles(name))) {
    mkdirSync(join(folder, path, ".."), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  return folder;
}

function main(args: string[]): void {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { into: { type: "string" } } });
  const [name] = positionals;
  if (!name || positionals.length > 1 || !/^[a-z][a-z0-9-]{1,40}$/.test(name)) {
    console.error("usage: npm run new:consumer -- <name> [--into <folder>]   (name: lower-case letters, digits and '-'; folder: services/ by default)");
    process.exitCode = 2;
    return;
  }
  const servicesFolder = values.into === undefined ? SERVICES_FOLDER : resolve(values.into);
  const folder = join(servicesFolder, name);
  if (existsSync(folder)) {
    console.error(`${folder} exists already: choose another name`);
    process.exitCode = 1;
    return;
  }
  writeScaffold(name, servicesFolder);
  if (servicesFolder !== SERVICES_FOLDER) {
    // Outside the workspace npm install would not link it: its folder's parent needs the workspace's tsconfig.json and node_modules.
    console.log(`created ${folder}; it expects ../../tsconfig.json and a node_modules with the @hooklog packages above it`);
    return;
  }
  console.log(`created services/${name}; linking the workspace (npm install)...`);
  const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: repoRoot, stdio: "inherit" });
  if (installed.status !== 0) console.error("npm install failed: run it yourself before the service's tests");
  console.log(`next: edit services/${name}/src/handler.ts, add the service to docker-compose.yml, and run npm test -w @hooklog/${name} with the stack up`);
}

if (import.meta.main) main(process.argv.slice(2));
