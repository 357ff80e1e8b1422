// What `hooklog trigger` does (commands/trigger.ts declares it): sample events signed as the
// provider signs them (the provider module's sampleDelivery, with the provider's own library where
// there is one), POSTed to ingest.
import { newSampleRelations, providerModule, type SampleRelations, type SignedDelivery } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import type { Command } from "commander";
import type { TriggerOptions } from "../commands/trigger.ts";
import { CliError, UsageError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";

export async function trigger(source: string | undefined, types: string[], options: TriggerOptions, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  if (options.list) return listSamples(hub(), out, source);
  if (!source || types.length === 0)
    throw new UsageError("trigger needs a source and at least one event type", "hooklog trigger --list shows them, e.g. hooklog trigger stripe invoice.paid");
  const config = hub().source(source);
  const provider = providerModule(config.provider);
  for (const type of types) {
    if (!provider.anySampleType && !provider.sampleTypes.includes(type))
      throw new UsageError(`${source} (${config.provider}) has no sample of type ${type}`, `use one of ${provider.sampleTypes.join(", ")}`);
  }
  let failed = 0;
  for (let round = 0; round < options.count; round += 1) {
    const related = newSampleRelations();
    for (const type of types) {
      const delivery = await signedSample(hub(), config, type, options, related);
      for (let attempt = 0; attempt <= options.redeliver; attempt += 1) {
        if (!(await post(hub(), out, config, delivery, attempt > 0))) failed += 1;
      }
    }
  }
  if (failed > 0) {
    throw new CliError(
      `${failed} deliver${failed === 1 ? "y was" : "ies were"} not accepted`,
      "read the answers above; a 401 means ingest holds another secret than this command (set the source's <SOURCE>_WEBHOOK_SECRET to ingest's)",
    );
  }
}

async function signedSample(hub: Hub, source: SourceConfig, type: string, options: TriggerOptions, related: SampleRelations): Promise<SignedDelivery> {
  try {
    return await providerModule(source.provider).sampleDelivery(type, {
      secret: hub.signingSecret(source),
      options: source.options,
      set: options.set ?? [],
      related,
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new UsageError(
      `cannot make a ${type} sample for ${source.name}: ${(error as Error).message}`,
      "check the --set paths against the sample (hooklog trigger --list; hooklog tail --json shows a sent one)",
    );
  }
}

/** POSTs one delivery and prints the answer; false when ingest did not accept it. */
async function post(hub: Hub, out: Output, source: SourceConfig, delivery: SignedDelivery, redelivery: boolean): Promise<boolean> {
  const url = `${hub.ingestUrl}/webhooks/${source.name}`;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.rawBody, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`ingest did not answer at ${url} (${reason})`, "start the hub with npm start, or point HOOKLOG_INGEST_URL at your ingest");
  }
  const ms = Math.round(performance.now() - started);
  const text = await response.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // Not every answer is JSON (a proxy's error page): it is printed as it came.
  }
  const eventId = (answer as { eventId?: unknown } | null)?.eventId;
  const status = (answer as { status?: unknown } | null)?.status;
  const accepted = response.status >= 200 && response.status < 300;
  const summary = accepted
    ? `${String(status ?? "ok")}${typeof eventId === "string" ? ` as ${eventId}` : ""}`
    : `${(answer as { error?: { message?: string } } | null)?.error?.message ?? text.slice(0, 200)}`;
  out.result(
    `${out.style(accepted ? "green" : "red", String(response.status))} ${delivery.type} ${delivery.providerEventId}${redelivery ? " (redelivered)" : ""}: ${summary} ${out.style("dim", `${ms} ms`)}`,
    {
      source: source.name,
      type: delivery.type,
      providerEventId: delivery.providerEventId,
      redelivery,
      status: response.status,
      answer,
      eventId: eventId ?? null,
      ms,
    },
  );
  return accepted;
}

function listSamples(hub: Hub, out: Output, only: string | undefined): void {
  const sources = only ? [hub.source(only)] : hub.sources;
  for (const source of sources) {
    const provider = providerModule(source.provider);
    const samples = provider.sampleTypes.map((type) => ({ type, description: provider.sampleDescription(type) }));
    const any = provider.anySampleType ? "  (any other type too: a generic payload)" : "";
    out.result([`${source.name} (${source.provider})${any}`, ...samples.map((sample) => `  ${sample.type.padEnd(36)} ${sample.description}`)].join("\n"), {
      source: source.name,
      provider: source.provider,
      anyType: provider.anySampleType,
      samples,
    });
  }
}
