export { GroupCommit } from "./group-commit.ts";
export { BatchPublisher } from "./publisher.ts";
export type { OutgoingMessage } from "./publisher.ts";
export { DedupLedger } from "./dedup-ledger.ts";
export type { AcceptedEvent } from "./dedup-ledger.ts";
export { newEventId } from "./event-id.ts";
