// What `hooklog tail` does (commands/tail.ts declares it): the log's events, decoded, one line each
// (or one JSON object each), to the end the log had at the start or, with --follow, until Ctrl-C.
import type { WebhookEvent } from "@hooklog/schemas";
import type { Command } from "commander";
import type { TailOptions } from "../commands/tail.ts";
import { envelopeJson } from "../envelope-json.ts";
import { untilInterrupted } from "../interrupt.ts";
import { LogReader, type LoggedEvent } from "../log-reader.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";
import { readerFailure } from "../reader-errors.ts";
import { selectedSources } from "../topics.ts";

export async function tail(options: TailOptions, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
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
  const envelope = envelopeJson(event);
  out.result(
    `${envelope.receivedAt}  ${event.source.padEnd(10)} ${event.type.padEnd(34)} ${event.providerEventId}  ${out.style("dim", `${event.id} ${event.origin} ${topic}/${partition}@${offset}`)}`,
    { ...envelope, topic, partition, offset, ...payloadForJson(event) },
  );
}
