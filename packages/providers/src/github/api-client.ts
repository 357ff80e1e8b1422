// The slice of GitHub's REST API reconciliation uses: a repository hook's deliveries, one delivery,
// and a redelivery. Every call goes through callWithRetries; a response that says no requests remain
// holds the next call back until the limit resets.
// https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
import { Octokit } from "@octokit/rest";
import type { Logger } from "@hooklog/logging";
import { ProviderApiError, callWithRetries, type ApiFailure, type RetryListener, type RetryPolicy } from "../api/retry.ts";
import { describeGitHubError, githubWaitMs } from "./api-errors.ts";

export interface GitHubHook {
  owner: string;
  repo: string;
  hookId: number;
}

export interface Delivery {
  id: number;
  guid: string;
  deliveredAt: number;
  redelivery: boolean;
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
}

export interface DeliveryRequest {
  headers: Record<string, string>;
  payload: unknown;
}

export const hookName = (hook: GitHubHook): string => `${hook.owner}/${hook.repo} hook ${hook.hookId}`;

/** GitHub counts a delivery as failed when it got no 2xx (status_code 0: no response at all). */
export const deliverySucceeded = (delivery: Delivery): boolean => delivery.status === "OK" && delivery.statusCode >= 200 && delivery.statusCode < 400;

export function createOctokit(token: string, baseUrl: string, logger: Logger): Octokit {
  return new Octokit({
    auth: token,
    baseUrl,
    userAgent: "hooklog-reconciliation",
    // Octokit's own notices go to our logger (it never logs the token).
    log: { debug: () => {}, info: () => {}, warn: (message: string) => logger.warn({ component: "octokit" }, message), error: (message: string) => logger.error({ component: "octokit" }, message) },
  });
}

/** The cursor of the `rel="next"` link, if there is a next page. */
export function nextCursor(link: string | undefined): string | undefined {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match?.[1]) return new URL(match[1]).searchParams.get("cursor") ?? undefined;
  }
  return undefined;
}

type ResponseHeaders = Record<string, string | number | undefined>;

export class GitHubApi {
  readonly #octokit: Octokit;
  readonly #retry: RetryPolicy;
  readonly #onRetry: RetryListener;
  readonly #now: () => number;
  /** Set when a response said no requests remain: the next call waits until then. */
  #notBefore = 0;

  constructor(octokit: Octokit, retry: RetryPolicy, onRetry: RetryListener, now: () => number = Date.now) {
    this.#octokit = octokit;
    this.#retry = retry;
    this.#onRetry = onRetry;
    this.#now = now;
  }

  /** The hook's deliveries delivered at or after `since`, newest first, following the Link header page by page. */
  async deliveriesSince(hook: GitHubHook, since: number): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    let cursor: string | undefined;
    for (;;) {
      const params = { owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, per_page: 100, ...(cursor ? { cursor } : {}) };
      const response = await this.#call(`GET deliveries of ${hookName(hook)}${cursor ? ` (cursor ${cursor})` : ""}`, () => this.#octokit.rest.repos.listWebhookDeliveries(params));
      let older = false;
      for (const item of response.data) {
        const delivery: Delivery = {
          id: Number(item.id),
          guid: item.guid,
          deliveredAt: Date.parse(item.delivered_at),
          redelivery: item.redelivery,
          status: item.status,
          statusCode: item.status_code,
          event: item.event,
          action: item.action,
        };
        if (delivery.deliveredAt < since) older = true;
        else deliveries.push(delivery);
      }
      cursor = nextCursor(response.headers.link);
      if (older || !cursor || response.data.length === 0) return deliveries;
    }
  }

  /** Asks GitHub to deliver `deliveryId` again; it answers 202 and delivers asynchronously. */
  async redeliver(hook: GitHubHook, deliveryId: number): Promise<void> {
    await this.#call(`POST redelivery of ${deliveryId} on ${hookName(hook)}`, () =>
      this.#octokit.rest.repos.redeliverWebhookDelivery({ owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, delivery_id: deliveryId }),
    );
  }

  /** The request GitHub sent for `deliveryId`: its headers and the payload, parsed. */
  async deliveryRequest(hook: GitHubHook, deliveryId: number): Promise<DeliveryRequest> {
    const response = await this.#call(`GET delivery ${deliveryId} of ${hookName(hook)}`, () =>
      this.#octokit.rest.repos.getWebhookDelivery({ owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, delivery_id: deliveryId }),
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.data.request.headers ?? {})) headers[name.toLowerCase()] = String(value);
    return { headers, payload: response.data.request.payload };
  }

  async #call<T extends { headers: ResponseHeaders }>(operation: string, call: () => Promise<T>): Promise<T> {
    const wait = this.#notBefore - this.#now();
    if (wait > this.#retry.maxWaitMs) {
      const failure: ApiFailure = { provider: "github", status: undefined, requestId: undefined, message: `no requests remain until the rate limit resets in ${Math.ceil(wait / 1000)} s`, reason: "rate_limited", retry: { kind: "no" } };
      throw new ProviderApiError(operation, failure, 0, "the next run resumes");
    }
    if (wait > 0) await this.#retry.sleep(wait);
    const response = await callWithRetries(operation, call, (error) => describeGitHubError(error, this.#now()), this.#retry, this.#onRetry);
    // The last request before the limit succeeded: hold the next one until the limit resets.
    if (String(response.headers["x-ratelimit-remaining"]) === "0") this.#notBefore = this.#now() + (githubWaitMs(response.headers, this.#now()) ?? 0);
    return response;
  }
}
