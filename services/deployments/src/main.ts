// Composition root of deployments: config and the GitHub client, then the kit runs the service
// (migrate, consume, serve /healthz and /metrics, drain on SIGTERM).
import { runConsumerService } from "@hooklog/consumer-kit";
import { loadDeploymentsConfig } from "./config.ts";
import { createDeploymentsConsumer } from "./deployments-consumer.ts";
import { createGithubDeployments } from "./github-deployments.ts";
import { deploymentsMigrations } from "./migrations/index.ts";

const config = loadDeploymentsConfig();
await runConsumerService(
  {
    service: "deployments",
    port: config.DEPLOYMENTS_PORT,
    host: config.DEPLOYMENTS_HOST,
    settings: config,
    migrations: deploymentsMigrations,
  },
  ({ logger }) =>
    createDeploymentsConsumer({
      name: config.DEPLOYMENTS_CONSUMER_NAME,
      githubTopic: config.DEPLOYMENTS_GITHUB_TOPIC,
      retryBaseDelayMs: config.DEPLOYMENTS_RETRY_BASE_DELAY_MS,
      github: createGithubDeployments({ token: config.GITHUB_TOKEN, baseUrl: config.GITHUB_API_BASE, timeoutMs: config.DEPLOYMENTS_HTTP_TIMEOUT_MS, logger }),
    }),
);
