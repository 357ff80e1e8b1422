import { bindHost, loadConfig, z } from "@hooklog/config";

/** Every setting of the routes service, validated once at start. Routes themselves are in hooklog.config.yaml (`routes:`). */
export function loadRoutesServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "routes",
    {
      /** GET /healthz and GET /metrics. */
      ROUTES_PORT: z.coerce.number().int().min(0).max(65535).default(3106),
      ROUTES_HOST: bindHost,
      /** Consumer groups are hooklog.<prefix>-<route>-<destination>; tests set their own. */
      ROUTES_CONSUMER_PREFIX: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,20}$/, "lower-case letters, digits and '-'")
        .default("route"),
      /** Delay before the second attempt of a failed delivery; doubles for each further one. */
      ROUTES_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(1000),
      /** How long each delivery attempt's record (request, answer) is kept. */
      ROUTES_ATTEMPT_RETENTION_HOURS: z.coerce.number().int().min(1).default(168),
      /** Where email destinations send: smtp://user:password@host:port (smtps:// for TLS). A secret: never logged. */
      SMTP_URL: z.url({ protocol: /^smtps?$/, error: "an smtp:// or smtps:// URL" }).optional(),
    },
    env,
  );
}

export type RoutesServiceConfig = ReturnType<typeof loadRoutesServiceConfig>;
