import { HooklogError } from "@hooklog/core";
import { z } from "zod";

/** Thrown at start when the environment does not fit a service's settings; the message names every bad variable. */
export class ConfigError extends HooklogError<"CONFIG_INVALID"> {
  readonly problems: readonly string[];

  constructor(service: string, problems: readonly string[]) {
    super("CONFIG_INVALID", `${service}: invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`, { retryable: false });
    this.problems = problems;
  }
}

const brokerList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((broker) => broker.trim())
      .filter(Boolean),
  )
  .refine((brokers) => brokers.length > 0 && brokers.every((broker) => /^[^\s:]+:\d+$/.test(broker)), {
    message: "expected host:port[,host:port...]",
  });

/** What every service shares: where Kafka, the registry, Postgres and the trace collector are, and how much to log. */
export const commonSettings = {
  KAFKA_BROKERS: brokerList.default(["127.0.0.1:9092"]),
  SCHEMA_REGISTRY_URL: z.url().default("http://127.0.0.1:8081/apis/ccompat/v7"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// URL")
    .default("postgres://postgres@127.0.0.1:5432/hooklog"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

export type CommonSettings = z.infer<z.ZodObject<typeof commonSettings>>;

/**
 * Validates `env` against the common settings plus the service's own, once. Unknown variables are
 * ignored (the environment holds far more than ours); missing or malformed ones fail with their names.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  service: string,
  serviceSettings: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<typeof commonSettings & Shape>> {
  const schema = z.object({ ...commonSettings, ...serviceSettings });
  // An empty variable means "not set": shells and compose files often export NAME= for optional settings.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      service,
      result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`),
    );
  }
  return result.data as z.infer<z.ZodObject<typeof commonSettings & Shape>>;
}
