import { SchemaRegistryClient, createKafka, deliveryTopicSpec, ensureTopics, webhookTopicSpec, type Replication } from "@hooklog/kafka";
import { checkSchemas, schemaBindings } from "@hooklog/schemas";
import { loadSources } from "@hooklog/sources";
import { InfraError } from "./errors.ts";
import { step } from "./progress.ts";
import type { StackEndpoints } from "./stack.ts";

/** HOOKLOG_TOPIC_REPLICATION_FACTOR and HOOKLOG_TOPIC_MIN_INSYNC_REPLICAS: for every source topic that does not set its own. */
export function topicReplication(env: NodeJS.ProcessEnv): Replication {
  const read = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new InfraError(
        "TOPIC_REPLICATION_INVALID",
        `${name}=${value} is not a whole number of at least 1.`,
        `Set ${name} to 1, 2 or 3, or unset it to let the cluster decide.`,
      );
    return parsed;
  };
  return { replicationFactor: read("HOOKLOG_TOPIC_REPLICATION_FACTOR"), minInSyncReplicas: read("HOOKLOG_TOPIC_MIN_INSYNC_REPLICAS") };
}

/** HOOKLOG_DELIVERY_RETENTION_HOURS: how long the deliveries topic keeps its records (a week when unset). */
export function deliveryRetentionHours(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.HOOKLOG_DELIVERY_RETENTION_HOURS;
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InfraError(
      "DELIVERY_RETENTION_INVALID",
      `HOOKLOG_DELIVERY_RETENTION_HOURS=${value} is not a whole number of hours of at least 1.`,
      "Set it to the hours delivery records are kept (168 is a week), or unset it.",
    );
  return parsed;
}

/**
 * What every start needs before a service runs: the topics and schemas in place. Postgres is not
 * touched here: each service migrates the tables it owns as it starts.
 */
export async function prepareHub(endpoints: StackEndpoints): Promise<void> {
  const sources = loadSources();
  const kafka = createKafka({ clientId: "hooklog-prepare", brokers: endpoints.kafkaBrokers.split(",") });
  const replication = topicReplication(process.env);
  const retentionHours = deliveryRetentionHours(process.env);
  const { created } = await ensureTopics(kafka, [
    ...sources.map((source) => webhookTopicSpec(source, replication)),
    // Created once: a changed retention is an operator's kafka-configs --alter, as for any topic.
    deliveryTopicSpec({ ...replication, ...(retentionHours === undefined ? {} : { retentionHours }) }),
  ]);
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
