import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_RECORD_BYTES } from "@hooklog/kafka";
import { Kafka, logLevel } from "kafkajs";
import { awaitReady, ensurePortFree, runningPid, startDaemon, stopDaemon, type DaemonSpec } from "./daemon.ts";
import { InfraError } from "./errors.ts";
import { requireJava } from "./java.ts";
import { runMavenFetch } from "./maven.ts";
import { infraDir, logFile, stateFolder, statePath } from "./paths.ts";
import { pomProperty } from "./pom-properties.ts";
import { step, timed } from "./progress.ts";

const NAME = "kafka";
const MARKER = "-Dhooklog.component=kafka";

export interface KafkaSettings {
  port: number;
  controllerPort: number;
  heap: string;
}

export function kafkaSettings(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const port = Number(env.HOOKLOG_KAFKA_PORT ?? 9092);
  return { port, controllerPort: Number(env.HOOKLOG_KAFKA_CONTROLLER_PORT ?? port + 1), heap: env.HOOKLOG_KAFKA_HEAP ?? "512m" };
}

export const kafkaVersion = (): string => pomProperty("kafka", "kafka.version");

function libsDir(): string {
  return stateFolder("kafka", "dist", kafkaVersion(), "libs");
}

async function install(): Promise<string> {
  const libs = libsDir();
  const complete = join(libs, ".complete");
  if (existsSync(complete)) return libs;
  await timed(`fetching Apache Kafka ${kafkaVersion()} from Maven Central`, () => runMavenFetch("kafka", { "output.dir": libs }));
  if (!readdirSync(libs).some((name) => name.startsWith("kafka_2.13-"))) {
    throw new InfraError("KAFKA_INSTALL_INCOMPLETE", `Maven finished but ${libs} holds no Kafka jar.`, `Delete ${libs} and run again.`);
  }
  writeFileSync(complete, new Date().toISOString());
  return libs;
}

function serverProperties(settings: KafkaSettings, dataDir: string): string {
  return [
    "# Written by infra on every start; edit infra/src/kafka.ts instead.",
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.bootstrap.servers=127.0.0.1:${settings.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${settings.port},CONTROLLER://127.0.0.1:${settings.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${settings.port}`,
    "controller.listener.names=CONTROLLER",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    `log.dirs=${dataDir}`,
    // One broker: internal topics cannot have more replicas than that.
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    // Topics are declared in code (packages/kafka); a typo must fail, not create a topic.
    "auto.create.topics.enable=false",
    "num.partitions=3",
    // GitHub sends payloads up to 25 MB: the broker takes records that large, and copies them.
    `message.max.bytes=${MAX_RECORD_BYTES}`,
    `replica.fetch.max.bytes=${MAX_RECORD_BYTES}`,
    `socket.request.max.bytes=${4 * MAX_RECORD_BYTES}`,
    "",
  ].join("\n");
}

/** Kafka cluster ids are 16 random bytes in unpadded base64url. */
function newClusterId(): string {
  return randomBytes(16).toString("base64url");
}

function daemonSpec(libs: string, configFile: string, settings: KafkaSettings, java: string): DaemonSpec {
  return {
    name: NAME,
    marker: MARKER,
    command: java,
    args: [
      MARKER,
      `-Xms128m`,
      `-Xmx${settings.heap}`,
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-Djava.awt.headless=true",
      `-Dlog4j2.configurationFile=${join(infraDir, "kafka", "log4j2.yaml")}`,
      "-cp",
      `${libs}/*`,
      "kafka.Kafka",
      configFile,
    ],
    logFile: logFile(NAME),
  };
}

async function formatStorageOnce(java: string, libs: string, configFile: string, dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, "meta.properties"))) return;
  step("formatting Kafka storage (first start)");
  const result = spawnSync(
    java,
    ["-cp", `${libs}/*`, "kafka.tools.StorageTool", "format", "-t", newClusterId(), "-c", configFile, "--standalone"],
    { encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new InfraError("KAFKA_FORMAT_FAILED", `Formatting Kafka storage failed: ${result.stderr.trim().split("\n").at(-1) ?? ""}`, `Delete ${dataDir} and run again.`);
  }
}

export async function kafkaReady(brokers: string): Promise<boolean> {
  const admin = new Kafka({ clientId: "hooklog-infra", brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaPid(): number | undefined {
  return runningPid(NAME, MARKER);
}

/** Starts the broker unless it runs already; resolves once it answers metadata requests. */
export async function startKafka(settings: KafkaSettings = kafkaSettings()): Promise<{ brokers: string; started: boolean }> {
  const brokers = `127.0.0.1:${settings.port}`;
  if (kafkaPid() !== undefined) return { brokers, started: false };
  await ensurePortFree(settings.port, "Kafka", "HOOKLOG_KAFKA_PORT");
  await ensurePortFree(settings.controllerPort, "Kafka's controller", "HOOKLOG_KAFKA_CONTROLLER_PORT");

  const java = requireJava(17, `Apache Kafka ${kafkaVersion()}`);
  const libs = await install();
  const dataDir = stateFolder("kafka", "data");
  const configFile = statePath("kafka", "server.properties");
  writeFileSync(configFile, serverProperties(settings, dataDir));
  await formatStorageOnce(java.executable, libs, configFile, dataDir);

  const spec = daemonSpec(libs, configFile, settings, java.executable);
  await timed(`starting Kafka ${kafkaVersion()} (KRaft) on ${brokers}`, async () => {
    startDaemon(spec);
    await awaitReady(spec, () => kafkaReady(brokers), 90_000);
  });
  return { brokers, started: true };
}

export function stopKafka(): Promise<boolean> {
  return stopDaemon(NAME, MARKER);
}
