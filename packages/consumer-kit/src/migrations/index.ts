import type { MigrationSet } from "@hooklog/db";
import * as consumerKit from "./0002_consumer_kit.ts";
import * as effectCallAttempts from "./0006_effect_call_attempts.ts";
import * as keyOrder from "./0008_key_order.ts";
import * as consumerStates from "./0010_consumer_states.ts";
import * as consumerStateFailures from "./0013_consumer_state_failures.ts";

/**
 * The kit's bookkeeping tables, run by every consumer service as it starts (runConsumerService).
 * Names are never changed: a database migrated when one knex_migrations held every migration is matched by them.
 */
export const consumerKitMigrations: MigrationSet = {
  owner: "consumer_kit",
  migrations: [
    ["0002_consumer_kit", consumerKit],
    ["0006_effect_call_attempts", effectCallAttempts],
    ["0008_key_order", keyOrder],
    ["0010_consumer_states", consumerStates],
    ["0013_consumer_state_failures", consumerStateFailures],
  ],
};
