import { connectDatabase, migrateLatest } from "@hooklog/db";
import { KEEP_FOREVER, SchemaRegistryClient, createKafka, ensureTopics } from "@hooklog/kafka";
import { checkSchemas, schemaBindings } from "@hooklog/schemas";
import { loadSources } from "@hooklog/sources";
import { InfraError } from "./errors.ts";
import { step } from "./progress.ts";
import type { StackEndpoints } from "./stack.ts";

/** What every start needs before a service runs: the projections migrated, the topics and schemas in place. */
export async function prepareHub(endpoints: StackEndpoints): Promise<void> {
  const db = connectDatabase(endpoints.databaseUrl, { applicationName: "hooklog-prepare" });
  try {
    const applied = await migrateLatest(db);
    step(applied.length > 0 ? `migrated Postgres: ${applied.join(", ")}` : "Postgres schema is up to date");
  } finally {
    await db.destroy();
  }

  const sources = loadSources();
  const kafka = createKafka({ clientId: "hooklog-prepare", brokers: endpoints.kafkaBrokers.split(",") });
  const { created } = await ensureTopics(
    kafka,
    sources.map((source) => ({ name: source.topic, partitions: source.partitions, configs: KEEP_FOREVER })),
  );
  if (created.length > 0) step(`created topics: ${created.join(", ")}`);

  const results = await checkSchemas(new SchemaRegistryClient(endpoints.schemaRegistryUrl), schemaBindings(sources));
  const refused = results.filter((result) => result.problem);
  if (refused.length > 0) {
    throw new InfraError(
      "SCHEMA_INCOMPATIBLE",
      `The registry refused ${refused.map((result) => `${result.record} v${result.version} for ${result.subject} (${result.problem})`).join("; ")}.`,
      "Make the change BACKWARD compatible: add fields with defaults, never remove or retype one.",
    );
  }
  step(`schemas registered: ${results.length} subject version(s)`);
}
