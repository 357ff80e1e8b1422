import { HooklogError } from "@hooklog/core";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { providerNames, type ProviderName } from "@hooklog/providers";

export const defaultConfigPath = resolve(import.meta.dirname, "..", "..", "..", "hooklog.config.yaml");

const MIB = 1024 * 1024;

const hmacOptions = z.strictObject({
  header: z
    .string()
    .min(1)
    .transform((name) => name.toLowerCase()),
  algorithm: z.enum(["sha256", "sha512"]).default("sha256"),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  prefix: z.string().optional(),
  timestampHeader: z
    .string()
    .min(1)
    .transform((name) => name.toLowerCase())
    .optional(),
});

const rateLimit = z.strictObject({
  requestsPerSecond: z.number().positive(),
  burst: z.number().int().positive().optional(),
});

const githubHook = z.strictObject({ owner: z.string().min(1), repo: z.string().min(1), hookId: z.number().int().positive() });

const sourceSchema = z
  .strictObject({
    // The providers package's registry is the list: a provider added there is accepted here.
    provider: z.enum(providerNames),
    toleranceSeconds: z.number().int().min(0).default(300),
    topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, "a Kafka topic name: letters, digits, '.', '_' and '-'")
      .optional(),
    partitions: z.number().int().min(1).max(1000).default(6),
    // GitHub caps payloads at 25 MB; a source may raise the 1 MiB default that far, no further.
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(25 * MIB)
      .default(MIB),
    // Of the topic, when npm start creates it; defaults: min(3, brokers) copies, all but one in sync.
    replicationFactor: z.number().int().min(1).max(32).optional(),
    minInSyncReplicas: z.number().int().min(1).max(32).optional(),
    rateLimit: rateLimit.optional(),
    eventTypes: z.array(z.string().min(1)).min(1).optional(),
    hmac: hmacOptions.optional(),
    githubHooks: z.array(githubHook).optional(),
  })
  .superRefine((source, context) => {
    if (source.provider === "hmac" && !source.hmac)
      context.addIssue({ code: "custom", path: ["hmac"], message: "provider hmac needs an hmac: { header, algorithm, encoding } block" });
    if (source.replicationFactor !== undefined && source.minInSyncReplicas !== undefined && source.minInSyncReplicas > source.replicationFactor) {
      context.addIssue({ code: "custom", path: ["minInSyncReplicas"], message: `at most the replicationFactor (${source.replicationFactor})` });
    }
    if (source.provider !== "hmac" && source.hmac)
      context.addIssue({ code: "custom", path: ["hmac"], message: `only provider hmac takes an hmac block (this source is ${source.provider})` });
  });

const fileSchema = z.strictObject({
  sources: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "source names are lower-case letters, digits and '-'"), sourceSchema),
});

export type HmacOptions = z.infer<typeof hmacOptions>;
export type RateLimit = z.infer<typeof rateLimit>;

export interface SourceConfig {
  name: string;
  provider: ProviderName;
  toleranceSeconds: number;
  topic: string;
  partitions: number;
  maxBodyBytes: number;
  /** Undefined: the cluster decides (see replicationFor in @hooklog/kafka), or HOOKLOG_TOPIC_* for all. */
  replicationFactor: number | undefined;
  minInSyncReplicas: number | undefined;
  rateLimit: RateLimit | undefined;
  /** undefined = every type is accepted. */
  eventTypes: readonly string[] | undefined;
  hmac: HmacOptions | undefined;
  githubHooks: ReadonlyArray<z.infer<typeof githubHook>>;
  secretEnvVar: string;
  /** From the environment; several while a secret is rotated. Empty when the variable is unset. */
  secrets: readonly string[];
}

export class SourcesConfigError extends HooklogError<"SOURCES_CONFIG_INVALID"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SOURCES_CONFIG_INVALID", message, { retryable: false, ...options });
  }
}

/** `stripe` → STRIPE_WEBHOOK_SECRET, `acme-eu` → ACME_EU_WEBHOOK_SECRET. */
export function secretEnvVar(source: string): string {
  return `${source.toUpperCase().replaceAll("-", "_")}_WEBHOOK_SECRET`;
}

export function parseSources(text: string, env: NodeJS.ProcessEnv, origin = "hooklog.config.yaml"): SourceConfig[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new SourcesConfigError(`${origin}: not valid YAML: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(document);
  if (!result.success) {
    throw new SourcesConfigError(`${origin} is invalid:\n${z.prettifyError(result.error)}`);
  }
  return Object.entries(result.data.sources).map(([name, source]) => {
    const variable = secretEnvVar(name);
    return {
      name,
      provider: source.provider,
      toleranceSeconds: source.toleranceSeconds,
      topic: source.topic ?? `webhooks.${name}`,
      partitions: source.partitions,
      maxBodyBytes: source.maxBodyBytes,
      replicationFactor: source.replicationFactor,
      minInSyncReplicas: source.minInSyncReplicas,
      rateLimit: source.rateLimit,
      eventTypes: source.eventTypes,
      hmac: source.hmac,
      githubHooks: source.githubHooks ?? [],
      secretEnvVar: variable,
      secrets: (env[variable] ?? "")
        .split(",")
        .map((secret) => secret.trim())
        .filter(Boolean),
    };
  });
}

/** Reads HOOKLOG_CONFIG (or hooklog.config.yaml at the repository root). */
export function loadSources(env: NodeJS.ProcessEnv = process.env): SourceConfig[] {
  const path = resolve(env.HOOKLOG_CONFIG ?? defaultConfigPath);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SourcesConfigError(`Cannot read the sources file ${path}: ${(error as Error).message}. Set HOOKLOG_CONFIG to its path.`);
  }
  return parseSources(text, env, path);
}
