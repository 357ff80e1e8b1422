export { defineConsumer, RetryLaterError } from "./definition.ts";
export type {
  BatchContext,
  ConsumerDefinition,
  DomainHandler,
  DomainInbound,
  DomainSubscription,
  EventAt,
  HandlerContext,
  InboundEvent,
  LogPosition,
  Subscription,
  WebhookHandler,
  WebhookInbound,
  WebhookSubscription,
} from "./definition.ts";
export type { EarlierAttempt, OutsideCall } from "./effects.ts";
export { startConsumer } from "./runner.ts";
export type { ConsumerRuntimeOptions, RunningConsumer } from "./runner.ts";
export { committedTopics, consumerNames, consumerNamesIn, groupMembers, heldKeys, redrive, release, replay, replayPlan } from "./commands.ts";
export type { HeldKey, RedriveOptions, RedriveResult, ReleaseResult, ReplayPlan } from "./commands.ts";
export { consumerStateCounts, eventStates } from "./event-states.ts";
export { rerunEvent, resendEvents } from "./event-actions.ts";
export type { ResendEvent, ResendOptions, ResendProgress, ResendResult } from "./event-actions.ts";
export { PositionNotReadableError, readMessagesAt } from "./position-reader.ts";
export type { ConsumerEventState, ConsumerStateCounts, EventAttempt } from "./event-states.ts";
export type { AttemptOutcome, EventState } from "./state-log.ts";
export { createConsumerMetrics } from "./metrics.ts";
export type { ConsumerMetrics } from "./metrics.ts";
export { deadLetterTopic, domainTopic, groupId, readerGroupId, retryTopic, HEADERS } from "./topology.ts";
export { UndecodableMessageError, traceIdOf } from "./decode.ts";
export { ANY_TYPE } from "./dispatch.ts";
export { runConsumerService } from "./service.ts";
export type { ConsumerServiceOptions } from "./service.ts";
// For whoever prepares a database before any consumer service ran on it (a test of the operator's commands).
export { consumerKitMigrations } from "./migrations/index.ts";
export { parseWebhookPayload, UnparseablePayloadError } from "./payload.ts";
export { MemberWatchdog } from "./member-watchdog.ts";
export type { MemberWatchdogOptions } from "./member-watchdog.ts";
