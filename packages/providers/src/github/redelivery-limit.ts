// How often GitHub has redelivered a delivery, counted from GitHub's own listing, so that a restart
// or another instance counts the same: each redelivery is listed as a delivery of its own, with the
// same guid and redelivery: true. https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
import { channel } from "node:diagnostics_channel";
import type { Delivery } from "./api-client.ts";

/** Where a delivery left alone at its redelivery limit is published: reconciliation's metrics subscribe by this name. */
export const REDELIVERY_GIVEN_UP_CHANNEL = "hooklog:reconciliation:redelivery-given-up";

export interface RedeliveryGivenUp {
  source: string;
  hook: string;
  guid: string;
  redeliveries: number;
}

const givenUpChannel = channel(REDELIVERY_GIVEN_UP_CHANNEL);

export function publishRedeliveryGivenUp(message: RedeliveryGivenUp): void {
  if (givenUpChannel.hasSubscribers) givenUpChannel.publish(message);
}

/** The redeliveries listed for each of `guids`, and which of them have no first attempt (redelivery: false) among `deliveries`. */
export function countRedeliveries(deliveries: readonly Delivery[], guids: readonly string[]): { made: Map<string, number>; firstUnseen: string[] } {
  const wanted = new Set(guids);
  const made = new Map<string, number>(guids.map((guid) => [guid, 0]));
  const firstSeen = new Set<string>();
  for (const delivery of deliveries) {
    if (!wanted.has(delivery.guid)) continue;
    if (delivery.redelivery) made.set(delivery.guid, (made.get(delivery.guid) ?? 0) + 1);
    else firstSeen.add(delivery.guid);
  }
  return { made, firstUnseen: guids.filter((guid) => !firstSeen.has(guid)) };
}
