// What `hooklog routes list` and `hooklog routes test` do (commands/routes.ts declares them).
import { consumerStateCounts, parseWebhookPayload } from "@hooklog/consumer-kit";
import { SchemaRegistryClient } from "@hooklog/kafka";
import type { WebhookEvent } from "@hooklog/schemas";
import {
  loadRoutes,
  MappingError,
  renderDelivery,
  routeCircuits,
  routeConsumerName,
  routedEventOf,
  routeTakes,
  shownRequest,
  type Destination,
  type Route,
} from "@hooklog/routes";
import { defaultConfigPath } from "@hooklog/sources";
import type { Command } from "commander";
import { connectAdmin, kafkaFailure, openDatabase, openKafka, query } from "../connections.ts";
import { CliError, UsageError } from "../errors.ts";
import { findInLedger, locateEvent } from "../event-lookup.ts";
import type { Hub } from "../hub.ts";
import { contextOf } from "../program.ts";

/** The routes as the service would read them, rendered unsigned where a secret is not set here. */
function routesOf(hub: Hub): Route[] {
  try {
    return loadRoutes(process.env.HOOKLOG_CONFIG ?? defaultConfigPath, {
      sources: hub.sources.map((source) => source.name),
      env: process.env,
      missingSecrets: "omit",
    });
  } catch (error) {
    throw new CliError((error as Error).message, "fix the route it names in hooklog.config.yaml, then run the command again");
  }
}

const consumerPrefix = (): string => process.env.ROUTES_CONSUMER_PREFIX ?? "route";

function target(destination: Destination): string {
  switch (destination.kind) {
    case "url":
      return destination.url;
    case "slack":
      return `Slack, ${new URL(destination.webhookUrl).origin}`;
    case "email":
      return `email to ${destination.to.expression}`;
  }
}

export async function listRoutes(command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  const routes = routesOf(hub());
  const db = openDatabase(hub());
  try {
    const circuits = await query(hub(), () => routeCircuits(db));
    const listed = await query(hub(), () =>
      Promise.all(
        routes.map(async (route) => ({
          name: route.name,
          sources: route.sources,
          types: route.types ?? null,
          unsetSecrets: route.unsetSecrets,
          destinations: await Promise.all(
            route.destinations.map(async (destination) => {
              const consumer = routeConsumerName(consumerPrefix(), route.name, destination.name);
              const { counts } = await consumerStateCounts(db, consumer);
              const circuit = circuits.get(consumer);
              return {
                name: destination.name,
                kind: destination.kind,
                target: target(destination),
                consumer,
                counts,
                circuit: circuit?.open
                  ? { open: true, openedAt: circuit.openedAt?.toISOString() ?? null, failures: circuit.failures, lastError: circuit.lastError }
                  : { open: false },
              };
            }),
          ),
        })),
      ),
    );
    const lines = listed.flatMap((route) => [
      `${out.style("bold", route.name)}  from ${route.sources.join(", ")}${route.types ? ` (${route.types.join(", ")})` : " (every type)"}${route.unsetSecrets.length > 0 ? `  ${out.style("dim", `unset here: ${route.unsetSecrets.join(", ")}`)}` : ""}`,
      ...route.destinations.map(
        (destination) =>
          `  ${destination.name.padEnd(14)} ${destination.target}  ${out.style("dim", `${destination.counts.processed} delivered, ${destination.counts.retrying} retrying, ${destination.counts.dead_lettered} dead-lettered, ${destination.counts.parked} waiting behind a failed event`)}${destination.circuit.open ? `  ${out.style("bold", `PAUSED since ${destination.circuit.openedAt ?? "?"} after ${destination.circuit.failures} failures: ${destination.circuit.lastError ?? ""}`)}` : ""}`,
      ),
    ]);
    out.result(routes.length === 0 ? "no routes in hooklog.config.yaml (see the README's Routes section)" : lines.join("\n"), listed);
  } finally {
    await db.destroy();
  }
}

export async function testRoute(name: string, options: { event: string; source?: string }, command: Command): Promise<void> {
  const { hub, out } = await contextOf(command);
  const routes = routesOf(hub());
  const route = routes.find((candidate) => candidate.name === name);
  if (!route)
    throw new UsageError(
      `no route ${name} in hooklog.config.yaml`,
      routes.length > 0 ? `the routes are ${routes.map((each) => each.name).join(", ")}` : "declare one under routes: (see the README)",
    );
  const db = openDatabase(hub());
  const kafka = openKafka(hub());
  try {
    const entry = await query(hub(), () => findInLedger(db, options.event, options.source));
    const admin = await connectAdmin(hub(), kafka);
    const progress = out.progress(`looking for event ${entry.eventId} in ${entry.topic}`);
    let event: WebhookEvent;
    try {
      ({ event } = await locateEvent(kafka, admin, new SchemaRegistryClient(hub().schemaRegistryUrl), entry, progress));
      progress.done(`found ${entry.eventId}`);
    } catch (error) {
      progress.done(`gave up looking for ${entry.eventId}`);
      throw kafkaFailure(hub(), error);
    } finally {
      await admin.disconnect();
    }
    const routed = routedEventOf(event, parseWebhookPayload(event.contentType, event.payload));
    const takes = routeTakes(route, routed);
    const deliveries = takes
      ? await Promise.all(
          route.destinations.map((destination) =>
            renderDelivery(route, destination, routed).catch((error: unknown) => (error instanceof MappingError ? error : Promise.reject(error))),
          ),
        )
      : [];
    const shown = {
      route: route.name,
      event: event.id,
      takes,
      unsetSecrets: route.unsetSecrets,
      deliveries: deliveries.map((delivery) => (delivery instanceof MappingError ? { error: delivery.message } : shownRequest(delivery))),
    };
    const lines = [
      `${out.style("bold", `route ${route.name}`)}, event ${event.id} (${event.source} ${event.type}): ${takes ? "taken (its sources, types and filter match)" : "not taken (its sources, types or filter do not match); nothing would be sent"}`,
      ...(route.unsetSecrets.length > 0 ? [out.style("dim", `not set here, so shown unsigned or without them: ${route.unsetSecrets.join(", ")}`)] : []),
      ...shown.deliveries.flatMap((delivery, index) => {
        const destination = route.destinations[index]?.name ?? "?";
        if ("error" in delivery) return [`  ${destination}: would dead-letter: ${delivery.error}`];
        if (delivery.kind === "email") return [`  ${destination}: email to ${delivery.to}, subject ${JSON.stringify(delivery.subject)}`, indent(delivery.text)];
        return [
          `  ${destination}: POST ${delivery.url}`,
          ...Object.entries(delivery.headers).map(([header, value]) => `    ${header}: ${value}`),
          indent(delivery.body + (delivery.bodyBytes > delivery.body.length ? `… (${delivery.bodyBytes} bytes)` : "")),
        ];
      }),
      out.style("dim", "nothing was sent"),
    ];
    out.result(lines.join("\n"), shown);
  } finally {
    await db.destroy();
  }
}

const indent = (text: string): string =>
  text
    .split("\n")
    .map((line) => `      ${line}`)
    .join("\n");
