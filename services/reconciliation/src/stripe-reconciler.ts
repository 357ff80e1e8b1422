// Stripe: list the events of the window through the Events API and write those the log lacks.
// https://docs.stripe.com/api/events/list — newest first, 30 days of history, `types` up to 20.
import Stripe from "stripe";
import { eventFromStripeApi } from "@hooklog/providers";
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
      for (const event of listed) {
        if (!missing.has(event.id)) continue;
        // The provider module reads the event as ingest reads its webhook: the same facts, key and headers.
        const fetched = eventFromStripeApi(event);
        if (fetched) gaps.push(fetched);
        else tally.problems.push(warning("stripe_event_unreadable", `${source.name}: event ${event.id} from the Events API has no type; not backfilled`));
      }
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
