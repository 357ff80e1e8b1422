// `hooklog listen`: forwards each event of the log to a local endpoint, in order, through Kafka
// restarts and an endpoint that is down, for as long as it runs.
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseStartPoint, type StartPoint } from "../start-point.ts";
import { collectList } from "../topics.ts";

export interface ListenOptions {
  forwardTo: string;
  source?: string[];
  types?: string[];
  from: StartPoint;
  secret?: string;
}

const endpointUrl = (text: string): string => {
  const url = URL.parse(text);
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new InvalidArgumentError(`expected an http(s) URL, such as http://localhost:4000/webhooks (got ${text})`);
  // fetch refuses a URL with credentials in it: every event would fail.
  if (url.username || url.password) throw new InvalidArgumentError("a URL with a user or password in it cannot be fetched; give the endpoint without them");
  return url.href;
};

export function registerListen(program: Command): void {
  program
    .command("listen")
    .summary("forward the log's events to a local endpoint")
    .description(
      "Forwards each event of the log to a local endpoint as it arrives: the provider's body byte for byte, signed with Standard Webhooks headers (webhook-id is the hub event id), plus hooklog-source, hooklog-event-type, hooklog-event-id, hooklog-provider-event-id and hooklog-origin. Events reconciliation backfills are forwarded like the webhooks ingest takes. An endpoint that is down or answers 5xx (or 408, 429) gets the event again with backoff, and the events after it wait: order is kept. Runs until Ctrl-C.",
    )
    .requiredOption("--forward-to <url>", "where to POST each event, e.g. http://localhost:4000/webhooks", endpointUrl)
    .option("--source <name>", "only this source's events, repeatable (default: every source)", collectList)
    .option("--types <types>", "only these event types, comma-separated or repeated", collectList)
    .addOption(
      new Option("--from <when>", "where in the log to start: now, beginning, a duration back (2h, 30m, 3d) or an ISO time")
        .default({ kind: "now" }, "now")
        .argParser(parseStartPoint),
    )
    .option("--secret <secret>", "sign with this Standard Webhooks secret, whsec_ and base64 (default: a new one, printed at start)")
    .action(async (options: ListenOptions, command: Command) => (await import("../actions/listen.ts")).listen(options, command));
}
