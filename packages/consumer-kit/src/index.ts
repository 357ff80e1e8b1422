export { defineConsumer, RetryLaterError } from "./definition.ts";
export type {
  ConsumerDefinition,
  DomainHandler,
  DomainInbound,
  DomainSubscription,
  HandlerContext,
  InboundEvent,
  Subscription,
  WebhookHandler,
  WebhookInbound,
  WebhookSubscription,
} from "./definition.ts";
export type { EarlierAttempt, OutsideCall } from "./effects.ts";
export { startConsumer } from "./runner.ts";
export type { ConsumerRuntimeOptions, RunningConsumer } from "./runner.ts";
export { heldKeys, redrive, release, replay } from "./commands.ts";
export type { HeldKey, RedriveResult, ReleaseResult } from "./commands.ts";
export { createConsumerMetrics } from "./metrics.ts";
export type { ConsumerMetrics } from "./metrics.ts";
export { deadLetterTopic, domainTopic, groupId, retryTopic, HEADERS } from "./topology.ts";
export { UndecodableMessageError } from "./decode.ts";
export { runConsumerService } from "./service.ts";
export type { ConsumerServiceOptions } from "./service.ts";
