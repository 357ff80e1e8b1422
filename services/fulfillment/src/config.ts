import { bindHost, loadConfig, z } from "@hooklog/config";

/** Every setting of fulfillment, validated once at start. */
export function loadFulfillmentConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    "fulfillment",
    {
      /** GET /healthz and GET /metrics. */
      FULFILLMENT_PORT: z.coerce.number().int().min(0).max(65535).default(3101),
      FULFILLMENT_HOST: bindHost,
      /** Consumer group hooklog.<name>, retry topics <name>.retry.<n>, dead letters <name>.dlq. */
      FULFILLMENT_CONSUMER_NAME: z
        .string()
        .regex(/^[a-z][a-z0-9-]{1,62}$/, "lower-case letters, digits and '-'")
        .default("fulfillment"),
      FULFILLMENT_STRIPE_TOPIC: z.string().min(1).default("webhooks.stripe"),
      /** Delay before the second attempt of a failed event; doubles for each further one. */
      FULFILLMENT_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(1000),
      /** Prepended to the domain topics (fulfillment.TaskCreated, fulfillment.TaskCancelled); empty in production. */
      FULFILLMENT_TASKS_TOPIC_PREFIX: z
        .string()
        .regex(/^[A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-'")
        .default(""),
    },
    env,
  );
}

export type FulfillmentConfig = ReturnType<typeof loadFulfillmentConfig>;
