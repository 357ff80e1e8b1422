// `hooklog listen`: forwards each event of the log to a local endpoint, in order, through Kafka
// restarts and an endpoint that is down, for as long as it runs.
import { InvalidArgumentError, Option, type Command } from "commander";
import { providerModule, signStandardWebhook } from "@hooklog/providers";
import { createForwarder, headerValue } from "../forwarder.ts";
import { LogReader, parseStartPoint, type StartPoint } from "../log-reader.ts";
import { contextOf } from "../program.ts";
import { collectList, selectedSources } from "../topics.ts";
import { untilInterrupted } from "../interrupt.ts";
import { readerFailure } from "../reader-errors.ts";

interface ListenOptions {
  forwardTo: string;
  source?: string[];
  types?: string[];
  from: StartPoint;
  secret?: string;
}

/** A secret the signer can use: checked by signing once, so a bad one is a usage error, not a failure mid-run. */
const signingSecret = (text: string): string => {
  try {
    signStandardWebhook(text, "check", 0, Buffer.alloc(0));
  } catch (error) {
    throw new InvalidArgumentError(
      `${(error as Error).message} (a Standard Webhooks secret is whsec_ followed by base64, as this command prints when it makes one)`,
    );
  }
  return text;
};

const endpointUrl = (text: string): string => {
  const url = URL.parse(text);
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new InvalidArgumentError(`expected an http(s) URL, such as http://localhost:4000/webhooks (got ${text})`);
  return url.href;
};

export function registerListen(program: Command): void {
  program
    .command("listen")
    .summary("forward the log's events to a local endpoint")
    .description(
      "Forwards each event of the log to a local endpoint as it arrives: the provider's body byte for byte, signed with Standard Webhooks headers (webhook-id is the hub event id), plus hooklog-source, hooklog-event-type, hooklog-event-id, hooklog-provider-event-id and hooklog-origin. Events backfilled by reconciliation, replayed or redriven are forwarded like any other. An endpoint that is down or answers 5xx (or 408, 429) gets the event again with backoff, and the events after it wait: order is kept. Runs until Ctrl-C.",
    )
    .requiredOption("--forward-to <url>", "where to POST each event, e.g. http://localhost:4000/webhooks", endpointUrl)
    .option("--source <name>", "only this source's events, repeatable (default: every source)", collectList)
    .option("--types <types>", "only these event types, comma-separated or repeated", collectList)
    .addOption(
      new Option("--from <when>", "where in the log to start: now, beginning, a duration back (2h, 30m, 3d) or an ISO time")
        .default({ kind: "now" }, "now")
        .argParser(parseStartPoint),
    )
    .option("--secret <secret>", "sign with this Standard Webhooks secret, whsec_ and base64 (default: a new one, printed at start)", signingSecret)
    .action(async (options: ListenOptions, command: Command) => {
      const { hub, out } = contextOf(command);
      const sources = selectedSources(hub(), options.source ?? []);
      const secret = options.secret ?? providerModule("standard-webhooks").newSecret();
      const types = new Set(options.types ?? []);
      const topics = sources.map((source) => source.topic);
      const from = options.from.kind === "time" ? options.from.at.toISOString() : options.from.kind;

      await untilInterrupted(async (signal) => {
        const forward = createForwarder({
          url: options.forwardTo,
          secret,
          onRetry: ({ event }, attempt, waitMs) =>
            out.info(
              `${new Date().toISOString()}  ${event.type}  ${event.id}  ${out.style("yellow", attempt.status === undefined ? `no answer (${attempt.error})` : String(attempt.status))}  attempt ${attempt.attempt}, again in ${waitMs / 1000} s`,
            ),
        });
        const reader = new LogReader({
          brokers: hub().kafkaBrokers,
          registryUrl: hub().schemaRegistryUrl,
          topics,
          from: options.from,
          follow: true,
          purpose: "listen",
        });
        await readerFailure(hub(), topics, () =>
          reader.run(
            {
              event: async (logged, heartbeat) => {
                if (types.size > 0 && !types.has(logged.event.type)) return;
                const result = await forward(logged, signal, heartbeat);
                // Cut short by Ctrl-C: not a delivery, and the reader stops here.
                if (!result.final) return;
                const { event } = logged;
                const status = result.status === undefined ? "not sent" : String(result.status);
                if (!result.delivered)
                  out.warn(`${event.type} ${event.id}: ${status}${result.error ? ` ${result.error}` : ""}; not delivered, going on with the next event`);
                out.result(
                  `${new Date().toISOString()}  ${headerValue(event.type)}  ${event.id}  ${out.style(result.delivered ? "green" : "red", status)}  ${result.ms} ms${result.attempt > 1 ? ` (attempt ${result.attempt})` : ""}`,
                  {
                    at: new Date().toISOString(),
                    source: event.source,
                    type: event.type,
                    eventId: event.id,
                    providerEventId: event.providerEventId,
                    origin: event.origin,
                    topic: logged.topic,
                    partition: logged.partition,
                    offset: logged.offset,
                    status: result.status ?? null,
                    delivered: result.delivered,
                    ...(result.error ? { error: result.error } : {}),
                    attempts: result.attempt,
                    ms: result.ms,
                  },
                );
              },
              skipped: (position, reason) => out.warn(`passed over ${position.topic}/${position.partition}@${position.offset}: ${reason}`),
              status: (text) => out.warn(text),
              ready: () => {
                out.info(
                  `Ready: forwarding ${sources.map((source) => source.name).join(", ")} (${topics.join(", ")}) from ${from} to ${options.forwardTo}${types.size > 0 ? `, types ${[...types].join(", ")}` : ""}. Ctrl-C stops.`,
                );
                if (!options.secret) out.info(`Signing secret ${secret} (Standard Webhooks; pass --secret ${secret} to keep it next time)`);
              },
            },
            signal,
          ),
        );
      });
    });
}
