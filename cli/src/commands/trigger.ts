// `hooklog trigger`: sample events signed as the provider signs them (the provider module's
// sampleDelivery, with the provider's own library where there is one), POSTed to ingest.
import { InvalidArgumentError, type Command } from "commander";
import type { Json } from "@hooklog/providers";

export interface TriggerOptions {
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
    .action(async (source: string | undefined, types: string[], options: TriggerOptions, command: Command) =>
      (await import("../actions/trigger.ts")).trigger(source, types, options, command),
    );
}
