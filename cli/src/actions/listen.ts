// What `hooklog listen` does (commands/listen.ts declares it): forwards each event of the log to a
// local endpoint, in order, through Kafka restarts and an endpoint that is down, until Ctrl-C.
import { providerModule, signStandardWebhook } from "@hooklog/providers";
import type { Command } from "commander";
import type { ListenOptions } from "../commands/listen.ts";
import { UsageError } from "../errors.ts";
import { createForwarder, headerValue } from "../forwarder.ts";
import { untilInterrupted } from "../interrupt.ts";
import { LogReader } from "../log-reader.ts";
import { contextOf } from "../program.ts";
import { readerFailure } from "../reader-errors.ts";
import { selectedSources } from "../topics.ts";

/** Checked by signing once, so a bad secret is a usage error before anything is read, not a failure at the first event. */
function signingSecret(secret: string): void {
  try {
    signStandardWebhook(secret, "check", 0, Buffer.alloc(0));
  } catch (error) {
    throw new UsageError(
      `--secret: ${(error as Error).message}`,
      "give a Standard Webhooks secret, whsec_ followed by base64 (as this command prints when it makes one), or none",
    );
  }
}

export async function listen(options: ListenOptions, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  if (options.secret) signingSecret(options.secret);
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
}
