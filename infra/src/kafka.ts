import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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

export interface KafkaSettings {
  port: number;
  controllerPort: number;
  heap: string;
  /** One broker (the default), or a three-broker cluster for replication (HOOKLOG_KAFKA_BROKERS=3). */
  brokers: 1 | 3;
}

export function kafkaSettings(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const port = Number(env.HOOKLOG_KAFKA_PORT ?? 9092);
  const brokers = env.HOOKLOG_KAFKA_BROKERS ?? "1";
  if (brokers !== "1" && brokers !== "3") {
    throw new InfraError(
      "KAFKA_BROKERS_INVALID",
      `HOOKLOG_KAFKA_BROKERS=${brokers}: infra runs one broker or a cluster of three.`,
      "Set HOOKLOG_KAFKA_BROKERS to 1 or 3 (or unset it).",
    );
  }
  return {
    port,
    controllerPort: Number(env.HOOKLOG_KAFKA_CONTROLLER_PORT ?? port + 1),
    heap: env.HOOKLOG_KAFKA_HEAP ?? "512m",
    brokers: brokers === "3" ? 3 : 1,
  };
}

/** One Kafka process: broker and controller combined (KRaft), with its own ports, state and log. */
export interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  /** Pid file and log name. */
  name: string;
  /** In its command line, so a stale pid file never makes infra signal another process. */
  marker: string;
  dataDir: string;
  configFile: string;
}

/**
 * The nodes of the configured Kafka: one, as it always was (`.hooklog/kafka/data`), or three on
 * adjacent ports (broker ports port, port+2, port+4, each controller one above), each with a state
 * directory of its own under `.hooklog/kafka/cluster/`.
 */
export function kafkaNodes(settings: KafkaSettings): KafkaNode[] {
  if (settings.brokers === 1) {
    return [
      {
        id: 1,
        port: settings.port,
        controllerPort: settings.controllerPort,
        name: "kafka",
        marker: "-Dhooklog.component=kafka",
        dataDir: stateFolder("kafka", "data"),
        configFile: statePath("kafka", "server.properties"),
      },
    ];
  }
  return [1, 2, 3].map((id) => ({
    id,
    port: settings.port + 2 * (id - 1),
    controllerPort: settings.port + 2 * (id - 1) + 1,
    name: `kafka-${id}`,
    marker: `-Dhooklog.component=kafka-node-${id}`,
    dataDir: stateFolder("kafka", "cluster", `node-${id}`, "data"),
    configFile: statePath("kafka", "cluster", `node-${id}`, "server.properties"),
  }));
}

export const bootstrapServers = (nodes: readonly KafkaNode[]): string => nodes.map((node) => `127.0.0.1:${node.port}`).join(",");

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

function serverProperties(node: KafkaNode, nodes: readonly KafkaNode[]): string {
  const replicas = nodes.length;
  // With three, internal topics keep three copies and need two in sync, as the webhook topics do.
  const minInSync = replicas > 1 ? 2 : 1;
  const quorum =
    replicas === 1
      ? `controller.quorum.bootstrap.servers=127.0.0.1:${node.controllerPort}`
      : `controller.quorum.voters=${nodes.map((voter) => `${voter.id}@127.0.0.1:${voter.controllerPort}`).join(",")}`;
  return [
    "# Written by infra on every start; edit infra/src/kafka.ts instead.",
    "process.roles=broker,controller",
    `node.id=${node.id}`,
    quorum,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    "controller.listener.names=CONTROLLER",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "inter.broker.listener.name=PLAINTEXT",
    `log.dirs=${node.dataDir}`,
    // Internal topics cannot have more replicas than there are brokers.
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minInSync}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minInSync}`,
    `min.insync.replicas=${minInSync}`,
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

/**
 * Kafka cluster ids are 16 random bytes in unpadded base64url. One in 64 would start with '-', which
 * kafka-storage's argument parser takes for an option ("argument --cluster-id/-t: expected one
 * argument"); Kafka's own Uuid.randomUuid draws again in that case, and so does this.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

function daemonSpec(libs: string, node: KafkaNode, settings: KafkaSettings, java: string): DaemonSpec {
  return {
    name: node.name,
    marker: node.marker,
    command: java,
    args: [
      node.marker,
      `-Xms128m`,
      `-Xmx${settings.heap}`,
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-Djava.awt.headless=true",
      `-Dlog4j2.configurationFile=${join(infraDir, "kafka", "log4j2.yaml")}`,
      "-cp",
      `${libs}/*`,
      "kafka.Kafka",
      node.configFile,
    ],
    logFile: logFile(node.name),
  };
}

/** The cluster id the nodes share: the one a formatted node already has, or a new one. */
function clusterId(nodes: readonly KafkaNode[]): string {
  for (const node of nodes) {
    const meta = join(node.dataDir, "meta.properties");
    const id = existsSync(meta) ? /^cluster\.id=(.+)$/m.exec(readFileSync(meta, "utf8"))?.[1] : undefined;
    if (id) return id.trim();
  }
  return newClusterId();
}

async function formatStorageOnce(java: string, libs: string, node: KafkaNode, nodes: readonly KafkaNode[], id: string): Promise<void> {
  if (existsSync(join(node.dataDir, "meta.properties"))) return;
  step(`formatting Kafka storage of ${node.name} (first start)`);
  // One node forms a dynamic quorum of itself; three share the static voters of their configs.
  const quorum = nodes.length === 1 ? ["--standalone"] : [];
  const result = spawnSync(java, ["-cp", `${libs}/*`, "kafka.tools.StorageTool", "format", "-t", id, "-c", node.configFile, ...quorum], { encoding: "utf8" });
  if (result.status !== 0) {
    throw new InfraError(
      "KAFKA_FORMAT_FAILED",
      `Formatting Kafka storage failed: ${result.stderr.trim().split("\n").at(-1) ?? ""}`,
      `Delete ${node.dataDir} and run again.`,
    );
  }
}

/** Ready: the cluster answers metadata with a controller and all `expectedBrokers` brokers. */
export async function kafkaReady(brokers: string, expectedBrokers = 1): Promise<boolean> {
  const admin = new Kafka({
    clientId: "hooklog-infra",
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length >= expectedBrokers && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The first running Kafka node's pid (either layout), or undefined. */
export function kafkaPid(settings: KafkaSettings = kafkaSettings()): number | undefined {
  return kafkaPids(settings).find((pid) => pid !== undefined);
}

/** Each node's pid, in node order (undefined for a node that is not running). */
export function kafkaPids(settings: KafkaSettings = kafkaSettings()): Array<number | undefined> {
  return kafkaNodes(settings).map((node) => runningPid(node.name, node.marker));
}

/** Starts the nodes that are not running; resolves once the cluster answers with all of them. */
export async function startKafka(settings: KafkaSettings = kafkaSettings()): Promise<{ brokers: string; started: boolean }> {
  const nodes = kafkaNodes(settings);
  const brokers = bootstrapServers(nodes);
  const stopped = nodes.filter((node) => runningPid(node.name, node.marker) === undefined);
  if (stopped.length === 0) return { brokers, started: false };
  const other: KafkaSettings = { ...settings, brokers: settings.brokers === 1 ? 3 : 1 };
  if (kafkaPid(other) !== undefined) {
    throw new InfraError(
      "KAFKA_OTHER_LAYOUT_RUNNING",
      `A ${other.brokers === 1 ? "one-broker Kafka" : "three-broker Kafka cluster"} of this state directory is running; ${settings.brokers === 1 ? "one broker" : "three brokers"} were asked for (HOOKLOG_KAFKA_BROKERS).`,
      `Stop it first (npm run infra:down with the same HOOKLOG_KAFKA_BROKERS it was started with), then start again.`,
    );
  }
  for (const node of stopped) {
    await ensurePortFree(node.port, `Kafka (${node.name})`, "HOOKLOG_KAFKA_PORT");
    await ensurePortFree(node.controllerPort, `Kafka's controller (${node.name})`, "HOOKLOG_KAFKA_CONTROLLER_PORT");
  }

  const java = requireJava(17, `Apache Kafka ${kafkaVersion()}`);
  const libs = await install();
  for (const node of nodes) writeFileSync(node.configFile, serverProperties(node, nodes));
  const id = clusterId(nodes);
  for (const node of stopped) await formatStorageOnce(java.executable, libs, node, nodes, id);

  const what =
    nodes.length === 1 ? `Kafka ${kafkaVersion()} (KRaft) on ${brokers}` : `a ${nodes.length}-broker Kafka ${kafkaVersion()} cluster (KRaft) on ${brokers}`;
  await timed(`starting ${what}`, async () => {
    const specs = stopped.map((node) => daemonSpec(libs, node, settings, java.executable));
    for (const spec of specs) startDaemon(spec);
    // A three-voter quorum elects a controller once two voters are up: wait for every broker.
    await Promise.all(specs.map((spec) => awaitReady(spec, () => kafkaReady(brokers, nodes.length), 120_000)));
  });
  return { brokers, started: true };
}

/** Stops every node of the configured layout that runs. */
export async function stopKafka(settings: KafkaSettings = kafkaSettings()): Promise<boolean> {
  const stopped = await Promise.all(kafkaNodes(settings).map((node) => stopDaemon(node.name, node.marker)));
  return stopped.some(Boolean);
}
