// `hooklog tail`: the log's events, decoded, one line each (or one JSON object each).
import { Option, type Command } from "commander";
import type { WebhookEvent } from "@hooklog/schemas";
import { LogReader, parseStartPoint, type LoggedEvent, type StartPoint } from "../log-reader.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";
import { untilInterrupted } from "../interrupt.ts";
import { readerFailure } from "../reader-errors.ts";
import { collectList, selectedSources } from "../topics.ts";

interface TailOptions {
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
    .action(async (options: TailOptions, command: Command) => {
      const { hub, out } = contextOf(command);
      const topics = selectedSources(hub(), options.source ?? []).map((source) => source.topic);
      const types = new Set(options.type ?? []);
      let shown = 0;
      await untilInterrupted(async (signal) => {
        const reader = new LogReader({
          brokers: hub().kafkaBrokers,
          registryUrl: hub().schemaRegistryUrl,
          topics,
          from: options.since,
          follow: options.follow === true,
          purpose: "tail",
        });
        await readerFailure(hub(), topics, () =>
          reader.run(
            {
              event: async (logged) => {
                if (types.size > 0 && !types.has(logged.event.type)) return;
                shown += 1;
                printEvent(out, logged);
              },
              skipped: (position, reason) => out.warn(`passed over ${position.topic}/${position.partition}@${position.offset}: ${reason}`),
              status: (text) => out.warn(text),
            },
            signal,
          ),
        );
      });
      if (!out.json && !options.follow) out.info(`${shown} event(s)`);
    });
}

/** The payload as JSON when it is JSON, else base64 (with its encoding said), so --json output is always valid. */
export function payloadForJson(event: WebhookEvent): { payload: unknown; payloadEncoding: "json" | "base64" } {
  try {
    return { payload: JSON.parse(event.payload.toString("utf8")), payloadEncoding: "json" };
  } catch {
    // Not JSON (a form-encoded or binary body): base64 keeps every byte and the line valid JSON.
    return { payload: event.payload.toString("base64"), payloadEncoding: "base64" };
  }
}

function printEvent(out: Output, { topic, partition, offset, event }: LoggedEvent): void {
  const received = new Date(event.receivedAt).toISOString();
  out.result(
    `${received}  ${event.source.padEnd(10)} ${event.type.padEnd(34)} ${event.providerEventId}  ${out.style("dim", `${event.id} ${event.origin} ${topic}/${partition}@${offset}`)}`,
    {
      id: event.id,
      source: event.source,
      provider: event.provider,
      providerEventId: event.providerEventId,
      type: event.type,
      origin: event.origin,
      receivedAt: received,
      providerTimestamp: event.providerTimestamp === null ? null : new Date(event.providerTimestamp).toISOString(),
      topic,
      partition,
      offset,
      verification: event.verification,
      contentType: event.contentType,
      headers: event.headers,
      ...payloadForJson(event),
    },
  );
}
