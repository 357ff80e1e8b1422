// Stripe: list the events of the window through the Events API and write those the log lacks.
// https://docs.stripe.com/api/events/list — newest first, 30 days of history, `types` up to 20.
import Stripe from "stripe";
import type { ReconcileRun, ReconciledSource, SourceReconciler } from "../api/reconciliation.ts";
import { callWithRetries, type RetryListener, type RetryPolicy } from "../api/retry.ts";
import type { FetchedEvent } from "../provider.ts";
import { eventFromStripeApi } from "./api-events.ts";
import { describeStripeError } from "./api-errors.ts";
import type { StripeEndpoint } from "./api-settings.ts";

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
  retry: RetryPolicy;
  onRetry: RetryListener;
  now: () => number;
}

export class StripeReconciler implements SourceReconciler {
  readonly #deps: StripeReconcilerDeps;

  constructor(deps: StripeReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(source: ReconciledSource, run: ReconcileRun): Promise<void> {
    const { window, tally } = run;
    if (window.start.getTime() < this.#deps.now() - STRIPE_RETENTION_MS) {
      run.warn(
        "stripe_retention_exceeded",
        `the window starts ${window.start.toISOString()}, beyond Stripe's 30 days of event history: events before ${new Date(this.#deps.now() - STRIPE_RETENTION_MS).toISOString()} cannot be fetched and are not reconciled`,
      );
    }
    const types = source.eventTypes;
    const filterByApi = types !== undefined && types.length <= MAX_TYPES_FILTER;
    const gaps: FetchedEvent[] = [];
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
      const missing = await run.missing(listed.map((event) => event.id));
      for (const event of listed) {
        if (!missing.has(event.id)) continue;
        // Read as ingest reads the event's webhook: the same facts, key and audit headers.
        const fetched = eventFromStripeApi(event);
        if (fetched) gaps.push(fetched);
        else run.warn("stripe_event_unreadable", `${source.name}: event ${event.id} from the Events API has no type; not backfilled`);
      }
      const last = page.data.at(-1);
      if (!page.has_more || !last) break;
      startingAfter = last.id;
    }
    tally.gapsFound += gaps.length;
    // Stripe lists newest first; the log gets them oldest first, as the webhooks would have come.
    gaps.reverse();
    await run.write(gaps);
  }
}
