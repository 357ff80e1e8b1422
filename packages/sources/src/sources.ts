import { HooklogError } from "@hooklog/core";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { providerModule, providerNames, type ProviderName, type ProviderOptions } from "@hooklog/providers";

export const defaultConfigPath = resolve(import.meta.dirname, "..", "..", "..", "hooklog.config.yaml");

const MIB = 1024 * 1024;

/** The Content-Encodings a source may opt in to; without one, any encoding but identity is refused. */
export const contentEncodingNames = ["gzip", "deflate", "br"] as const;
export type ContentEncoding = (typeof contentEncodingNames)[number];

const rateLimit = z.strictObject({
  requestsPerSecond: z.number().positive(),
  burst: z.number().int().positive().optional(),
});

/** Every source's settings, whichever its provider. */
const commonSettings = {
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
  // Providers do not compress webhook bodies; a sender that does is named here, and its inflated
  // body is held to maxBodyBytes while it inflates.
  contentEncodings: z.array(z.enum(contentEncodingNames)).min(1).optional(),
};

/** The blocks of their own that provider modules declare (ProviderModule.options), by key, each with the one provider it belongs to. */
const providerBlocks = new Map<string, { provider: ProviderName; options: ProviderOptions }>();
for (const provider of providerNames) {
  const options = providerModule(provider).options;
  if (options === undefined) continue;
  // A key belongs to one provider, so a misplaced block can be named; a module reusing one fails every start, not a user's file.
  const owner = Object.hasOwn(commonSettings, options.key) ? "every source" : providerBlocks.get(options.key)?.provider;
  if (owner !== undefined) throw new Error(`provider ${provider} declares the block ${options.key}:, which ${owner} already takes`);
  providerBlocks.set(options.key, { provider, options });
}

/** A block on a parsed source; the keys come from the registry at run time, so the schema's type does not list them. */
const blockOf = (source: object, key: string): unknown => (source as Record<string, unknown>)[key];

const sourceSchema = z
  .strictObject({
    ...commonSettings,
    ...Object.fromEntries([...providerBlocks].map(([key, { options }]) => [key, options.schema.optional()])),
  })
  .superRefine((source, context) => {
    const own = providerModule(source.provider).options;
    if (own?.required && blockOf(source, own.key) === undefined)
      context.addIssue({ code: "custom", path: [own.key], message: `provider ${source.provider} needs the ${own.key}: ${own.summary} block` });
    for (const [key, { provider }] of providerBlocks) {
      if (provider !== source.provider && blockOf(source, key) !== undefined)
        context.addIssue({ code: "custom", path: [key], message: `only provider ${provider} takes the ${key} block (this source is ${source.provider})` });
    }
    if (source.replicationFactor !== undefined && source.minInSyncReplicas !== undefined && source.minInSyncReplicas > source.replicationFactor) {
      context.addIssue({ code: "custom", path: ["minInSyncReplicas"], message: `at most the replicationFactor (${source.replicationFactor})` });
    }
  });

const fileSchema = z.strictObject({
  // Read by @hooklog/routes, which validates it; here it only may be there.
  routes: z.unknown().optional(),
  sources: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "source names are lower-case letters, digits and '-'"), sourceSchema),
});

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
  /** The compressed bodies it takes besides identity; empty for every provider that does not compress. */
  contentEncodings: readonly ContentEncoding[];
  /** The block of its own its provider's module declares (ProviderModule.options), parsed by that module's schema; undefined without one. The module reads it. */
  options: unknown;
  secretEnvVar: string;
  /** From the environment; several while a secret is rotated. Empty when the variable is unset. */
  secrets: readonly string[];
}

export class SourcesConfigError extends HooklogError<"SOURCES_CONFIG_INVALID"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SOURCES_CONFIG_INVALID", message, { retryable: false, ...options });
  }
}

/** A <NAME>_WEBHOOK_SECRET value as a list: comma-separated while a secret rotates, entries trimmed, empty ones dropped. */
export function secretList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter(Boolean);
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
    const own = providerModule(source.provider).options;
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
      contentEncodings: source.contentEncodings ?? [],
      options: own === undefined ? undefined : blockOf(source, own.key),
      secretEnvVar: variable,
      secrets: secretList(env[variable]),
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
