// `hooklog tail`: the log's events, decoded, one line each (or one JSON object each).
import { Option, type Command } from "commander";
import { parseStartPoint, type StartPoint } from "../start-point.ts";
import { collectList } from "../topics.ts";

export interface TailOptions {
  source?: string[];
  type?: string[];
  since: StartPoint;
  follow?: boolean;
}

export function registerTail(program: Command): void {
  program
    .command("tail")
    .summary("print the log's events")
    .description(
      "Prints the events of the log, decoded: one line each, or with --json one object each (the envelope, its position, and the payload, parsed when it is JSON). Stops at the end of the log unless --follow.",
    )
    .option("--source <name>", "only this source's events, repeatable (default: every source)", collectList)
    .option("--type <type>", "only this event type, repeatable or comma-separated", collectList)
    .addOption(
      new Option("--since <when>", "where to start: a duration back (10m, 2h, 3d), an ISO time, beginning or now")
        .default({ kind: "time", at: new Date(Date.now() - 3_600_000) }, "1h")
        .argParser(parseStartPoint),
    )
    .option("-f, --follow", "keep printing events as they arrive, until Ctrl-C")
    .action(async (options: TailOptions, command: Command) => (await import("../actions/tail.ts")).tail(options, command));
}
