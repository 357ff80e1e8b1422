// The hub's Kafka, registry and Postgres as a command reaches them: a failure to reach one becomes a
// CliError that says which and where (never the password in DATABASE_URL), and what to do.
import { connectDatabase, type Knex } from "@hooklog/db";
import { KafkaUnavailableError, createKafka, type Admin, type Kafka } from "@hooklog/kafka";
import { CliError } from "./errors.ts";
import type { Hub } from "./hub.ts";

const START_THE_STACK = "start the stack (npm start), or point KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL at the hub's";

/** Where a database URL points, without its credentials. */
export function databaseLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    // Not a URL (a libpq key=value string): say nothing of it rather than risk printing a password.
    return "DATABASE_URL";
  }
}

export function openDatabase(hub: Hub): Knex {
  const db = connectDatabase(hub.databaseUrl, { applicationName: "hooklog-cli", poolMax: 2 });
  // knex prints every failed connection attempt with its stack; the failure still reaches query(), which says it in two lines.
  (db.client as { logger: { _warn: (message: string) => void } }).logger._warn = () => undefined;
  return db;
}

/** Runs a query, turning an unreachable database or a missing table into a CliError. */
export async function query<T>(hub: Hub, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "42P01") {
      throw new CliError(
        `the database at ${databaseLocation(hub.databaseUrl)} lacks the hub's tables (${(error as Error).message})`,
        "point DATABASE_URL at the hub's database, or start the hub once (npm start): its services create their tables",
        { cause: error },
      );
    }
    if (typeof code === "string" && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|28P01|28000|3D000)$/.test(code)) {
      throw new CliError(`Postgres at ${databaseLocation(hub.databaseUrl)} refused or did not answer (${code})`, START_THE_STACK, { cause: error });
    }
    throw error;
  }
}

export function openKafka(hub: Hub): Kafka {
  // Few retries: a person is waiting, and an unreachable broker is better said at once.
  return createKafka({ clientId: "hooklog-cli", brokers: hub.kafkaBrokers, retries: 2 });
}

export async function connectAdmin(hub: Hub, kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw kafkaFailure(hub, error);
  }
  return admin;
}

/** A kafkajs or registry failure as a CliError; anything else unchanged. */
export function kafkaFailure(hub: Hub, error: unknown): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof KafkaUnavailableError && error.code.startsWith("REGISTRY")) {
    return new CliError(`the schema registry at ${hub.schemaRegistryUrl} failed: ${error.message}`, START_THE_STACK, { cause: error });
  }
  const name = (error as { name?: unknown }).name;
  if (typeof name === "string" && name.startsWith("KafkaJS")) {
    return new CliError(`Kafka at ${hub.kafkaBrokers.join(",")} failed: ${(error as Error).message}`, START_THE_STACK, { cause: error });
  }
  return error;
}
