// The slice of GitHub's REST API reconciliation uses: a repository hook's deliveries, one delivery,
// and a redelivery. Octokit's plugins do the retrying: plugin-throttling waits out rate limits (and
// spaces writes a second apart, as GitHub asks), plugin-retry retries server errors; the retry
// policy bounds both. https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
import { isObject } from "@hooklog/core";
import type { Logger } from "@hooklog/logging";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { ProviderApiError, type ApiFailure, type RetryListener, type RetryPolicy } from "../api/retry.ts";
import { describeGitHubError } from "./api-errors.ts";

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

/** One request through all its attempts: how many, the last failure, and why a rate limit was not waited out. */
interface RequestTrace {
  attempts: number;
  lastFailure?: { failure: ApiFailure; at: number };
  refused?: string;
}

/** By a request's options (the same object through every attempt) and by the error that ended it. */
const traces = new WeakMap<object, RequestTrace>();

/**
 * Listed before the retry plugins, so it wraps each attempt inside them: counts the attempts and
 * tells onRetry of each retry, with the failure before it and the time the plugins waited.
 */
const traceAttempts: Parameters<typeof Octokit.plugin>[number] = (octokit, options) => {
  const onRetry = options["onRetry"] as RetryListener | undefined;
  octokit.hook.wrap("request", async (request, endpoint) => {
    const trace = traces.get(endpoint) ?? { attempts: 0 };
    traces.set(endpoint, trace);
    if (trace.lastFailure) {
      const { url } = octokit.request.endpoint.parse(endpoint);
      const operation = `${endpoint.method} ${url.replace(endpoint.baseUrl, "")}`;
      onRetry?.({ operation, failure: trace.lastFailure.failure, delayMs: Math.round(performance.now() - trace.lastFailure.at), attempt: trace.attempts });
    }
    trace.attempts += 1;
    try {
      return await request(endpoint);
    } catch (error) {
      trace.lastFailure = { failure: describeGitHubError(error), at: performance.now() };
      if (isObject(error)) traces.set(error, trace);
      throw error;
    }
  });
};

const GitHubOctokit = Octokit.plugin(traceAttempts, retry, throttling);

export interface OctokitSettings {
  token: string;
  baseUrl: string;
  logger: Logger;
  retry: RetryPolicy;
  onRetry: RetryListener;
}

export function createOctokit({ token, baseUrl, logger, retry: policy, onRetry }: OctokitSettings): Octokit {
  // Rate limits: maxAttempts in all (retryCount counts this request's earlier ones), and a wait over
  // maxWaitMs is left to the next run. Server errors and lost connections: plugin-retry, maxAttempts
  // in all, baseDelayMs × n² apart. A request meeting both kinds is bounded by maxAttempts².
  const onLimit = (retryAfterSeconds: number, request: object, _octokit: unknown, retryCount: number): boolean => {
    if (retryAfterSeconds * 1000 <= policy.maxWaitMs) return retryCount + 1 < policy.maxAttempts;
    const trace = traces.get(request);
    if (trace) trace.refused = `GitHub asks to wait ${retryAfterSeconds} s, longer than RECONCILIATION_MAX_WAIT_SECONDS; the next run resumes`;
    return false;
  };
  return new GitHubOctokit({
    auth: token,
    baseUrl,
    userAgent: "hooklog-reconciliation",
    onRetry,
    // 429 is the throttling plugin's (it reads the reset time); plugin-retry's own list otherwise.
    retry: { retries: policy.maxAttempts - 1, retryAfterBaseValue: policy.baseDelayMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: { onRateLimit: onLimit, onSecondaryRateLimit: onLimit },
    // Octokit's own notices go to our logger (it never logs the token).
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn({ component: "octokit" }, message),
      error: (message: string) => logger.error({ component: "octokit" }, message),
    },
  });
}

/** The error that ended a request, saying how many attempts the plugins made and why they stopped. */
function providerApiError(operation: string, error: unknown): ProviderApiError {
  const failure = describeGitHubError(error);
  const trace = isObject(error) ? traces.get(error) : undefined;
  const hint = trace?.refused ?? (failure.reason === "client_error" ? undefined : "retries exhausted; the next run resumes from the checkpoint");
  return new ProviderApiError(operation, failure, trace?.attempts ?? 1, hint);
}

export class GitHubApi {
  readonly #octokit: Octokit;

  constructor(octokit: Octokit) {
    this.#octokit = octokit;
  }

  /**
   * The hook's deliveries delivered at or after `since`, newest first, page by page until one reaches
   * past `since`, or until `enough` says the deliveries listed so far answer the caller's question.
   */
  async deliveriesSince(hook: GitHubHook, since: number, enough: (listed: readonly Delivery[]) => boolean = () => false): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    const params = { owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, per_page: 100 };
    let page = 1;
    try {
      for await (const response of this.#octokit.paginate.iterator(this.#octokit.rest.repos.listWebhookDeliveries, params)) {
        let older = false;
        for (const item of response.data) {
          const deliveredAt = Date.parse(item.delivered_at);
          if (deliveredAt < since) older = true;
          else
            deliveries.push({
              id: Number(item.id),
              guid: item.guid,
              deliveredAt,
              redelivery: item.redelivery,
              status: item.status,
              statusCode: item.status_code,
              event: item.event,
              action: item.action,
            });
        }
        if (older || enough(deliveries)) break;
        page += 1;
      }
    } catch (error) {
      throw providerApiError(`GET deliveries of ${hookName(hook)} (page ${page})`, error);
    }
    return deliveries;
  }

  /** Asks GitHub to deliver `deliveryId` again; it answers 202 and delivers asynchronously. */
  async redeliver(hook: GitHubHook, deliveryId: number): Promise<void> {
    try {
      await this.#octokit.rest.repos.redeliverWebhookDelivery({ owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, delivery_id: deliveryId });
    } catch (error) {
      throw providerApiError(`POST redelivery of ${deliveryId} on ${hookName(hook)}`, error);
    }
  }

  /** The request GitHub sent for `deliveryId`: its headers and the payload, parsed. */
  async deliveryRequest(hook: GitHubHook, deliveryId: number): Promise<DeliveryRequest> {
    try {
      const response = await this.#octokit.rest.repos.getWebhookDelivery({ owner: hook.owner, repo: hook.repo, hook_id: hook.hookId, delivery_id: deliveryId });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.data.request.headers ?? {})) headers[name.toLowerCase()] = String(value);
      return { headers, payload: response.data.request.payload };
    } catch (error) {
      throw providerApiError(`GET delivery ${deliveryId} of ${hookName(hook)}`, error);
    }
  }
}
