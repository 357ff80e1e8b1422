// Every event the load made and every POST of it: what was sent when, in which phase, and how ingest answered.
import type { PlannedEvent } from "./event-mix.ts";

export interface PostRecord {
  eventKey: string;
  /** The phase the POST was sent in (a redelivery may be sent in a later phase than its event). */
  phase: string;
  sentAt: number;
  answeredAt: number;
  /** 0: no answer (refused, reset, timed out). */
  status: number;
  outcome: string;
  redelivery: boolean;
}

export interface EventRecord {
  event: PlannedEvent;
  /** Some POST of it was answered 2xx: from then on it must be in Kafka. */
  acknowledged: boolean;
  /** Deliveries (first or redelivery) that ended without a 2xx after every attempt. */
  gaveUp: number;
  /** Answers that break ingest's contract, e.g. a redelivery answered neither duplicate nor accepted. */
  problems: string[];
}

export const is2xx = (status: number): boolean => status >= 200 && status < 300;

export class DeliveryLog {
  readonly events = new Map<string, EventRecord>();
  readonly posts: PostRecord[] = [];

  add(event: PlannedEvent): EventRecord {
    const record: EventRecord = { event, acknowledged: false, gaveUp: 0, problems: [] };
    this.events.set(event.key, record);
    return record;
  }

  post(post: PostRecord): void {
    this.posts.push(post);
    const record = this.events.get(post.eventKey);
    if (record && is2xx(post.status)) record.acknowledged = true;
  }
}
