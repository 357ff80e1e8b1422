import type { Knex } from "@hooklog/db";
import type { Logger } from "@hooklog/logging";
import type { SourceConfig } from "@hooklog/sources";
import type { Router } from "express";
import type { ActionLog } from "./audit.ts";
import type { SessionStore } from "./auth/sessions.ts";
import type { TokenCheck } from "./auth/tokens.ts";
import type { PayloadFromLog } from "./events/log-payload.ts";
import type { ConsoleMetrics } from "./metrics.ts";

/** What every part of the console is given: built once in main.ts (or a test). */
export interface ConsoleDeps {
  db: Knex;
  kafkaBrokers: readonly string[];
  sources: readonly SourceConfig[];
  tokens: TokenCheck;
  sessions: SessionStore;
  actions: ActionLog;
  /** A trace's page, `{traceId}` replaced. */
  traceUrl: string;
  /** Reconciliation's admin endpoint, and the token the console calls it with (the first of HOOKLOG_ADMIN_TOKENS). */
  reconciliation: { url: string; token: string | undefined };
  /** Reads an event's body from the log, for one whose catalog copy was pruned. */
  payloadFromLog: PayloadFromLog;
  logger: Logger;
  metrics: ConsoleMetrics;
  trustProxy: boolean | number | string;
  now?: () => Date;
}

/** One area of the console: its JSON endpoints under /api and its pages, registered on the routers app.ts guards. */
export type ConsoleArea = (routers: { api: Router; pages: Router }, deps: ConsoleDeps) => void;
