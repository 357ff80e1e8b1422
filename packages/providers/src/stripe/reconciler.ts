// Stripe: list the events of the window through the Events API and write those the log lacks.
// https://docs.stripe.com/api/events/list — newest first, 30 days of history, `types` up to 20.
// The SDK pages (https://docs.stripe.com/api/pagination/auto); a page that fails is asked again
// through RetryBudget, after the last event read, since the SDK does not retry a 429.
import Stripe from "stripe";
import type { ReconcileRun, ReconciledSource, SourceReconciler } from "../api/reconciliation.ts";
import { RetryBudget, type RetryListener, type RetryPolicy } from "../api/retry.ts";
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
    // Off (the SDK still retries a closed connection once): failures are retried through RetryBudget,
    // where they are logged, counted and tested.
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
    const params: Stripe.EventListParams = {
      created: { gte: Math.floor(window.start.getTime() / 1000) },
      limit: PAGE_SIZE,
      ...(filterByApi ? { types: [...types] } : {}),
    };
    const gaps: FetchedEvent[] = [];
    // Only the missing events are kept, so a long window costs memory for its gaps, not its events.
    const keepMissing = async (listed: readonly Stripe.Event[]): Promise<void> => {
      if (listed.length === 0) return;
      tally.eventsSeen += listed.length;
      const missing = await run.missing(listed.map((event) => event.id));
      for (const event of listed) {
        if (!missing.has(event.id)) continue;
        // Read as ingest reads the event's webhook: the same facts, key and audit headers.
        const fetched = eventFromStripeApi(event);
        if (fetched) gaps.push(fetched);
        else run.warn("stripe_event_unreadable", `${source.name}: event ${event.id} from the Events API has no type; not backfilled`);
      }
    };
    // The ledger is asked a page's worth at a time.
    let batch: Stripe.Event[] = [];
    for await (const event of this.#events(source.name, params)) {
      if (types !== undefined && !types.includes(event.type)) continue;
      batch.push(event);
      if (batch.length < PAGE_SIZE) continue;
      await keepMissing(batch);
      batch = [];
    }
    await keepMissing(batch);
    tally.gapsFound += gaps.length;
    // Stripe lists newest first; the log gets them oldest first, as the webhooks would have come.
    gaps.reverse();
    await run.write(gaps);
  }

  /** The events `params` lists, newest first; after a failed page the listing resumes after the last event read. */
  async *#events(sourceName: string, params: Stripe.EventListParams): AsyncGenerator<Stripe.Event> {
    const budget = new RetryBudget(describeStripeError, this.#deps.retry, this.#deps.onRetry);
    let after: string | undefined;
    for (;;) {
      try {
        for await (const event of this.#deps.stripe.events.list(after === undefined ? params : { ...params, starting_after: after })) {
          budget.succeeded();
          after = event.id;
          yield event;
        }
        return;
      } catch (error) {
        // Only the SDK's errors land here: an error of the caller's loop closes this generator instead.
        await budget.failed(`GET /v1/events for ${sourceName}${after === undefined ? "" : ` after ${after}`}`, error);
      }
    }
  }
}
