// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events): 202
// with the dedup_key for a valid trigger, 400 "invalid event" otherwise. Triggers are counted by
// dedup_key; PagerDuty folds a repeated one into the open incident, which the report says apart.
import type { EffectTally } from "./effect-tally.ts";
import { effectKey } from "./effect-tally.ts";
import { listen, readJson, sendJson, type StandIn } from "./stand-in-server.ts";

export function startPagerDutyStandIn(tally: EffectTally, routingKey: string): Promise<StandIn> {
  return listen(async (request, response) => {
    const event = request.method === "POST" ? await readJson(request) : undefined;
    const dedupKey = typeof event?.dedup_key === "string" ? event.dedup_key : undefined;
    const payload = event?.payload as { summary?: unknown } | undefined;
    if (!event || event.routing_key !== routingKey || event.event_action !== "trigger" || !dedupKey || typeof payload?.summary !== "string") {
      sendJson(response, 400, {
        status: "invalid event",
        message: "Event object is invalid",
        errors: ["routing_key, event_action, dedup_key or payload.summary"],
      });
      return;
    }
    tally.record(effectKey.page(dedupKey));
    sendJson(response, 202, { status: "success", message: "Event processed", dedup_key: dedupKey });
  });
}
