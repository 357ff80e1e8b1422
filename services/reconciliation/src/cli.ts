// `npm run reconcile -- --source <name> --since 2h [--dry-run]`: one run now, its summary on stdout.
// Without --source every reconcilable source runs; --dry-run counts what a run would backfill and
// writes nothing. Exit code 0 when every run completed (or dry-ran, or was passed over by a dry run of
// every source since it could not be held back), 1 otherwise.
import { parseArgs } from "node:util";
import { createLogger } from "@hooklog/logging";
import { loadReconciliationConfig } from "./config.ts";
import { passOverNotDryRunnable, passedOver } from "./run-result.ts";
import { createReconciliationService } from "./service.ts";
import { HooklogError, parseSince } from "@hooklog/core";

const USAGE = "usage: npm run reconcile -- [--source <name>] [--since 2h|30m|3d|<ISO time>] [--dry-run]";

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let options: { source?: string | undefined; since?: string | undefined; "dry-run"?: boolean | undefined; help?: boolean | undefined };
try {
  ({ values: options } = parseArgs({
    options: { source: { type: "string" }, since: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let since: Date | undefined;
try {
  since = options.since === undefined ? undefined : parseSince(options.since, new Date());
} catch (error) {
  if (error instanceof HooklogError && error.code === "INVALID_SINCE") fail(error.message);
  throw error;
}

const config = loadReconciliationConfig();
// Logs go to stderr, so stdout holds only the summaries.
const logger = createLogger({ service: "reconciliation", level: config.LOG_LEVEL, destination: process.stderr });
const service = createReconciliationService(config, logger);
const names = options.source ? [options.source] : service.reconcilable;
if (names.length === 0) fail(`no source can be reconciled:\n${[...service.notReconcilable].map(([source, reason]) => `  ${source}: ${reason}`).join("\n")}`);

let allCompleted = true;
try {
  await service.start({ schedule: false });
  for (const name of names) {
    const asked = await service.reconcile(name, { ...(since ? { since } : {}), ...(options["dry-run"] ? { dryRun: true } : {}) });
    const result = options.source ? asked : passOverNotDryRunnable(asked);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result.status !== "completed" && result.status !== "dry-run" && !passedOver(result)) allCompleted = false;
  }
} finally {
  await service.stop();
}
process.exit(allCompleted ? 0 : 1);
