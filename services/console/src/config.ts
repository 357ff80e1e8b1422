import { bindHost, loadConfig, namedAdminTokens, z } from "@hooklog/config";

/** Every setting of the console, validated once at start. */
export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "console",
    {
      CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(3200),
      /** Loopback unless told otherwise: the console shows payloads and takes actions. */
      CONSOLE_HOST: bindHost,
      /** Who may sign in: `name=token` entries (a token alone is named by its place). None: nobody can. */
      HOOKLOG_ADMIN_TOKENS: namedAdminTokens,
      /** A trace's page, `{traceId}` replaced; the local Zipkin unless set (docker-compose points it at Jaeger). */
      HOOKLOG_TRACE_URL: z
        .string()
        .refine((value) => value.includes("{traceId}"), "must contain {traceId}, e.g. http://127.0.0.1:9411/zipkin/traces/{traceId}")
        .default("http://127.0.0.1:9411/zipkin/traces/{traceId}"),
      /** Where reconciliation's POST /reconcile is, for "run now". */
      HOOKLOG_RECONCILIATION_URL: z.url().default("http://127.0.0.1:3104"),
      /** A signed-in session lasts this long without use. */
      CONSOLE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(720),
      /** Express's `trust proxy`: behind a TLS-terminating proxy, set it so the session cookie is marked Secure. */
      CONSOLE_TRUST_PROXY: z
        .string()
        .default("false")
        .transform((value) => (value === "true" ? true : value === "false" ? false : /^\d+$/.test(value) ? Number(value) : value)),
    },
    env,
  );
}

export type ConsoleConfig = ReturnType<typeof loadConsoleConfig>;
