// PagerDuty Events API v2: https://developer.pagerduty.com/docs/events-api-v2/trigger-events
import { postJson } from "./http-delivery.ts";

/** What to page about; the routing key is added by the client. */
export interface PagerDutyAlert {
  /** Stable per incident: PagerDuty folds a second trigger with the same key into the open incident. */
  dedupKey: string;
  summary: string;
  source: string;
  component?: string;
  customDetails: Record<string, unknown>;
}

export interface PagerDutyClient {
  trigger(alert: PagerDutyAlert): Promise<{ status: number; dedupKey: string }>;
}

// PagerDuty truncates longer summaries; keep ours within its limit.
const MAX_SUMMARY = 1024;

export function createPagerDutyClient(options: { eventsUrl: string; routingKey: string; timeoutMs: number }): PagerDutyClient {
  return {
    async trigger(alert) {
      const event = {
        routing_key: options.routingKey,
        event_action: "trigger",
        dedup_key: alert.dedupKey,
        payload: {
          summary: alert.summary.slice(0, MAX_SUMMARY),
          source: alert.source,
          severity: "error",
          ...(alert.component ? { component: alert.component } : {}),
          custom_details: alert.customDetails,
        },
      };
      const { status } = await postJson("PagerDuty", options.eventsUrl, event, options.timeoutMs);
      return { status, dedupKey: alert.dedupKey };
    },
  };
}
