// Where the hub is, found as its services find it: the same environment variables and defaults,
// and, for what `npm start` generates (development webhook secrets, the admin token), its state
// directory (HOOKLOG_STATE_DIR, else .hooklog at the repository root).
import { existsSync, readFileSync } from "node:fs";
import { loadConfig, z } from "@hooklog/config";
// The light corners of infra: its index loads the whole stack's launcher.
import { adminTokenForClients } from "@hooklog/infra/admin-token";
import { stateDir } from "@hooklog/infra/paths";
import { loadSources, secretList, type SourceConfig } from "@hooklog/sources";
import { join } from "node:path";
import { CliError, UsageError } from "./errors.ts";

export interface Hub {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  databaseUrl: string;
  /** Where providers POST: <ingestUrl>/webhooks/<source>. */
  ingestUrl: string;
  reconciliationUrl: string;
  sources: readonly SourceConfig[];
  /** The source named `name`, or a usage error naming those there are. */
  source(name: string): SourceConfig;
  /** The secrets ingest holds for the source, as this machine knows them: the environment's, else npm start's development ones; empty when neither. */
  currentSecrets(source: SourceConfig): readonly string[];
  /** The secret to sign a sample with: the newest of the source's (the first listed while rotating). */
  signingSecret(source: SourceConfig): string;
  /** For admin endpoints; undefined when neither HOOKLOG_ADMIN_TOKENS nor the state directory has one. */
  adminToken(): string | undefined;
}

const cliSettings = {
  HOOKLOG_INGEST_URL: z.url().optional(),
  INGEST_PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  HOOKLOG_RECONCILIATION_URL: z.url().optional(),
  RECONCILIATION_PORT: z.coerce.number().int().min(1).max(65_535).default(3104),
};

/** The development secrets `npm start` generated, by variable name; empty when it has not run. */
function developmentSecrets(): Record<string, string> {
  const file = join(stateDir(), "dev-secrets.json");
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    // JSON.parse's message quotes the text around the fault, which is a secret here: only the file is named.
    throw new CliError(`${file} is not valid JSON`, "delete it and run npm start again, which writes it anew");
  }
}

export function locateHub(env: NodeJS.ProcessEnv = process.env): Hub {
  let config: ReturnType<typeof loadConfig<typeof cliSettings>>;
  let sources: SourceConfig[];
  try {
    config = loadConfig("hooklog", cliSettings, env);
    sources = loadSources(env);
  } catch (error) {
    throw new CliError((error as Error).message, "fix the environment variable or hooklog.config.yaml it names, then run the command again");
  }
  const stored = developmentSecrets();
  return {
    kafkaBrokers: config.KAFKA_BROKERS,
    schemaRegistryUrl: config.SCHEMA_REGISTRY_URL,
    databaseUrl: config.DATABASE_URL,
    ingestUrl: (config.HOOKLOG_INGEST_URL ?? `http://127.0.0.1:${config.INGEST_PORT}`).replace(/\/+$/, ""),
    reconciliationUrl: (config.HOOKLOG_RECONCILIATION_URL ?? `http://127.0.0.1:${config.RECONCILIATION_PORT}`).replace(/\/+$/, ""),
    sources,
    source(name) {
      const found = sources.find((source) => source.name === name);
      if (!found)
        throw new UsageError(`no source named ${JSON.stringify(name)}`, `use one of ${sources.map((source) => source.name).join(", ")} (hooklog.config.yaml)`);
      return found;
    },
    currentSecrets(source) {
      if (source.secrets.length > 0) return source.secrets;
      return secretList(stored[source.secretEnvVar]);
    },
    signingSecret(source) {
      const [secret] = this.currentSecrets(source);
      if (!secret)
        throw new CliError(
          `no secret for source ${source.name}: ${source.secretEnvVar} is unset and npm start has not generated one`,
          `run npm start once (it keeps development secrets in ${join(stateDir(), "dev-secrets.json")}), or set ${source.secretEnvVar} to the secret ingest uses`,
        );
      return secret;
    },
    adminToken: adminTokenForClients,
  };
}
