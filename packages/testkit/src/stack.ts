import { up, type StackEndpoints } from "@hooklog/infra";

let stack: Promise<StackEndpoints> | undefined;

/**
 * The real Kafka, registry and Postgres for tests. `npm test` starts them once and passes their
 * addresses in the environment; a test file run on its own starts (or reuses) them through infra.
 */
export function testStack(): Promise<StackEndpoints> {
  stack ??= fromEnvironment() ?? up().then((result) => result.endpoints);
  return stack;
}

function fromEnvironment(): Promise<StackEndpoints> | undefined {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, HOOKLOG_STATE_DIR } = process.env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !DATABASE_URL) return undefined;
  return Promise.resolve({
    kafkaBrokers: KAFKA_BROKERS,
    schemaRegistryUrl: SCHEMA_REGISTRY_URL,
    databaseUrl: DATABASE_URL,
    postgres: "external",
    kafkaVersion: "unknown",
    stateDir: HOOKLOG_STATE_DIR ?? "",
  });
}
