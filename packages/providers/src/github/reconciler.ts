// GitHub: find the deliveries of each configured hook that failed and were never delivered since,
// and recover each once: by asking GitHub to redeliver it (default), or by writing its payload to
// the log ourselves (RECONCILIATION_GITHUB_MODE=fetch). A delivery GitHub has already redelivered
// RECONCILIATION_GITHUB_MAX_REDELIVERIES times is reported instead, and left alone.
import type { Logger } from "@hooklog/logging";
import type { ReconcileRun, ReconciledSource, SourceReconciler } from "../api/reconciliation.ts";
import { ProviderApiError } from "../api/retry.ts";
import type { FetchedEvent } from "../provider.ts";
import { deliverySucceeded, hookName, type Delivery, type GitHubApi, type GitHubHook } from "./api-client.ts";
import { eventFromGitHubDelivery } from "./deliveries.ts";
import { githubHooksOf } from "./options.ts";
import { countRedeliveries, publishRedeliveryGivenUp } from "./redelivery-limit.ts";

/** GitHub keeps a hook's deliveries for 3 days. https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/viewing-webhook-deliveries */
export const GITHUB_RETENTION_MS = 3 * 86_400_000;

export interface GitHubReconcilerDeps {
  api: GitHubApi;
  mode: "redeliver" | "fetch";
  /** Redeliveries GitHub lists for one guid before it is reported instead of asked for again. */
  maxRedeliveries: number;
  logger: Logger;
  now: () => number;
}

/** A delivery guid that failed every time within the window: what to recover, and every attempt id seen. */
interface Gap {
  guid: string;
  latest: Delivery;
  first: Delivery;
  attemptIds: Set<number>;
}

/** Failed guids, oldest first; a guid with any successful delivery (a redelivery that got through) is not a gap. */
function findGaps(deliveries: readonly Delivery[]): Gap[] {
  const byGuid = new Map<string, Delivery[]>();
  for (const delivery of deliveries) byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
  const gaps: Gap[] = [];
  for (const [guid, attempts] of byGuid) {
    if (attempts.some(deliverySucceeded)) continue;
    const sorted = attempts.toSorted((a, b) => a.deliveredAt - b.deliveredAt || a.id - b.id);
    gaps.push({ guid, first: sorted[0] as Delivery, latest: sorted.at(-1) as Delivery, attemptIds: new Set(sorted.map((attempt) => attempt.id)) });
  }
  return gaps.sort((a, b) => a.first.deliveredAt - b.first.deliveredAt);
}

export class GitHubReconciler implements SourceReconciler {
  readonly #deps: GitHubReconcilerDeps;
  /**
   * Redeliveries this instance asked for, by hook and guid, with the attempt ids GitHub listed then.
   * A guid is asked again only once GitHub lists a newer attempt that failed too: a redelivery GitHub
   * has accepted but not yet listed is never requested twice. Kept in memory: after a restart, or on
   * another instance, such a guid may be asked for once more, and ingest answers the second copy duplicate.
   */
  readonly #requested = new Map<string, { at: number; attemptIds: Set<number> }>();

  constructor(deps: GitHubReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(source: ReconciledSource, run: ReconcileRun): Promise<void> {
    const now = this.#deps.now();
    if (run.window.start.getTime() < now - GITHUB_RETENTION_MS) {
      run.warn(
        "github_retention_exceeded",
        `the window starts ${run.window.start.toISOString()}, beyond the 3 days GitHub keeps deliveries: failures before ${new Date(now - GITHUB_RETENTION_MS).toISOString()} cannot be seen and are not recovered`,
      );
    }
    for (const [key, request] of this.#requested) if (request.at < now - GITHUB_RETENTION_MS) this.#requested.delete(key);
    // One hook failing (a missing permission, say) does not keep the others from being reconciled.
    for (const hook of githubHooksOf(source)) {
      try {
        await this.#reconcileHook(source, hook, run);
      } catch (error) {
        run.problem(error, hookName(hook), "error");
      }
    }
  }

  async #reconcileHook(source: ReconciledSource, hook: GitHubHook, run: ReconcileRun): Promise<void> {
    const { tally } = run;
    const deliveries = await this.#deps.api.deliveriesSince(hook, run.window.start.getTime());
    tally.eventsSeen += new Set(deliveries.map((delivery) => delivery.guid)).size;
    const failed = findGaps(deliveries);
    // A delivery GitHub saw fail may still have reached the log (ingest wrote it, then answered too
    // late): the shared ledger knows, keyed by the guid, which is ingest's provider event id.
    const missing = await run.missing(failed.map((gap) => gap.guid));
    const gaps = failed.filter((gap) => missing.has(gap.guid));
    tally.gapsFound += gaps.length;
    if (gaps.length === 0) return;

    if (this.#deps.mode === "fetch") {
      const events: FetchedEvent[] = [];
      for (const gap of gaps) {
        const request = await this.#deps.api.deliveryRequest(hook, gap.latest.id);
        // The provider module reads the delivery as ingest reads it: the same facts, key and audit headers.
        const fetched = eventFromGitHubDelivery({ guid: gap.guid, event: gap.first.event, request });
        if (fetched) events.push(fetched);
        else
          run.warn(
            "github_payload_unavailable",
            `${hookName(hook)}: GitHub returned no payload for delivery ${gap.guid}; redeliver it from the hook's settings`,
          );
      }
      await run.write(events);
      return;
    }
    await this.#redeliver(source, hook, gaps, deliveries, run);
  }

  /**
   * Redeliveries made so far, per gap. When a gap's first attempt is listed in the window, so is every
   * redelivery of it (they are newer). When it is not, earlier redeliveries may be older than the
   * window too (a failure that keeps failing stays a gap through its newest attempt), so the listing
   * goes further back, as far as GitHub keeps deliveries, until each such first attempt is found.
   * A redelivery GitHub accepted but has not listed yet is not counted (see #requested for that case).
   */
  async #redeliveriesMade(hook: GitHubHook, gaps: readonly Gap[], windowed: readonly Delivery[]): Promise<Map<string, number>> {
    const guids = gaps.map((gap) => gap.guid);
    const inWindow = countRedeliveries(windowed, guids);
    if (inWindow.firstUnseen.length === 0) return inWindow.made;
    const since = this.#deps.now() - GITHUB_RETENTION_MS;
    const older = await this.#deps.api.deliveriesSince(hook, since, (listed) => countRedeliveries(listed, inWindow.firstUnseen).firstUnseen.length === 0);
    return countRedeliveries(older, guids).made;
  }

  async #redeliver(source: ReconciledSource, hook: GitHubHook, gaps: readonly Gap[], deliveries: readonly Delivery[], run: ReconcileRun): Promise<void> {
    const { tally } = run;
    const made = await this.#redeliveriesMade(hook, gaps, deliveries);
    for (const gap of gaps) {
      const redeliveries = made.get(gap.guid) ?? 0;
      if (redeliveries >= this.#deps.maxRedeliveries) {
        // Reported, not failed: a delivery that fails every time must not hold the checkpoint back.
        run.warn(
          "github_redelivery_limit",
          `${hookName(hook)}: delivery ${gap.guid} failed again after ${redeliveries} redeliveries (RECONCILIATION_GITHUB_MAX_REDELIVERIES); not asking again, redeliver it by hand once its cause is fixed`,
        );
        publishRedeliveryGivenUp({ source: source.name, hook: hookName(hook), guid: gap.guid, redeliveries });
        continue;
      }
      const key = `${source.name}\u0000${hook.owner}/${hook.repo}/${hook.hookId}\u0000${gap.guid}`;
      const earlier = this.#requested.get(key);
      if (earlier && [...gap.attemptIds].every((id) => earlier.attemptIds.has(id))) {
        this.#deps.logger.info(
          { source: source.name, hook: hookName(hook), guid: gap.guid },
          "redelivery already requested and not yet carried out; not asking again",
        );
        continue;
      }
      try {
        await this.#deps.api.redeliver(hook, gap.latest.id);
      } catch (error) {
        // GitHub refusing one delivery (gone, say) is that delivery's: a warning, so the checkpoint still moves on.
        if (!(error instanceof ProviderApiError) || error.retryable) throw error;
        run.problem(error, `${hookName(hook)}: delivery ${gap.guid} cannot be redelivered; redeliver it by hand`, "warning");
        continue;
      }
      this.#requested.set(key, { at: this.#deps.now(), attemptIds: gap.attemptIds });
      tally.backfilled += 1;
    }
  }
}
