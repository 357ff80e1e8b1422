// `hooklog redrive | replay | release`: operate a consumer's dead letters, offsets and held keys, by
// the consumer kit's own commands; `--dry-run` counts what they would do and changes nothing.
// `hooklog reconcile` asks the running reconciliation service (reconcile.ts).
import type { Command } from "commander";
import { registerReconcile } from "./reconcile.ts";

const DRY_RUN = "count what it would do; change nothing";

export interface ReplayOptions {
  fromBeginning?: boolean;
  since?: string;
  topics?: string;
  dryRun?: boolean;
}

export function registerOperations(program: Command): void {
  program
    .command("redrive")
    .description("move a consumer's dead letters back into processing (all, or one event's)")
    .argument("<consumer>", "the consumer's name (its group is hooklog.<consumer>)")
    .option("--event <key>", "only the dead letter of this event key (source:providerEventId)")
    .option("--dry-run", DRY_RUN)
    .action(async (consumer: string, options: { event?: string; dryRun?: boolean }, command: Command) =>
      (await import("../actions/operations.ts")).redriveCommand(consumer, options, command),
    );
  program
    .command("replay")
    .description("rewind a stopped consumer, so it reads its topics again (effects are idempotent: nothing repeats)")
    .argument("<consumer>", "the consumer's name")
    .option("--from-beginning", "from the start of each topic")
    .option("--since <when>", "from the first message at or after 2h, 30m, 3d ago or an ISO time")
    .option("--topics <a,b>", "the topics to rewind (default: those the group has committed offsets on)")
    .option("--dry-run", DRY_RUN)
    .action(async (consumer: string, options: ReplayOptions, command: Command) =>
      (await import("../actions/operations.ts")).replayCommand(consumer, options, command),
    );
  program
    .command("release")
    .description("list the keys held behind a failed event, or stop one waiting for a dead letter nobody will redrive")
    .argument("<consumer>", "the consumer's name")
    .option("--key <message key>", "the key to release (without it: list the held keys)")
    .option("--dry-run", DRY_RUN)
    .action(async (consumer: string, options: { key?: string; dryRun?: boolean }, command: Command) =>
      (await import("../actions/operations.ts")).releaseCommand(consumer, options, command),
    );
  registerReconcile(program);
}
