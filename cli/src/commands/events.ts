// `hooklog events show <id>`: one event as the hub holds it — its envelope and payload, where it is
// in Kafka, and where each consumer stands with it.
import type { Command } from "commander";

export function registerEvents(program: Command): void {
  const events = program.command("events").description("look up events in the hub's log");
  events
    .command("show")
    .description("an event's envelope, payload, place in Kafka and each consumer's state for it")
    .argument("<id>", "the hub's event id (as ingest answered), or the provider's event id")
    .option("--source <name>", "the source, when a provider event id is in more than one")
    .action(async (id: string, options: { source?: string }, command: Command) => (await import("../actions/events.ts")).showEvent(id, options, command));
}
