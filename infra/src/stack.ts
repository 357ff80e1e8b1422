import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { bootstrapServers, kafkaNodes, kafkaPid, kafkaReady, kafkaSettings, kafkaVersion, startKafka, stopKafka } from "./kafka.ts";
import { logFile, stateDir, statePath } from "./paths.ts";
import { embeddedPostgresPid, startPostgres, stopEmbeddedPostgres, type PostgresKind } from "./postgres.ts";
import { registryPid, registryReady, registrySettings, registryUrl, startRegistry, stopRegistry } from "./registry.ts";
import { startZipkin, stopZipkin, zipkinPid, zipkinReady, zipkinSettings, zipkinUrl } from "./zipkin.ts";

/** Where the running stack is; written to .hooklog/stack.json so any process of the run can find it. */
export interface StackEndpoints {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
  postgres: PostgresKind;
  /** The local trace backend (its UI under /zipkin/); undefined with HOOKLOG_ZIPKIN=0. */
  zipkinUrl: string | undefined;
  kafkaVersion: string;
  stateDir: string;
}

export interface StackUp {
  endpoints: StackEndpoints;
  /** The components this call started (and that whoever called it may stop again). */
  started: Array<"kafka" | "registry" | "postgres" | "zipkin">;
}

const stackFile = (): string => statePath("stack.json");

/** Idempotent: starts whatever of Postgres, Kafka, the registry and Zipkin is not running, and waits until each is ready. */
export async function up(env: NodeJS.ProcessEnv = process.env): Promise<StackUp> {
  const started: StackUp["started"] = [];
  // Zipkin needs nothing else, so it starts first and loads its classes while the rest comes up.
  const zipkin = zipkinSettings(env);
  const zipkinStarting = zipkin.enabled
    ? startZipkin(zipkin).then((running) => {
        if (running.started) started.push("zipkin");
        return running.url;
      })
    : Promise.resolve(undefined);
  // Awaited below; until then a failure must not surface as an unhandled rejection.
  zipkinStarting.catch(() => undefined);
  const postgres = await startPostgres(env);
  if (postgres.started) started.push("postgres");

  // Kafka and the registry start side by side: both are JVMs that spend their first seconds loading classes.
  const [kafkaBrokers, schemaRegistryUrl, zipkinUrlOfRun] = await Promise.all([
    env.KAFKA_BROKERS
      ? Promise.resolve(env.KAFKA_BROKERS)
      : startKafka(kafkaSettings(env)).then((kafka) => {
          if (kafka.started) started.push("kafka");
          return kafka.brokers;
        }),
    env.SCHEMA_REGISTRY_URL
      ? Promise.resolve(env.SCHEMA_REGISTRY_URL)
      : startRegistry(postgres.endpoint, registrySettings(env)).then((registry) => {
          if (registry.started) started.push("registry");
          return registry.url;
        }),
    zipkinStarting,
  ]);

  const endpoints: StackEndpoints = {
    kafkaBrokers,
    schemaRegistryUrl,
    databaseUrl: postgres.endpoint.url,
    postgres: postgres.endpoint.kind,
    zipkinUrl: zipkinUrlOfRun,
    kafkaVersion: kafkaVersion(),
    stateDir: stateDir(),
  };
  writeFileSync(stackFile(), `${JSON.stringify(endpoints, null, 2)}\n`);
  return { endpoints, started };
}

export function readStackFile(): StackEndpoints | undefined {
  const file = stackFile();
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as StackEndpoints) : undefined;
}

/** Stops the given components (all the stack's own by default), registry first since it writes to Postgres. */
export async function down(components: StackUp["started"] = ["zipkin", "registry", "kafka", "postgres"]): Promise<string[]> {
  const stopped: string[] = [];
  if (components.includes("zipkin") && (await stopZipkin())) stopped.push("zipkin");
  if (components.includes("registry") && (await stopRegistry())) stopped.push("registry");
  if (components.includes("kafka") && (await stopKafka())) stopped.push("kafka");
  if (components.includes("postgres") && (await stopEmbeddedPostgres())) stopped.push("postgres");
  return stopped;
}

export interface ComponentStatus {
  name: string;
  pid: number | undefined;
  ready: boolean;
  endpoint: string;
  log: string;
}

export async function status(env: NodeJS.ProcessEnv = process.env): Promise<ComponentStatus[]> {
  const settings = kafkaSettings(env);
  const brokers = env.KAFKA_BROKERS ?? bootstrapServers(kafkaNodes(settings));
  const registry = env.SCHEMA_REGISTRY_URL ?? registryUrl(registrySettings(env).port);
  const zipkin = zipkinSettings(env);
  return [
    {
      name: settings.brokers === 1 ? "kafka" : "kafka (3 brokers)",
      pid: kafkaPid(settings),
      ready: await kafkaReady(brokers, settings.brokers),
      endpoint: brokers,
      log: logFile(kafkaNodes(settings)[0]?.name ?? "kafka"),
    },
    { name: "registry", pid: registryPid(), ready: await registryReady(registry), endpoint: registry, log: logFile("registry") },
    {
      name: `postgres (${readStackFile()?.postgres ?? "not started"})`,
      pid: embeddedPostgresPid(),
      ready: readStackFile()?.postgres === "embedded" ? embeddedPostgresPid() !== undefined : readStackFile() !== undefined,
      endpoint: readStackFile()?.databaseUrl.replace(/:[^:@/]+@/, ":***@") ?? "-",
      log: logFile("postgres"),
    },
    ...(zipkin.enabled
      ? [
          {
            name: "zipkin",
            pid: zipkinPid(),
            ready: await zipkinReady(zipkinUrl(zipkin.port)),
            endpoint: `${zipkinUrl(zipkin.port)}/zipkin/`,
            log: logFile("zipkin"),
          },
        ]
      : []),
  ];
}
