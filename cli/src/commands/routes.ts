// `hooklog routes list` and `hooklog routes test <route> --event <id>`: the routes of hooklog.config.yaml,
// each destination's state, and what a route would send for a stored event, without sending it.
import type { Command } from "commander";

export function registerRoutes(program: Command): void {
  const routes = program.command("routes").description("the routes of hooklog.config.yaml: their state, and what they would send");
  routes
    .command("list")
    .description("each route, its destinations and where each stands (events delivered, retrying, dead-lettered)")
    .action(async (_options: unknown, command: Command) => (await import("../actions/routes.ts")).listRoutes(command));
  routes
    .command("test")
    .description("render what a route would send for a stored event — its filter's answer and each destination's request — sending nothing")
    .argument("<route>", "the route's name in hooklog.config.yaml")
    .requiredOption("--event <id>", "the hub's event id (as ingest answered), or the provider's event id")
    .option("--source <name>", "the source, when a provider event id is in more than one")
    .action(async (route: string, options: { event: string; source?: string }, command: Command) =>
      (await import("../actions/routes.ts")).testRoute(route, options, command),
    );
}
