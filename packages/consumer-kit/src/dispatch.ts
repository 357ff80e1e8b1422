import type { HandlerContext, InboundEvent, Subscription } from "./definition.ts";

/** The key of a webhook subscription's `on` that takes every type no other key names. */
export const ANY_TYPE = "*";

/** An event's handler, bound to the event. */
export type BoundHandler = (context: HandlerContext) => Promise<void>;

/**
 * Whether a webhook subscription declares a handler for `type` (its own or `*`): an event of a type
 * it does not is skipped unread, by the type its message's header names. A domain subscription takes
 * every record of its topic.
 */
export function takesType(subscription: Subscription, type: string): boolean {
  return subscription.record !== undefined || Object.hasOwn(subscription.on, type) || Object.hasOwn(subscription.on, ANY_TYPE);
}

/**
 * The handler a subscription declares for a decoded event, or undefined when it declares none for
 * its type: such an event is not the consumer's business and is skipped (its offset still commits).
 */
export function handlerFor(subscription: Subscription | undefined, inbound: InboundEvent): BoundHandler | undefined {
  if (!subscription) return undefined;
  if (inbound.kind === "domain") {
    if (subscription.record === undefined || subscription.record !== inbound.type) return undefined;
    const { on } = subscription;
    return (context) => on(inbound, context);
  }
  if (subscription.record !== undefined) return undefined;
  // Own keys only: an event type such as `constructor` must not find Object's prototype.
  const handler = Object.hasOwn(subscription.on, inbound.type) ? subscription.on[inbound.type] : subscription.on[ANY_TYPE];
  return handler && ((context) => handler(inbound, context));
}
