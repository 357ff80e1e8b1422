import { defineConsumer, RetryLaterError, type ConsumerDefinition, type WebhookHandler } from "@hooklog/consumer-kit";
import {
  RouteConfigError,
  renderDelivery,
  routeConsumerName,
  routedEventOf,
  routeTakes,
  shownRequest,
  type DeliveryAttempt,
  type Destination,
  type Route,
} from "@hooklog/routes";
import { Circuit, type CircuitEvents } from "./circuit.ts";
import { DeliveryError, RetryAfterAnswer, deliver, isDestinationDown, type MailSender } from "./deliver.ts";

export interface RouteConsumerOptions {
  /** Consumer names are `<prefix>-<route>-<destination>`. */
  prefix: string;
  /** The topic each source's events are written to. */
  topicOf: (source: string) => string;
  retryBaseDelayMs: number;
  sendMail: MailSender | undefined;
  /** Keeps one attempt (never throws: a failure to keep it is the recorder's to report). */
  recordAttempt: (attempt: Omit<DeliveryAttempt, "attemptedAt">) => Promise<void>;
  /** What each destination's circuit tells: one warning when it opens, a line when it closes. */
  circuitEvents: (route: string, destination: string) => CircuitEvents;
}

/**
 * One consumer per route and destination: each destination has its own retries, dead letters and
 * order per key, so one that fails never holds up or repeats another.
 */
export function routeConsumers(routes: readonly Route[], options: RouteConsumerOptions): ConsumerDefinition[] {
  return routes.flatMap((route) => route.destinations.map((destination) => destinationConsumer(route, destination, options)));
}

function destinationConsumer(route: Route, destination: Destination, options: RouteConsumerOptions): ConsumerDefinition {
  const circuit = new Circuit(route.circuit, options.circuitEvents(route.name, destination.name));
  const handle: WebhookHandler = async (inbound, context) => {
    const event = routedEventOf(inbound.event, inbound.payload());
    if (!routeTakes(route, event)) return;
    // A mapping that fails is a MappingError (not retryable): the event goes to this destination's dead letters with its message.
    const delivery = await renderDelivery(route, destination, event);
    await context.once("deliver", async () => {
      const waitMs = circuit.admit();
      // Paused: the event waits for the destination without spending one of its attempts.
      if (waitMs !== undefined)
        throw new RetryLaterError(`${route.name}/${destination.name} is paused after failures in a row; waiting ${waitMs} ms`, waitMs, {
          countsAsAttempt: false,
        });
      const attempt = { route: route.name, destination: destination.name, eventId: inbound.event.id, request: shownRequest(delivery) };
      const started = performance.now();
      try {
        const answer = await deliver(delivery, options.sendMail);
        const { durationMs, ...response } = answer;
        await options.recordAttempt({ ...attempt, outcome: "delivered", response, error: null, durationMs });
        circuit.succeeded();
        context.logger.info({ route: route.name, destination: destination.name, status: answer.status, durationMs: Math.round(durationMs) }, "delivered");
        return { status: answer.status };
      } catch (error) {
        const response = error instanceof DeliveryError || error instanceof RetryAfterAnswer ? (error.response ?? null) : null;
        await options.recordAttempt({ ...attempt, outcome: "failed", response, error: (error as Error).message, durationMs: performance.now() - started });
        if (!isDestinationDown(error)) {
          // The destination answered: this event's own failure, which neither opens the circuit nor waits on it.
          circuit.answered();
          throw error;
        }
        circuit.failed(error as Error);
        // The destination is down, not this event at fault: while the circuit is open it waits for the next probe without spending an attempt.
        if (circuit.open)
          throw new RetryLaterError(`${route.name}/${destination.name} is paused: ${(error as Error).message}`, circuit.nextProbeInMs, {
            countsAsAttempt: false,
            cause: error,
          });
        throw error;
      }
    });
  };
  const name = routeConsumerName(options.prefix, route.name, destination.name);
  if (name.length > 63)
    throw new RouteConfigError(`routes.${route.name}: its consumer ${name} is past 63 characters; shorten the route's or the destination's name`);
  const on = Object.fromEntries((route.types ?? ["*"]).map((type) => [type, handle]));
  return defineConsumer({
    name,
    subscriptions: [...new Set(route.sources.map(options.topicOf))].map((topic) => ({ topic, on })),
    maxAttempts: route.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    ordering: "per-key",
  });
}
