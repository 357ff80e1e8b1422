// Stripe: list the events of the window through the Events API and write those the log lacks.
// https://docs.stripe.com/api/events/list — newest first, 30 days of history, `types` up to 20.
import Stripe from "stripe";
import type { Context } from "@hooklog/telemetry";
import type { SourceConfig } from "@hooklog/sources";
import type { BackfillEvent, BackfillWriter } from "./backfill-writer.ts";
import type { StripeEndpoint } from "./config.ts";
import { callWithRetries, describeStripeError, type RetryListener, type RetryPolicy } from "./rate-limit.ts";
import { warning, type RunTally } from "./run-result.ts";
import type { RunWindow } from "./window.ts";

/** Stripe keeps events for 30 days; older ones cannot be listed. */
export const STRIPE_RETENTION_MS = 30 * 86_400_000;
const PAGE_SIZE = 100;
/** The Events API takes at most 20 `types`; a longer list is filtered here instead. */
const MAX_TYPES_FILTER = 20;

export function createStripeClient(apiKey: string, endpoint: StripeEndpoint | undefined): Stripe {
  return new Stripe(apiKey, {
    // Off: rate limits are retried by callWithRetries, where they are logged, counted and tested.
    maxNetworkRetries: 0,
    timeout: 30_000,
    telemetry: false,
    appInfo: { name: "hooklog-reconciliation" },
    ...(endpoint ? { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol } : {}),
  });
}

export interface StripeReconcilerDeps {
  stripe: Stripe;
  writer: BackfillWriter;
  retry: RetryPolicy;
  onRetry: RetryListener;
  now: () => number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** The envelope facts ingest would have taken from the webhook of the same event. */
function backfillEvent(event: Stripe.Event, requestId: string | undefined): BackfillEvent {
  const data: unknown = event.data;
  const object = isObject(data) && isObject(data.object) ? data.object : undefined;
  const objectId = typeof object?.id === "string" && object.id.length > 0 ? object.id : undefined;
  return {
    providerEventId: event.id,
    type: event.type,
    providerTimestamp: event.created * 1000,
    partitionKey: objectId ?? event.id,
    // The event object as the API returned it; the SDK's response metadata is not enumerable.
    payload: Buffer.from(JSON.stringify(event), "utf8"),
    contentType: "application/json",
    headers: requestId ? { "stripe-request-id": requestId } : {},
  };
}

export class StripeReconciler {
  readonly #deps: StripeReconcilerDeps;

  constructor(deps: StripeReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(source: SourceConfig, window: RunWindow, tally: RunTally, runContext: Context): Promise<void> {
    if (window.start.getTime() < this.#deps.now() - STRIPE_RETENTION_MS) {
      tally.problems.push(
        warning(
          "stripe_retention_exceeded",
          `the window starts ${window.start.toISOString()}, beyond Stripe's 30 days of event history: events before ${new Date(this.#deps.now() - STRIPE_RETENTION_MS).toISOString()} cannot be fetched and are not reconciled`,
        ),
      );
    }
    const types = source.eventTypes;
    const filterByApi = types !== undefined && types.length <= MAX_TYPES_FILTER;
    const gaps: BackfillEvent[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const params: Stripe.EventListParams = {
        created: { gte: Math.floor(window.start.getTime() / 1000) },
        limit: PAGE_SIZE,
        ...(filterByApi ? { types: [...types] } : {}),
        ...(startingAfter ? { starting_after: startingAfter } : {}),
      };
      const page = await callWithRetries(
        `GET /v1/events for ${source.name}${startingAfter ? ` after ${startingAfter}` : ""}`,
        () => this.#deps.stripe.events.list(params),
        describeStripeError,
        this.#deps.retry,
        this.#deps.onRetry,
      );
      const listed = types === undefined ? page.data : page.data.filter((event) => types.includes(event.type));
      tally.eventsSeen += listed.length;
      // Only the missing events are kept, so a long window costs memory for its gaps, not its events.
      const missing = await this.#deps.writer.missing(source.name, listed.map((event) => event.id));
      for (const event of listed) if (missing.has(event.id)) gaps.push(backfillEvent(event, page.lastResponse?.requestId));
      const last = page.data.at(-1);
      if (!page.has_more || !last) break;
      startingAfter = last.id;
    }
    tally.gapsFound += gaps.length;
    // Stripe lists newest first; the log gets them oldest first, as the webhooks would have come.
    gaps.reverse();
    await this.#deps.writer.write(source, gaps, runContext, tally);
  }
}
