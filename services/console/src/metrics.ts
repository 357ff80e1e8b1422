import { adminAuthFailures, type AdminAuthFailures } from "@hooklog/lifecycle";
import { Counter, Registry, collectDefaultMetrics } from "prom-client";

export interface ConsoleMetrics {
  registry: Registry;
  authFailures: AdminAuthFailures;
  actions: Counter<"action">;
}

export function createConsoleMetrics(): ConsoleMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    authFailures: adminAuthFailures(registry),
    actions: new Counter({
      name: "hooklog_console_actions_total",
      help: "Actions taken through the console or its API, by action",
      labelNames: ["action"] as const,
      registers: [registry],
    }),
  };
}
