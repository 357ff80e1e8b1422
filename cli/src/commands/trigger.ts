// `hooklog trigger`: sample events signed as the provider signs them (the provider module's
// sampleDelivery, with the provider's own library where there is one), POSTed to ingest.
import { InvalidArgumentError, type Command } from "commander";
import { newSampleRelations, providerModule, type Json, type SampleRelations, type SignedDelivery } from "@hooklog/providers";
import type { SourceConfig } from "@hooklog/sources";
import { CliError, UsageError } from "../errors.ts";
import type { Hub } from "../hub.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";

interface TriggerOptions {
  set?: Array<{ path: string; value: Json }>;
  count: number;
  redeliver: number;
  list?: boolean;
}

/** `path=value`: the value is JSON when it reads as JSON (4200, true, {"a":1}, "text"), else the text as a string. */
export function parseSetting(text: string, previous: Array<{ path: string; value: Json }> = []): Array<{ path: string; value: Json }> {
  const at = text.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected path=value, such as data.object.amount_paid=4200 (got ${JSON.stringify(text)})`);
  const raw = text.slice(at + 1);
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    // Not JSON: the text itself, so --set data.object.currency=eur needs no quotes.
    value = raw;
  }
  return [...previous, { path: text.slice(0, at), value }];
}

const positiveCount = (name: string, min: number) => (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > 10_000) throw new InvalidArgumentError(`${name} is a whole number from ${min} to 10000`);
  return value;
};

export function registerTrigger(program: Command): void {
  program
    .command("trigger")
    .summary("send signed sample events to ingest")
    .description(
      "Sends sample events of a source's provider, signed with the source's secret as the provider signs them, to <ingest>/webhooks/<source>, and prints each answer with the event's ids. Several types are sent in order and share ids as the provider's related events do (the invoice's payment intent is the one payment_intent.succeeded names; one pull request from opened to merged).",
    )
    .argument("[source]", "a source of hooklog.config.yaml (stripe, github, ...)")
    .argument("[types...]", "event types, in the order to send them (hooklog trigger --list shows them)")
    .option(
      "--set <path=value>",
      "override a field of every sample sent, before signing, repeatable: data.object.amount_paid=4200 (values are JSON, else text; a missing key is made)",
      parseSetting,
    )
    .option("--count <n>", "send the whole sequence n times, each with fresh ids", positiveCount("--count", 1), 1)
    .option("--redeliver <k>", "send each delivery k more times, unchanged, as a provider's retries and resends do", positiveCount("--redeliver", 0), 0)
    .option("--list", "list the sources and the sample types of each")
    .addHelpText(
      "after",
      "\nExamples:\n  hooklog trigger stripe invoice.paid\n  hooklog trigger stripe invoice.paid --set data.object.amount_paid=4200\n  hooklog trigger stripe invoice.payment_failed invoice.paid\n  hooklog trigger github pull_request.opened pull_request.synchronize pull_request.closed:merged\n  hooklog trigger acme order.shipped --count 10\n\nThe ingest URL is HOOKLOG_INGEST_URL, else http://127.0.0.1:$INGEST_PORT (3000); the secret is <SOURCE>_WEBHOOK_SECRET, else the development secret npm start generated.",
    )
    .action(async (source: string | undefined, types: string[], options: TriggerOptions, command: Command) => {
      const { hub, out } = contextOf(command);
      if (options.list) return listSamples(hub(), out, source);
      if (!source || types.length === 0)
        throw new UsageError(
          "trigger needs a source and at least one event type",
          "hooklog trigger --list shows them, e.g. hooklog trigger stripe invoice.paid",
        );
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
    });
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
