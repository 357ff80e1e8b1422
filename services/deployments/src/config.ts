import { bindHost, loadConfig, z } from "@hooklog/config";

export type DeploymentsConfig = ReturnType<typeof loadDeploymentsConfig>;

/** Every setting of deployments, validated once at start. */
export function loadDeploymentsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "deployments",
    {
      /** GET /healthz and GET /metrics. */
      DEPLOYMENTS_PORT: z.coerce.number().int().min(0).max(65535).default(3103),
      DEPLOYMENTS_HOST: bindHost,
      /** Consumer group hooklog.<name>, retry topics <name>.retry.<n>, dead letters <name>.dlq. */
      DEPLOYMENTS_CONSUMER_NAME: z
        .string()
        .regex(/^[a-z][a-z0-9-]{1,62}$/, "lower-case letters, digits and '-', starting with a letter")
        .default("deployments"),
      DEPLOYMENTS_GITHUB_TOPIC: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,249}$/, "a Kafka topic name: letters, digits, '.', '_' and '-'")
        .default("webhooks.github"),
      // Octokit joins base and path as strings: a trailing slash would make every path start with "//".
      GITHUB_API_BASE: z
        .url()
        .default("https://api.github.com")
        .transform((url) => url.replace(/\/+$/, "")),
      GITHUB_TOKEN: z.string().min(1, "a GitHub token allowed to create deployments (repo_deployment or deployments: write)"),
      /** Each GitHub call is abandoned after this long and the event retried. */
      DEPLOYMENTS_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
      /** The kit's backoff base: attempt n+1 waits base * 2^(n-1), or longer when GitHub says Retry-After. */
      DEPLOYMENTS_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(1000),
    },
    env,
  );
}
