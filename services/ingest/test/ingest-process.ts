// Ingest as production runs it, in a process of its own (main.ts under the telemetry hook), on the
// test stack: for the tests that need its real server, its signals or its memory.
import { startServiceProcess, testStack, type ServiceProcess } from "@hooklog/testkit";

/** Starts ingest on the test's sources file (HOOKLOG_CONFIG) with `env` on top; resolves once /healthz answers. */
export async function startIngestProcess(configPath: string, env: Record<string, string>): Promise<ServiceProcess> {
  const stack = await testStack();
  return startServiceProcess(
    "ingest",
    { HOOKLOG_CONFIG: configPath, KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl, ...env },
    "INGEST_PORT",
  );
}
